package sip

import "bytes"

// Tag returns the tag parameter of a From or To value (name-addr or
// addr-spec form); nil when there is none.
func Tag(v []byte) []byte {
	t, _ := Param(v, "tag")
	return t
}

// NameAddrURI returns the URI of a name-addr or addr-spec value, such as a
// From, To, Contact or Route element: the text inside <...> when present,
// otherwise the addr-spec up to its first ';' (which starts header
// parameters, RFC 3261 §20.10). nil when a quote or '<' is not closed.
func NameAddrURI(v []byte) []byte {
	i := skipLWS(v, 0)
	if i < len(v) && v[i] == '"' {
		if i = skipQuoted(v, i); i < 0 {
			return nil
		}
	}
	for j := i; j < len(v); j++ {
		switch v[j] {
		case '<':
			k := indexByteFrom(v, j+1, '>')
			if k < 0 {
				return nil
			}
			return trimLWS(v[j+1 : k])
		case ';', ',':
			return trimLWS(v[i:j])
		}
	}
	return trimLWS(v[i:])
}

// checkNameAddr applies RFC 3261 §25.1 to one From, To or Contact value:
//
//	( name-addr / addr-spec ) *( SEMI generic-param )
//	name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
//	display-name = *(token LWS) / quoted-string
//
// It rejects an unclosed quoted string (RFC 4475 quotbal), an unquoted
// display name with non-token characters such as ',' (baddn), white space
// just inside <...> (LAQUOT = SWS "<", RAQUOT = ">" SWS; badaspec), and an
// addr-spec form whose URI holds '?' or ',' which RFC 3261 §20.10 requires
// to be enclosed in <...> (regbadct).
func checkNameAddr(v []byte) error {
	i := skipLWS(v, 0)
	var err error
	if i < len(v) && v[i] == '"' {
		if i = skipQuoted(v, i); i < 0 {
			return ErrBadNameAddr
		}
		i = skipLWS(v, i)
		if i == len(v) || v[i] != '<' {
			return ErrBadNameAddr
		}
		i, err = angleURI(v, i)
	} else if lt := bytes.IndexByte(v[i:], '<'); lt >= 0 {
		if !isDisplayTokens(v[i : i+lt]) {
			return ErrBadNameAddr
		}
		i, err = angleURI(v, i+lt)
	} else {
		i, err = addrSpec(v, i)
	}
	if err != nil {
		return err
	}
	i = skipLWS(v, i)
	if i < len(v) && v[i] != ';' {
		return ErrBadNameAddr
	}
	return checkParams(v, i)
}

// angleURI checks "<" addr-spec ">" at v[i] and returns the index after '>'.
func angleURI(v []byte, i int) (int, error) {
	k := indexByteFrom(v, i+1, '>')
	if k < 0 || !isAbsoluteURI(v[i+1:k]) {
		return 0, ErrBadNameAddr
	}
	return k + 1, nil
}

// addrSpec checks an addr-spec without <...> at v[i], which ends at LWS or
// ';', and returns the index after it.
func addrSpec(v []byte, i int) (int, error) {
	j := i
	for j < len(v) && v[j] != ';' && class[v[j]]&cLWS == 0 {
		if v[j] == '?' || v[j] == ',' {
			return 0, ErrBadNameAddr
		}
		j++
	}
	if !isAbsoluteURI(v[i:j]) {
		return 0, ErrBadNameAddr
	}
	return j, nil
}

// isAbsoluteURI reports whether u is scheme ":" followed by URI characters
// only (no white space, '<', '>', '"'), the shape every addr-spec has.
func isAbsoluteURI(u []byte) bool {
	colon := bytes.IndexByte(u, ':')
	if colon < 0 || !isScheme(u[:colon]) {
		return false
	}
	for _, c := range u[colon+1:] {
		if class[c]&cURI == 0 {
			return false
		}
	}
	return true
}

// isDisplayTokens reports whether b is *(token LWS): tokens and white space.
func isDisplayTokens(b []byte) bool {
	for _, c := range b {
		if class[c]&(cToken|cLWS) == 0 {
			return false
		}
	}
	return true
}

// checkContact checks a Contact value: "*" or a list of name-addr/addr-spec
// elements (RFC 3261 §20.10). Empty elements are rejected.
func checkContact(v []byte) error {
	if len(v) == 1 && v[0] == '*' {
		return nil
	}
	for off, n := 0, 0; off < len(v); n++ {
		if n == MaxListElements {
			return ErrTooManyElements
		}
		var elem []byte
		elem, off = NextElement(v, off)
		if len(elem) == 0 {
			return ErrBadNameAddr
		}
		if err := checkNameAddr(elem); err != nil {
			return err
		}
	}
	return nil
}
