package h248

import (
	"errors"
	"strconv"
)

// WordLabel starts the input of an H.248 verification word (docs/PROTOCOL.md
// §13.3).
const WordLabel = "sigproxy-v1 h248-word"

// ErrWordField reports a verification-word input field longer than its
// two-byte length prefix can say (65535 bytes).
var ErrWordField = errors.New("h248: verification word field too long")

// maxLP is the longest field a two-byte length prefix can carry.
const maxLP = 0xFFFF

// AppendWordInput appends the input of the verification word of the parsed
// message (PROTOCOL.md §13.3) to dst: LP(WordLabel) LP(dir) LP(seq in
// decimal) LP(identity) LP(body), LP being a two-byte big-endian length and
// the bytes. The body is Body: from the first Transaction, Reply, Pending or
// TransactionResponseAck token to the end of the last one, as written; the
// authentication header, the version and the mId are outside it, so the
// header that carries the word can be set after the word is computed.
//
// It returns dst unchanged and ErrMissing before a successful Parse, and
// ErrWordField when dir or identity is longer than 65535 bytes. It does not
// allocate when dst has room.
func (m *Message) AppendWordInput(dst []byte, dir string, seq uint32,
	identity []byte) ([]byte, error) {
	if m.n == 0 {
		return dst, ErrMissing
	}
	if len(dir) > maxLP || len(identity) > maxLP {
		return dst, ErrWordField
	}
	dst = appendLP(dst, WordLabel)
	dst = appendLP(dst, dir)
	var digits [10]byte
	dst = appendLP(dst, strconv.AppendUint(digits[:0], uint64(seq), 10))
	dst = appendLP(dst, identity)
	return appendLP(dst, m.Body()), nil
}

// appendLP appends the two-byte big-endian length of b, then b. Callers
// check the length.
func appendLP[S string | []byte](dst []byte, b S) []byte {
	dst = append(dst, byte(len(b)>>8), byte(len(b)))
	return append(dst, b...)
}
