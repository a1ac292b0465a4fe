package skd

import (
	"crypto/subtle"
	"math"
)

// labelWordKey is the HKDF info of the word key (PROTOCOL.md §13.1); the
// registration MAC key (labelMACKey) is never used for words.
const labelWordKey = Version + " word-key"

// MaxWordField is the longest field AppendWordLP can frame: its length prefix is
// two bytes. Every field of a §13.3 input is part of one message of at most
// 65 535 bytes, so a longer field cannot come from the wire.
const MaxWordField = math.MaxUint16

// Word appends mech's verification word tag over input to dst (PROTOCOL.md
// §13.1): the key is HKDF-SHA-256(sk, "sigproxy-v1 word-key"), 32 bytes for
// hmac-sha256 and 16 for ascon128a-v12, and the tag is that mechanism's tag as
// in §2. Errors: ErrUnknownMechanism, ErrBadKey; dst is then returned unchanged.
// It does not allocate when dst has TagSize bytes of room.
func (m *MACer) Word(dst []byte, mech Mechanism, sk []byte, input []byte) ([]byte, error) {
	tag, err := m.sumWith(m.wordLabel, mech, sk, input)
	if err != nil {
		return dst, err
	}
	dst = append(dst, tag...)
	clear(m.tag[:])
	return dst, nil
}

// VerifyWord reports whether tag is the verification word of mech over input
// under sk. The comparison is constant time; an unknown mechanism, a key of the
// wrong size or a tag of the wrong length report false.
func (m *MACer) VerifyWord(mech Mechanism, sk []byte, input []byte, tag []byte) bool {
	want, err := m.sumWith(m.wordLabel, mech, sk, input)
	if err != nil {
		return false
	}
	ok := subtle.ConstantTimeCompare(want, tag) == 1
	clear(m.tag[:])
	return ok
}

// WordKeySize is the largest word key: hmac-sha256's 32 bytes.
const WordKeySize = 32

// WordKeyLen returns the size of m's word key: 32 for hmac-sha256, 16 for
// ascon128a-v12, 0 for MechNone.
func (m Mechanism) WordKeyLen() int { return m.macKeySize() }

// WordKey appends mech's word key derived from sk (PROTOCOL.md §13.1), for a
// caller that keeps it for a registration's life instead of deriving it per
// message: WordKeyed and VerifyWordKeyed then skip the HKDF, about half of a
// word's cost. The key is secret like sk. Errors: ErrUnknownMechanism,
// ErrBadKey; dst is then returned unchanged. It does not allocate when dst has
// room.
func (m *MACer) WordKey(dst []byte, mech Mechanism, sk []byte) ([]byte, error) {
	n := mech.macKeySize()
	if n == 0 {
		return dst, ErrUnknownMechanism
	}
	if len(sk) != SessionKeySize {
		return dst, ErrBadKey
	}
	m.kdf.derive(m.key[:n], sk, m.wordLabel)
	dst = append(dst, m.key[:n]...)
	clear(m.key[:])
	return dst, nil
}

// WordKeyed is Word with the word key given (from WordKey): the same tag.
// Errors: ErrUnknownMechanism, ErrBadKey (key not the mechanism's size).
func (m *MACer) WordKeyed(dst []byte, mech Mechanism, key []byte, input []byte) ([]byte, error) {
	tag, err := m.tagKeyed(mech, key, input)
	if err != nil {
		return dst, err
	}
	dst = append(dst, tag...)
	clear(m.tag[:])
	return dst, nil
}

// VerifyWordKeyed is VerifyWord with the word key given; constant time.
func (m *MACer) VerifyWordKeyed(mech Mechanism, key []byte, input []byte, tag []byte) bool {
	want, err := m.tagKeyed(mech, key, input)
	if err != nil {
		return false
	}
	ok := subtle.ConstantTimeCompare(want, tag) == 1
	clear(m.tag[:])
	return ok
}

// tagKeyed computes mech's tag under key into m.tag and returns a view of it.
func (m *MACer) tagKeyed(mech Mechanism, key []byte, input []byte) ([]byte, error) {
	n := mech.macKeySize()
	if n == 0 {
		return nil, ErrUnknownMechanism
	}
	if len(key) != n {
		return nil, ErrBadKey
	}
	copy(m.key[:n], key)
	defer clear(m.key[:])
	if mech == MechHMACSHA256 {
		m.mac.start(m.key[:n])
		m.mac.write(input)
		return m.mac.finish(m.tag[:0]), nil
	}
	asconMAC((*[asconKeySize]byte)(m.key[:n]), input, (*[asconTagSize]byte)(m.tag[:asconTagSize]))
	return m.tag[:asconTagSize], nil
}

// AppendWordLP appends LP(b), a two-byte big-endian length and b, for the
// protocols' word-input builders (PROTOCOL.md §13.3).
//
// Limitation: a b longer than MaxWordField is framed as its first MaxWordField
// bytes; callers bound messages at 65 535 bytes, so no field reaches that.
func AppendWordLP(dst, b []byte) []byte {
	if len(b) > MaxWordField {
		b = b[:MaxWordField]
	}
	return appendLP(dst, b)
}

// windowSize is the replay window width of PROTOCOL.md §13.1: 64 numbers, one
// bit each in Window.seen.
const windowSize = 64

// Window is the receiving side's sequence-number state of one direction of
// words (PROTOCOL.md §13.1, RFC 4303 §3.4.3): the highest number accepted and
// a bitmap of the 64 numbers ending at it. The zero value has seen nothing. It
// is a plain value, so it can live inside a session entry; it is not safe for
// concurrent use on its own.
type Window struct {
	top  uint32 // highest accepted number; 0 before the first
	seen uint64 // bit i set: number top-i was accepted
}

// Accept reports whether seq is acceptable and, if it is, records it: a number
// above the highest seen slides the window, one within the 64 ending at the
// highest is accepted once. 0 is never accepted (numbers start at 1), and the
// window never wraps: after 2^32-1 every number is refused until a new key
// brings a new Window.
func (w *Window) Accept(seq uint32) bool {
	if seq == 0 {
		return false
	}
	if seq > w.top {
		if d := seq - w.top; d < windowSize {
			w.seen = w.seen<<d | 1
		} else {
			w.seen = 1
		}
		w.top = seq
		return true
	}
	d := w.top - seq
	if d >= windowSize || w.seen&(1<<d) != 0 {
		return false
	}
	w.seen |= 1 << d
	return true
}

// Top returns the highest number accepted, 0 before the first.
func (w *Window) Top() uint32 { return w.top }
