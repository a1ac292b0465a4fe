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
// to be enclosed in <...> (regbadct). It returns the value of the first tag
// parameter, quotes removed, as Tag does.
func checkNameAddr(v []byte) (tag []byte, err error) {
	i := skipLWS(v, 0)
	if i < len(v) && v[i] == '<' {
		// The usual form: no display name.
		i, err = angleURI(v, i)
	} else if i < len(v) && v[i] == '"' {
		if i = skipQuoted(v, i); i < 0 {
			return nil, ErrBadNameAddr
		}
		i = skipLWS(v, i)
		if i == len(v) || v[i] != '<' {
			return nil, ErrBadNameAddr
		}
		i, err = angleURI(v, i)
	} else if lt := bytes.IndexByte(v[i:], '<'); lt >= 0 {
		if !isDisplayTokens(v[i : i+lt]) {
			return nil, ErrBadNameAddr
		}
		i, err = angleURI(v, i+lt)
	} else {
		i, err = addrSpec(v, i)
	}
	if err != nil {
		return nil, err
	}
	i = skipLWS(v, i)
	if i < len(v) && v[i] != ';' {
		return nil, ErrBadNameAddr
	}
	return checkParams(v, i)
}

// angleURI checks "<" addr-spec ">" at v[i] in one pass and returns the
// index after '>'.
func angleURI(v []byte, i int) (int, error) {
	j := skipClass(v, i+1, cURI)
	if j == len(v) || v[j] != '>' || !hasScheme(v[i+1:j]) {
		return 0, ErrBadNameAddr
	}
	return j + 1, nil
}

// addrSpec checks an addr-spec without <...> at v[i], which ends at LWS or
// ';', and returns the index after it.
func addrSpec(v []byte, i int) (int, error) {
	j := i
	for j < len(v) && v[j] != ';' && class[v[j]]&cLWS == 0 {
		if class[v[j]]&cURI == 0 || v[j] == '?' || v[j] == ',' {
			return 0, ErrBadNameAddr
		}
		j++
	}
	if !hasScheme(v[i:j]) {
		return 0, ErrBadNameAddr
	}
	return j, nil
}

// hasScheme reports whether u starts with scheme ":" (RFC 3986 §3.1:
// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )).
func hasScheme(u []byte) bool {
	if len(u) == 0 || lower(u[0])-'a' >= 26 {
		return false
	}
	for _, c := range u[1:] {
		if c == ':' {
			return true
		}
		if class[c]&cHost == 0 && c != '+' {
			return false
		}
	}
	return false
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
// elements (RFC 3261 §20.10). Empty elements are rejected; a value without a
// comma is one element.
func checkContact(v []byte) error {
	if len(v) == 1 && v[0] == '*' {
		return nil
	}
	if len(v) == 0 || v[len(v)-1] == ',' {
		return ErrBadNameAddr
	}
	if bytes.IndexByte(v, ',') < 0 {
		_, err := checkNameAddr(v)
		return err
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
		if _, err := checkNameAddr(elem); err != nil {
			return err
		}
	}
	return nil
}
