package sip

// Mechanism is one RFC 3329 sec-mechanism element of a Security-Client,
// Security-Server or Security-Verify header. Its fields are views into the
// element.
type Mechanism struct {
	Name   []byte // mechanism-name as written
	Params []byte // everything after the name, from the first ';' (may be empty)
	Raw    []byte // the whole element trimmed of LWS
	Q      int    // preference in thousandths, 0..1000; -1 when absent
}

// ParseMechanism parses one element (RFC 3329 §2.2):
//
//	sec-mechanism = mechanism-name *( SEMI mech-parameters )
//
// An empty or non-token name gives ErrBadMechanism. A malformed parameter
// gives ErrBadParam and more than MaxParams parameters ErrTooManyParams. A
// malformed q (q=1.5, q=abc, q=, q given twice) gives ErrBadQValue. With
// ErrBadParam, ErrTooManyParams and ErrBadQValue the Mechanism comes back
// with Name, Params and Raw filled and Q = -1, so the element still counts
// as offered (docs/PROTOCOL.md §2). It does not allocate.
func ParseMechanism(elem []byte) (Mechanism, error) {
	// The result is built once, at the return: a Mechanism filled field
	// by field is copied through memory.
	b := trimLWS(elem)
	i := skipClass(b, 0, cToken)
	if i == 0 {
		return Mechanism{Raw: b, Q: -1}, ErrBadMechanism
	}
	j := skipLWS(b, i)
	if j == len(b) {
		return Mechanism{Name: b[:i], Raw: b, Q: -1}, nil
	}
	if b[j] != ';' {
		return Mechanism{Raw: b, Q: -1}, ErrBadMechanism
	}
	q, err := mechParams(b, j)
	return Mechanism{Name: b[:i], Params: b[j:], Raw: b, Q: q}, err
}

// mechParams checks the parameters from the ';' at b[i] and returns the q
// value (-1 when absent). Syntax errors take precedence over q errors.
func mechParams(b []byte, i int) (int, error) {
	q, badQ, seenQ := -1, false, false
	for n := 0; i < len(b); n++ {
		if b[i] != ';' {
			return -1, ErrBadParam
		}
		if n == MaxParams {
			return -1, ErrTooManyParams
		}
		p, next := nextParam(b, i)
		if p.is(pBad) || p.name.len() == 0 {
			return -1, ErrBadParam
		}
		if eqLower(p.name.of(b), "q") {
			v, ok := parseQValue(p.val(b))
			badQ = badQ || seenQ || !p.is(pEq) || !ok
			q, seenQ = v, true
		} else if checkParam(p) != nil {
			return -1, ErrBadParam
		}
		i = next
	}
	if badQ {
		return -1, ErrBadQValue
	}
	return q, nil
}

// parseQValue reads a qvalue (RFC 3261 §25.1):
//
//	qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
//
// and returns it in thousandths.
func parseQValue(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > len("0.000") || v[0] != '0' && v[0] != '1' {
		return 0, false
	}
	q := int(v[0]-'0') * 1000
	if len(v) == 1 {
		return q, true
	}
	if v[1] != '.' {
		return 0, false
	}
	scale := 100
	for _, c := range v[2:] {
		if class[c]&cDigit == 0 {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}
