package sip

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
)

// Verification words after registration (docs/PROTOCOL.md §13): the header
// that carries one, its parser, and the canonical input the word is a tag
// over. The tag itself is the keystore's business; this file only reads and
// writes the wire form.

// WordHeader is the name of the header a SIP verification word rides in.
const WordHeader = "Verification-Word"

// Word directions of PROTOCOL.md §13.1.
const (
	WordT2P = "t2p" // terminal to proxy: the terminal's requests
	WordP2T = "p2t" // proxy to terminal: success responses
)

// MaxWordMAC bounds the base64 text of a word's mac: a 32-byte tag is 44
// characters; 64 leaves room and keeps the decode buffer small.
const MaxWordMAC = 64

// wordLabel starts every SIP word input.
const wordLabel = "sigproxy-v1 sip-word"

// Errors of the verification word helpers.
var (
	// ErrBadWord means a Verification-Word value does not follow
	// `seq=<n>, mac="<B64>"`: a parameter missing, repeated or unknown, a
	// number that is not 1 to 4294967295 in canonical decimal, a mac that is
	// empty, too long or not base64 text.
	ErrBadWord = errors.New("sip: malformed Verification-Word")
	// ErrWordInput means a word input cannot be built: a direction other
	// than t2p or p2t, an address of record over 65535 bytes, or more Contact
	// values than ListIter visits.
	ErrWordInput = errors.New("sip: verification word input cannot be built")
)

// Word returns the value of the message's Verification-Word header and how
// many such header lines it has (0 when absent); callers refuse more than
// one. The name compares case-insensitively. It does not allocate.
func (m *Message) Word() (value []byte, n int) {
	for i := 0; i < m.n; i++ {
		h := &m.hdrs[i]
		if h.id == HdrOther && eqFold(m.buf[h.name0():h.name1()], WordHeader) {
			if n == 0 {
				value = m.value(i)
			}
			n++
		}
	}
	return value, n
}

// IsWordHeader reports whether a header is a Verification-Word, for writers
// that copy every other header line.
func IsWordHeader(h Header) bool { return h.ID == HdrOther && eqFold(h.Name, WordHeader) }

// ParseWord reads a Verification-Word value, `seq=<n>, mac="<B64>"` with the
// parameters in either order, names compared case-insensitively and LWS
// allowed around `=` and `,`. mac is the base64 text without quotes, a view
// into v. Errors: ErrBadWord. It does not allocate.
func ParseWord(v []byte) (seq uint32, mac []byte, err error) {
	var haveSeq, haveMAC bool
	i := skipLWS(v, 0)
	for n := 0; n < 2; n++ {
		name, val, quoted, next, ok := wordParam(v, i)
		if !ok {
			return 0, nil, ErrBadWord
		}
		switch {
		case eqFold(name, "seq") && !haveSeq && !quoted:
			if seq, ok = wordSeq(val); !ok {
				return 0, nil, ErrBadWord
			}
			haveSeq = true
		case eqFold(name, "mac") && !haveMAC && quoted && isB64(val):
			mac, haveMAC = val, true
		default:
			return 0, nil, ErrBadWord
		}
		i = skipLWS(v, next)
		if n == 0 {
			if i >= len(v) || v[i] != ',' {
				return 0, nil, ErrBadWord
			}
			i = skipLWS(v, i+1)
		}
	}
	if i != len(v) {
		return 0, nil, ErrBadWord
	}
	return seq, mac, nil
}

// wordParam reads name LWS "=" LWS (token / quoted-string) at i; a quoted
// value is returned without its quotes and may not hold escapes.
func wordParam(v []byte, i int) (name, val []byte, quoted bool, next int, ok bool) {
	j := skipClass(v, i, cToken)
	if j == i {
		return nil, nil, false, 0, false
	}
	name = v[i:j]
	j = skipLWS(v, j)
	if j >= len(v) || v[j] != '=' {
		return nil, nil, false, 0, false
	}
	j = skipLWS(v, j+1)
	if j < len(v) && v[j] == '"' {
		k := j + 1
		for k < len(v) && v[k] != '"' && v[k] != '\\' {
			k++
		}
		if k >= len(v) || v[k] != '"' {
			return nil, nil, false, 0, false
		}
		return name, v[j+1 : k], true, k + 1, true
	}
	k := skipClass(v, j, cToken)
	return name, v[j:k], false, k, k > j
}

