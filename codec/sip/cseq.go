package sip

// maxCSeq is the largest CSeq number: RFC 3261 §8.1.1.5 requires it to be
// less than 2**31.
const maxCSeq = 1<<31 - 1

// ParseCSeq parses a CSeq value, 1*DIGIT LWS Method (RFC 3261 §20.16). The
// number must be below 2**31; leading zeros are allowed. Malformed values
// give ErrBadCSeq.
func ParseCSeq(v []byte) (num uint32, method []byte, err error) {
	i := skipLWS(v, 0)
	n, j, ok := parseUint(v, i, maxCSeq)
	if !ok {
		return 0, nil, ErrBadCSeq
	}
	k := skipLWS(v, j)
	if k == j {
		return 0, nil, ErrBadCSeq
	}
	e := skipClass(v, k, cToken)
	if e == k || skipLWS(v, e) != len(v) {
		return 0, nil, ErrBadCSeq
	}
	return uint32(n), v[k:e], nil
}

// maxForwardsLimit is the largest Max-Forwards value (RFC 3261 §20.22).
const maxForwardsLimit = 255

// ParseMaxForwards parses a Max-Forwards value, 0 to 255 with optional
// leading zeros (RFC 3261 §20.22); otherwise ErrBadMaxForwards.
func ParseMaxForwards(v []byte) (int, error) {
	i := skipLWS(v, 0)
	n, j, ok := parseUint(v, i, maxForwardsLimit)
	if !ok || skipLWS(v, j) != len(v) {
		return 0, ErrBadMaxForwards
	}
	return int(n), nil
}
