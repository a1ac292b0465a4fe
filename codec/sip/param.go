package sip

// param is one generic-param (RFC 3261 §25.1): name [ EQUAL value ].
type param struct {
	name  []byte
	value []byte // raw, quotes kept; nil without '='
	eq    bool   // '=' was present
	bad   bool   // junk after the parameter or an unclosed quote
	odd   bool   // an unquoted value with bytes outside gen-value (cValue)
}

// paramsStart returns the index of the first ';' outside quotes and <...>,
// or the index of the ',' that ends the element, or len(b).
func paramsStart(b []byte) int { return scanTo(b, 0, true) }

// nextParam reads the parameter after the ';' at b[i], with LWS allowed
// around ';' and '=' (SEMI and EQUAL of RFC 3261 §25.1). It returns the
// parameter and the index of the ';' or ',' that follows it, or len(b).
func nextParam(b []byte, i int) (p param, next int) {
	j := skipLWS(b, i+1)
	k := skipClass(b, j, cToken)
	p.name = b[j:k]
	j = skipLWS(b, k)
	if j < len(b) && b[j] == '=' {
		p.eq = true
		j = skipLWS(b, j+1)
		v := j
		if j < len(b) && b[j] == '"' {
			if j = skipQuoted(b, j); j < 0 {
				p.value, p.bad = b[v:], true
				return p, len(b)
			}
		} else {
			j = skipClass(b, j, cValue)
			for j < len(b) && b[j] != ';' && b[j] != ',' && class[b[j]]&cLWS == 0 {
				p.odd = true
				j++
			}
		}
		p.value = b[v:j]
		j = skipLWS(b, j)
	}
	if j < len(b) && b[j] != ';' && b[j] != ',' {
		p.bad = true
		j = endOfParam(b, j)
	}
	return p, j
}

// endOfParam returns the index of the next ';' or ',' outside quotes, or len(b).
func endOfParam(b []byte, j int) int {
	for ; j < len(b); j++ {
		switch b[j] {
		case ';', ',':
			return j
		case '"':
			if j = skipQuoted(b, j); j < 0 {
				return len(b)
			}
			j--
		}
	}
	return len(b)
}

// Param finds ;name[=value] in a parameter string or a whole element, with
// the name compared case-insensitively. The part before the first ';'
// outside quotes and <...> is skipped, and the search ends at a ',' outside
// quotes (the end of an element). A quoted value is returned without its
// quotes, escapes left as they are. present is true for a bare flag, whose
// value is nil. Only the first MaxParams parameters are looked at. For a
// URI's parameters pass URI.Params, not the whole URI.
func Param(elem []byte, name string) (value []byte, present bool) {
	i := paramsStart(elem)
	for n := 0; n < MaxParams && i < len(elem) && elem[i] == ';'; n++ {
		p, next := nextParam(elem, i)
		if eqFold(p.name, name) {
			if !p.eq {
				return nil, true
			}
			return unquote(p.value), true
		}
		i = next
	}
	return nil, false
}

// checkParam applies the generic-param grammar strictly: a token name and,
// after '=', a quoted string or a token/host value (RFC 3261 §25.1
// gen-value; ':' '[' ']' admit IPv6 addresses).
func checkParam(p param) error {
	if p.bad || len(p.name) == 0 {
		return ErrBadParam
	}
	if !p.eq {
		return nil
	}
	if len(p.value) == 0 {
		return ErrBadParam
	}
	if p.odd {
		return ErrBadParam
	}
	return nil
}

// checkParams checks the parameters starting at the ';' at b[i] up to the end
// of b, which must hold one element, and returns the value of the first tag
// parameter, quotes removed (nil without one).
func checkParams(b []byte, i int) (tag []byte, err error) {
	seen := false
	for n := 0; i < len(b); n++ {
		if b[i] != ';' {
			return nil, ErrBadParam
		}
		if n == MaxParams {
			return nil, ErrTooManyParams
		}
		p, next := nextParam(b, i)
		if err := checkParam(p); err != nil {
			return nil, err
		}
		if !seen && eqLower(p.name, "tag") {
			tag, seen = unquote(p.value), true
		}
		i = next
	}
	return tag, nil
}
