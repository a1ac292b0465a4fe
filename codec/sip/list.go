package sip

import (
	"bytes"
	"math/bits"
)

// ListIter walks the comma-separated elements of every header line with one
// ID, in message order (RFC 3261 §7.3.1), respecting quoted strings (with
// backslash escapes) and <...>. Elements are trimmed of LWS; empty elements
// are skipped. It visits at most MaxListElements elements; past that Next
// returns false and Err reports ErrTooManyElements. The zero ListIter is
// empty. Elements are views into the message buffer.
type ListIter struct {
	m   *Message
	id  HeaderID
	idx int // header index, -1 when done
	off int // offset in that header's value
	n   int // elements returned
	err error
}

// List returns an iterator over the elements of all headers with that ID.
func (m *Message) List(id HeaderID) ListIter {
	return ListIter{m: m, id: id, idx: m.Index(id, 0)}
}

// Next returns the next non-empty element; ok is false at the end or on error.
func (it *ListIter) Next() (elem []byte, ok bool) {
	for it.m != nil && it.idx >= 0 {
		v := it.m.value(it.idx)
		if it.off >= len(v) {
			it.idx = it.m.Index(it.id, it.idx+1)
			it.off = 0
			continue
		}
		elem, it.off = NextElement(v, it.off)
		if len(elem) == 0 {
			continue
		}
		if it.n == MaxListElements {
			it.err = ErrTooManyElements
			it.idx = -1
			return nil, false
		}
		it.n++
		return elem, true
	}
	return nil, false
}

// Err returns ErrTooManyElements when the iteration stopped at the limit,
// otherwise nil.
func (it *ListIter) Err() error { return it.err }

// NextElement splits one element off a single header value starting at off:
// it returns the element trimmed of LWS and the offset after the separating
// comma (len(v) at the end). Commas inside quoted strings and <...> do not
// separate. An unclosed quote or '<' runs to the end of v.
func NextElement(v []byte, off int) (elem []byte, next int) {
	if off < 0 {
		off = 0
	}
	if off >= len(v) {
		return nil, len(v)
	}
	i := endOfElement(v, off)
	if i == len(v) {
		return trimLWS(v[off:]), len(v)
	}
	return trimLWS(v[off:i]), i + 1
}

// endOfElement returns the index of the first ',' at or after off that is
// outside quotes and <...>, or len(v).
func endOfElement(v []byte, off int) int { return scanTo(v, off, false) }

// scanTo returns the index of the first ',' (or, with semi, ',' or ';') at or
// after i outside quoted strings and <...>, or len(b). An unclosed quote or
// '<' runs to the end. skipPlain passes over runs of other bytes.
func scanTo(b []byte, i int, semi bool) int {
	for ; i < len(b); i++ {
		if i = skipPlain(b, i, semi); i == len(b) {
			break
		}
		switch b[i] {
		case ',':
			return i
		case ';':
			if semi {
				return i
			}
		case '"':
			if i = skipQuoted(b, i); i < 0 {
				return len(b)
			}
			i--
		case '<':
			if i = indexByteFrom(b, i+1, '>'); i < 0 {
				return len(b)
			}
		}
	}
	return len(b)
}

// skipPlain returns the index of the first ',', '"', '<' (and, with semi,
// ';') at or after i, or len(b), reading eight bytes at a time and the
// last seven one by one.
func skipPlain(b []byte, i int, semi bool) int {
	const (
		commas = ',' * ones
		quotes = '"' * ones
		angles = '<' * ones
		semis  = ';' * ones
	)
	for ; i+8 <= len(b); i += 8 {
		x := le64(b[i:])
		m := zeroBytes(x^commas) | zeroBytes(x^quotes) | zeroBytes(x^angles)
		if semi {
			m |= zeroBytes(x ^ semis)
		}
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == ',' || c == '"' || c == '<' || semi && c == ';' {
			return i
		}
	}
	return i
}

// indexByteFrom returns the index of the first c at or after i, or -1.
func indexByteFrom(b []byte, i int, c byte) int {
	if i >= len(b) {
		return -1
	}
	if k := bytes.IndexByte(b[i:], c); k >= 0 {
		return i + k
	}
	return -1
}

// DropFirstElement returns what follows the first element of a header value,
// trimmed: the value to keep when the first element is removed (a proxy
// removing its own Via). It is empty when there was one element.
func DropFirstElement(value []byte) []byte {
	_, next := NextElement(value, 0)
	return trimLWS(value[next:])
}
