package mgcp

import (
	"errors"
	"strconv"
)

// Verification words after registration (docs/PROTOCOL.md §13.3): the word
// rides in one parameter line, WordParam: seq=<n>, mac="<B64 tag>".
const (
	// WordLabel starts the input of an MGCP verification word.
	WordLabel = "sigproxy-v1 mgcp-word"
	// WordParam is the name of the parameter line that carries the word.
	WordParam = "X-SKDMW"
	// maxWordMAC bounds the B64 text of a word's tag: a 32-byte HMAC tag is
	// 44 characters, room is left for a longer one.
	maxWordMAC = 88
)

// Errors of the verification word helpers.
var (
	// ErrWordField reports an input field longer than its two-byte length
	// prefix can say (65535 bytes).
	ErrWordField = errors.New("mgcp: verification word field too long")
	// ErrBadWord reports a WordParam value that is not seq=<n>, mac="<B64>":
	// n from 0 to 4294967295 without leading zeros beyond one digit, the tag
	// 1 to 88 characters of standard base64.
	ErrBadWord = errors.New("mgcp: bad verification word")
)

// maxLP is the longest field a two-byte length prefix can carry.
const maxLP = 0xFFFF

// AppendWordInput appends the input of the verification word of the parsed
// message (PROTOCOL.md §13.3) to dst: LP(WordLabel) LP(dir) LP(seq in
// decimal) LP(identity), then LP(the command or response line without its
// line end), a two-byte big-endian count of the other parameter lines,
// LP(each as written without its line end, in order, every WordParam line
// left out) and LP(the SDP as written, empty when there is none). LP is a
// two-byte big-endian length and the bytes.
//
// Leaving the word's own line out lets a sender add it after computing the
// word (Editor.Add puts it after the last parameter line), and a receiver
// check the message as it came before removing it.
//
// It returns dst unchanged and ErrStaleMessage when m holds no parsed
// message, ErrWordField when dir or identity is longer than 65535 bytes. It
// does not allocate when dst has room.
func (m *Message) AppendWordInput(dst []byte, dir string, seq uint32,
	identity []byte) ([]byte, error) {
	if !m.ok {
		return dst, ErrStaleMessage
	}
	if len(dir) > maxLP || len(identity) > maxLP {
		return dst, ErrWordField
	}
	dst = appendLP(dst, WordLabel)
	dst = appendLP(dst, dir)
	var digits [10]byte
	dst = appendLP(dst, strconv.AppendUint(digits[:0], uint64(seq), 10))
	dst = appendLP(dst, identity)
	dst = appendLP(dst, m.FirstLine())
	n0 := len(dst)
	dst = append(dst, 0, 0)
	count := 0
	for i := range m.params[:m.np] {
		p := &m.params[i]
		if equalFold(m.buf[p.line0:p.name1], WordParam) {
			continue
		}
		dst = appendLP(dst, m.paramLine(p))
		count++
	}
	dst[n0], dst[n0+1] = byte(count>>8), byte(count)
	return appendLP(dst, m.SDP()), nil
}

// paramLine returns parameter line p without its line end.
func (m *Message) paramLine(p *param) []byte {
	e := int(p.next)
	for e > int(p.line0) && (m.buf[e-1] == '\n' || m.buf[e-1] == '\r') {
		e--
	}
	return m.buf[p.line0:e:e]
}

// appendLP appends the two-byte big-endian length of b, then b. Callers
// keep b within 65535 bytes: a message is at most MaxMessageSize.
func appendLP[S string | []byte](dst []byte, b S) []byte {
	dst = append(dst, byte(len(b)>>8), byte(len(b)))
	return append(dst, b...)
}

// AppendWordValue appends a WordParam value, seq=<seq>, mac="<mac>", to
// dst; mac is the tag's standard base64 text.
func AppendWordValue(dst []byte, seq uint32, mac []byte) []byte {
	dst = append(dst, "seq="...)
	dst = strconv.AppendUint(dst, uint64(seq), 10)
	dst = append(dst, `, mac="`...)
	dst = append(dst, mac...)
	return append(dst, '"')
}

// ParseWordValue reads a WordParam value, seq=<n>, mac="<B64>" (white space
// allowed around the comma), and returns the number and the tag's base64
// text, a view into v. Anything else is ErrBadWord. It does not allocate.
func ParseWordValue(v []byte) (seq uint32, mac []byte, err error) {
	if len(v) < 4 || !equalFold(v[:4], "seq=") {
		return 0, nil, ErrBadWord
	}
	i := 4
	j := skipClass(v, i, cDigit)
	n, ok := decimal32(v[i:j])
	if !ok {
		return 0, nil, ErrBadWord
	}
	i = skipClass(v, j, cWSP)
	if i == len(v) || v[i] != ',' {
		return 0, nil, ErrBadWord
	}
	i = skipClass(v, i+1, cWSP)
	if len(v)-i < 5 || !equalFold(v[i:i+4], "mac=") || v[i+4] != '"' {
		return 0, nil, ErrBadWord
	}
	i += 5
	j = i
	for j < len(v) && isB64(v[j]) {
		j++
	}
	if j == i || j-i > maxWordMAC || j+1 != len(v) || v[j] != '"' {
		return 0, nil, ErrBadWord
	}
	return n, v[i:j:j], nil
}

// decimal32 reads 1 to 10 digits, no leading zero but for "0" itself, up to
// 4294967295.
func decimal32(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 10 || len(b) > 1 && b[0] == '0' {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		n = n*10 + uint64(c-'0')
	}
	return uint32(n), n <= 0xFFFFFFFF
}

// isB64 reports whether c belongs to standard base64 text, padding included.
func isB64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '='
}