// wordSeq parses 1 to 4294967295 written without leading zeros.
func wordSeq(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 10 || b[0] == '0' {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<32-1 {
		return 0, false
	}
	return uint32(n), true
}

// isB64 reports standard base64 text of 1 to MaxWordMAC characters; Decode
// checks the padding.
func isB64(b []byte) bool {
	if len(b) == 0 || len(b) > MaxWordMAC {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// AppendWord appends a Verification-Word header line with seq and the
// base64 of tag.
func AppendWord(dst []byte, seq uint32, tag []byte) []byte {
	dst = append(dst, WordHeader+": seq="...)
	dst = strconv.AppendUint(dst, uint64(seq), 10)
	dst = append(dst, ", mac=\""...)
	dst = base64.StdEncoding.AppendEncode(dst, tag)
	return append(dst, "\"\r\n"...)
}

// AppendWordInput appends the SIP word input of PROTOCOL.md §13.3 for the
// parsed message m to dst:
//
//	LP("sigproxy-v1 sip-word") LP(dir) LP(seq) LP(aor)
//	LP(method, or status code) LP(Request-URI, or empty)
//	LP(Call-ID) LP(CSeq number " " method) LP(From tag) LP(To tag)
//	count16(Contact values) LP(each) LP(Expires value, or empty)
//	LP(SHA-256 of the body)
//
// Contact values are the comma-separated elements of every Contact line as
// ListIter returns them (trimmed of LWS). dir is WordT2P or WordP2T; aor is
// the session's address of record. Errors: ErrWordInput, with dst returned
// unchanged. It does not allocate when dst has room.
func AppendWordInput(dst []byte, m *Message, dir string, seq uint32, aor []byte) ([]byte, error) {
	if dir != WordT2P && dir != WordP2T || len(aor) > 1<<16-1 {
		return dst, ErrWordInput
	}
	start := len(dst)
	dst = appendLPString(dst, wordLabel)
	dst = appendLPString(dst, dir)
	dst = appendLPUint(dst, uint64(seq))
	dst = appendLP(dst, aor)
	if m.req {
		dst = appendLP(dst, m.Method())
		dst = appendLP(dst, m.RequestURI())
	} else {
		dst = appendLPUint(dst, uint64(m.status))
		dst = appendLP(dst, nil)
	}
	callID, _ := m.Get(HdrCallID)
	dst = appendLP(dst, callID)
	dst = appendLPCSeq(dst, m.cseqNum, m.cseqMeth)
	dst = appendLP(dst, m.fromTag)
	dst = appendLP(dst, m.toTag)
	dst, ok := appendContacts(dst, m)
	if !ok {
		return dst[:start], ErrWordInput
	}
	// Expires decides a REGISTER's lifetime: uncovered, a refresh could be
	// turned into a de-registration on the way.
	expires, _ := m.Get(HdrExpires)
	dst = appendLP(dst, expires)
	sum := sha256.Sum256(m.Body())
	return appendLP(dst, sum[:]), nil
}

// appendContacts writes the count of Contact values and each value.
func appendContacts(dst []byte, m *Message) ([]byte, bool) {
	at := len(dst)
	dst = append(dst, 0, 0)
	n := 0
	it := m.List(HdrContact)
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		dst = appendLP(dst, c)
		n++
	}
	if it.Err() != nil {
		return dst, false
	}
	dst[at], dst[at+1] = byte(n>>8), byte(n)
	return dst, true
}

// appendLP appends a two-byte big-endian length and b. Every field given is
// a view of one message, so it is shorter than 65536 bytes.
func appendLP(dst, b []byte) []byte {
	dst = append(dst, byte(len(b)>>8), byte(len(b)))
	return append(dst, b...)
}

func appendLPString(dst []byte, s string) []byte {
	dst = append(dst, byte(len(s)>>8), byte(len(s)))
	return append(dst, s...)
}

// appendLPUint appends LP of a number in decimal.
func appendLPUint(dst []byte, n uint64) []byte {
	at := len(dst)
	dst = strconv.AppendUint(append(dst, 0, 0), n, 10)
	dst[at+1] = byte(len(dst) - at - 2)
	return dst
}

// appendLPCSeq appends LP(number " " method).
func appendLPCSeq(dst []byte, num uint32, method []byte) []byte {
	at := len(dst)
	dst = strconv.AppendUint(append(dst, 0, 0), uint64(num), 10)
	dst = append(dst, ' ')
	dst = append(dst, method...)
	n := len(dst) - at - 2
	dst[at], dst[at+1] = byte(n>>8), byte(n)
	return dst
}
