package mgcp

// ListIter steps through the comma-separated elements of a parameter value,
// such as RequestedEvents "L/hd(N), L/hu(N)" or ObservedEvents
// "L/hd,D/5": commas inside parentheses, brackets or double quotes do not
// separate (event parameters such as "L/ci(10:30,\"A, B\")" and ranges such
// as "D/[0-9,#]" stay whole). Elements come without the white space around
// them. It visits at most MaxListElements elements and allocates nothing.
//
//	it := mgcp.NewListIter(value)
//	for e, ok := it.Next(); ok; e, ok = it.Next() { ... }
//	if err := it.Err(); err != nil { ... }
type ListIter struct {
	b   []byte
	i   int
	n   int
	err error
}

// NewListIter returns an iterator over the elements of value. An empty value
// (or white space alone) has no elements.
func NewListIter(value []byte) ListIter {
	i := skipClass(value, 0, cWSP)
	if i == len(value) {
		return ListIter{b: value, i: -1}
	}
	return ListIter{b: value, i: i}
}

// Next returns the next element and true, or nil and false at the end of
// the list or on a malformed one (see Err).
func (it *ListIter) Next() ([]byte, bool) {
	if it.i < 0 || it.err != nil {
		return nil, false
	}
	if it.n == MaxListElements {
		it.err = ErrTooManyElements
		return nil, false
	}
	start := skipClass(it.b, it.i, cWSP)
	end, ok := elementEnd(it.b, start)
	if !ok {
		it.err = ErrBadList
		return nil, false
	}
	e := trimWSP(it.b[:end], start)
	if e == start {
		it.err = ErrBadList
		return nil, false
	}
	it.n++
	it.i = end + 1
	if end == len(it.b) {
		it.i = -1
	}
	return it.b[start:e:e], true
}

// Err returns ErrBadList for unbalanced parentheses, brackets or quotes or
// an empty element, ErrTooManyElements past MaxListElements, or nil.
func (it *ListIter) Err() error { return it.err }

// elementEnd returns the offset of the comma that ends the element starting
// at i, or len(b); false when brackets or quotes do not balance.
func elementEnd(b []byte, i int) (int, bool) {
	paren, bracket, quoted := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			paren++
		case c == ')':
			paren--
		case c == '[':
			bracket++
		case c == ']':
			bracket--
		case c == ',' && paren == 0 && bracket == 0:
			return i, true
		}
		if paren < 0 || bracket < 0 {
			return i, false
		}
	}
	return i, paren == 0 && bracket == 0 && !quoted
}

// AckIter steps through the transaction id ranges of a ResponseAck (K:)
// value, such as "6234-6255, 6257" (RFC 3435 §3.2.2, confirmed transaction
// id ranges). It allocates nothing.
type AckIter struct {
	l   ListIter
	err error
}

// NewAckIter returns an iterator over the ranges of a ResponseAck value.
func NewAckIter(value []byte) AckIter { return AckIter{l: NewListIter(value)} }

// Next returns the next range, first == last for a single id, and true; or
// false at the end or on a malformed value (see Err).
func (it *AckIter) Next() (first, last uint32, ok bool) {
	if it.err != nil {
		return 0, 0, false
	}
	e, ok := it.l.Next()
	if !ok {
		it.err = it.l.Err()
		return 0, 0, false
	}
	first, i, ok := ackID(e, 0)
	last = first
	if ok && i < len(e) {
		j := skipClass(e, i, cWSP)
		if j < len(e) && e[j] == '-' {
			last, i, ok = ackID(e, skipClass(e, j+1, cWSP))
		}
	}
	if !ok || i != len(e) || last < first {
		it.err = ErrBadAck
		return 0, 0, false
	}
	return first, last, true
}

// Err returns ErrBadAck for a malformed range, the ListIter's error, or nil.
func (it *AckIter) Err() error { return it.err }

// ackID parses a transaction id, 1 to 9 digits not all zero, at i.
func ackID(b []byte, i int) (uint32, int, bool) {
	j := skipClass(b, i, cDigit)
	if j == i || j-i > 9 {
		return 0, j, false
	}
	v := uint32(0)
	for _, c := range b[i:j] {
		v = v*10 + uint32(c-'0')
	}
	return v, j, v != 0
}
