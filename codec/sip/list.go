package sip

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
func endOfElement(v []byte, off int) int {
	for i := off; i < len(v); i++ {
		switch v[i] {
		case ',':
			return i
		case '"':
			if i = skipQuoted(v, i); i < 0 {
				return len(v)
			}
			i--
		case '<':
			k := indexByteFrom(v, i+1, '>')
			if k < 0 {
				return len(v)
			}
			i = k
		}
	}
	return len(v)
}

// indexByteFrom returns the index of the first c at or after i, or -1.
func indexByteFrom(b []byte, i int, c byte) int {
	for ; i < len(b); i++ {
		if b[i] == c {
			return i
		}
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
