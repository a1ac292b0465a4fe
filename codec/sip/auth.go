package sip

// AuthScheme returns the scheme ("Digest") of a WWW-Authenticate,
// Proxy-Authenticate, Authorization or Proxy-Authorization value
// (RFC 3261 §25.1 auth-scheme); empty when the value does not start with a
// token.
func AuthScheme(v []byte) []byte {
	i := skipLWS(v, 0)
	return v[i:skipClass(v, i, cToken)]
}

// AuthParam returns the value of one auth-param of such a value, with the
// name compared case-insensitively and quotes removed (escapes left as they
// are). Parameters are comma-separated after the scheme; malformed ones are
// skipped; only the first MaxParams are looked at. An empty quoted value
// gives an empty, non-nil value and ok true. It does not allocate.
func AuthParam(v []byte, name string) (value []byte, ok bool) {
	i := skipClass(v, skipLWS(v, 0), cToken)
	return listParam(v, i, name)
}

// ListParam returns the value of name in a comma-separated list of
// name=(token / quoted-string) pairs without a leading scheme, such as the
// Key-Distribution value of docs/PROTOCOL.md §5.4. Names compare
// case-insensitively, quotes are removed, malformed pairs are skipped and
// only the first MaxParams pairs are looked at. It does not allocate.
func ListParam(v []byte, name string) (value []byte, ok bool) {
	return listParam(v, 0, name)
}

func listParam(v []byte, i int, name string) ([]byte, bool) {
	for n := 0; n < MaxParams && i < len(v); n++ {
		a, next := nextAuthParam(v, i)
		if !a.is(pBad) && eqFold(a.name.of(v), name) {
			return unquote(a.value.of(v)), true
		}
		i = next
	}
	return nil, false
}

// nextAuthParam reads auth-param = name EQUAL ( token / quoted-string ) at
// or after i, where a separating ',' may precede it. It returns the index of
// the ',' after it, or len(v). The pBad flag marks anything malformed.
func nextAuthParam(v []byte, i int) (p param, next int) {
	if len(v) > maxSpan {
		return param{flags: pBad}, len(v)
	}
	i = skipLWS(v, i)
	if i < len(v) && v[i] == ',' {
		i = skipLWS(v, i+1)
	}
	k := skipClass(v, i, cToken)
	p.name = span{int32(i), int32(k)}
	j := skipLWS(v, k)
	if j < len(v) && v[j] == '=' {
		p.flags |= pEq
		j = skipLWS(v, j+1)
		s := j
		if j < len(v) && v[j] == '"' {
			if j = skipQuoted(v, j); j < 0 {
				p.value, p.flags = span{int32(s), int32(len(v))}, p.flags|pBad
				return p, len(v)
			}
		} else {
			j = skipClass(v, j, cToken)
		}
		p.value = span{int32(s), int32(j)}
		j = skipLWS(v, j)
	}
	if p.name.len() == 0 || !p.is(pEq) || p.value.len() == 0 || j < len(v) && v[j] != ',' {
		p.flags |= pBad
		j = endOfElement(v, j)
	}
	return p, j
}

// CheckAuth checks the shape of a WWW-Authenticate, Proxy-Authenticate,
// Authorization or Proxy-Authorization value: a scheme token, LWS, and one
// or more comma-separated name=(token / quoted-string) pairs (RFC 3261
// §25.1 challenge, credentials). Malformed values give ErrBadAuth, more
// than MaxParams pairs ErrTooManyParams.
//
// Limitation: token68 credentials (RFC 7235 §2.1, "Bearer abc==") are
// rejected; SIP digest does not use them.
func CheckAuth(v []byte) error {
	i := skipLWS(v, 0)
	k := skipClass(v, i, cToken)
	if k == i || k == len(v) || class[v[k]]&cLWS == 0 {
		return ErrBadAuth
	}
	for n := 0; k < len(v); n++ {
		if n == MaxParams {
			return ErrTooManyParams
		}
		if n > 0 && v[k] != ',' {
			return ErrBadAuth
		}
		p, next := nextAuthParam(v, k)
		if p.is(pBad) {
			return ErrBadAuth
		}
		k = next
	}
	return nil
}
