package sip

// param is one generic-param (RFC 3261 §25.1), name [ EQUAL value ], as
// offsets into the bytes it was read from. It is kept to three small
// fields so that the compiler holds it in registers: a param of two slices
// was copied through memory at every call.
type param struct {
	name  span
	value span // raw, quotes kept; empty without '='
	flags uint8
}

// span is b[i:j] of the bytes a param was read from.
type span struct{ i, j int32 }

// maxSpan is the longest input a span can index. Parse hands the helpers
// at most MaxMessageSize bytes; longer inputs are malformed parameters.
const maxSpan = 1<<31 - 1

func (s span) of(b []byte) []byte { return b[s.i:s.j] }
func (s span) len() int           { return int(s.j - s.i) }

// Flags of a param.
const (
	pEq    = 1 << iota // '=' was present
	pBad               // junk after the parameter or an unclosed quote
	pOdd               // an unquoted value with bytes outside gen-value (cValue)
	pToken             // the value is a token: unquoted, not empty, token bytes only
)

// is reports whether any of the flags f is set.
func (p param) is(f uint8) bool { return p.flags&f != 0 }

// val returns the value read from b; nil without '='.
func (p param) val(b []byte) []byte {
	if !p.is(pEq) {
		return nil
	}
	return p.value.of(b)
}

// paramsStart returns the index of the first ';' outside quotes and <...>,
// or the index of the ',' that ends the element, or len(b).
func paramsStart(b []byte) int { return scanTo(b, 0, true) }

// nextParam reads the parameter after the ';' at b[i], with LWS allowed
// around ';' and '=' (SEMI and EQUAL of RFC 3261 §25.1). It returns the
// parameter and the index of the ';' or ',' that follows it, or len(b).
func nextParam(b []byte, i int) (p param, next int) {
	if len(b) > maxSpan {
		return param{flags: pBad}, len(b)
	}
	j := skipLWS(b, i+1)
	k := skipClass(b, j, cToken)
	p.name = span{int32(j), int32(k)}
	j = skipLWS(b, k)
	if j < len(b) && b[j] == '=' {
		p.flags |= pEq
		j = skipLWS(b, j+1)
		v := j
		if j < len(b) && b[j] == '"' {
			if j = skipQuoted(b, j); j < 0 {
				p.value, p.flags = span{int32(v), int32(len(b))}, p.flags|pBad
				return p, len(b)
			}
		} else {
			j = skipClass(b, j, cToken)
			if j > v {
				p.flags |= pToken
			}
			if j < len(b) && class[b[j]]&cValue != 0 {
				j = skipClass(b, j, cValue)
				p.flags &^= pToken
			}
			for j < len(b) && b[j] != ';' && b[j] != ',' && class[b[j]]&cLWS == 0 {
				p.flags = p.flags&^pToken | pOdd
				j++
			}
		}
		p.value = span{int32(v), int32(j)}
		j = skipLWS(b, j)
	}
	if j < len(b) && b[j] != ';' && b[j] != ',' {
		p.flags |= pBad
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
		if eqFold(p.name.of(elem), name) {
			if !p.is(pEq) {
				return nil, true
			}
			return unquote(p.value.of(elem)), true
		}
		i = next
	}
	return nil, false
}

// checkParam applies the generic-param grammar strictly: a token name and,
// after '=', a quoted string or a token/host value (RFC 3261 §25.1
// gen-value; ':' '[' ']' admit IPv6 addresses).
func checkParam(p param) error {
	if p.is(pBad) || p.name.len() == 0 {
		return ErrBadParam
	}
	if !p.is(pEq) {
		return nil
	}
	if p.value.len() == 0 {
		return ErrBadParam
	}
	if p.is(pOdd) {
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
		if !seen && eqLower(p.name.of(b), "tag") {
			tag, seen = unquote(p.val(b)), true
		}
		i = next
	}
	return tag, nil
}
