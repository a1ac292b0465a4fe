package mgcp

// Endpoint is an endpoint name (RFC 3435 §3.2.1.3, endpointName) split into
// its parts. Its slices are views into the bytes given to ParseEndpoint.
type Endpoint struct {
	// Local is the local name before "@", such as aaln/1 or ds/ds1-1/*.
	Local []byte
	// Domain is what follows "@", brackets included and ":port" excluded.
	Domain []byte
	// Host is the address inside the brackets of [IPv4] or [IPv6], or the
	// host name.
	Host []byte
	// Port is the port after the domain, 0 when absent.
	Port int
	// Wildcard reports a local name part "*" (all), "$" (any) or a range
	// in brackets such as [1-8].
	Wildcard bool
}

// epSpan is an endpoint name as offsets into the bytes parsed.
type epSpan struct {
	at, dom1, host0, host1 int
	port                   int
	wild                   bool
}

// ParseEndpoint parses b as a whole endpoint name, local@domain[:port]. It
// returns ErrBadEndpoint or ErrEndpointTooLong for a malformed name, and
// does not allocate.
func ParseEndpoint(b []byte) (Endpoint, error) {
	ep, _, err := parseEndpoint(b)
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{Local: b[:ep.at:ep.at], Domain: b[ep.at+1 : ep.dom1 : ep.dom1],
		Host: b[ep.host0:ep.host1:ep.host1], Port: ep.port, Wildcard: ep.wild}, nil
}

// parseEndpoint parses b as an endpoint name. On error it returns the
// offset of the fault.
func parseEndpoint(b []byte) (ep epSpan, off int, err error) {
	at, wild, off, err := localName(b)
	if err != nil {
		return ep, off, err
	}
	ep.at, ep.wild = at, wild
	i := at + 1
	if i < len(b) && b[i] == '[' {
		end := i + 1
		for end < len(b) && b[end] != ']' {
			end++
		}
		if end == len(b) || !validAddress(b[i+1:end]) {
			return ep, i, ErrBadEndpoint
		}
		ep.host0, ep.host1, ep.dom1 = i+1, end, end+1
	} else {
		ep.host0 = i
		ep.host1 = skipClass(b, i, cHost)
		ep.dom1 = ep.host1
		if ep.host1 == i {
			return ep, i, ErrBadEndpoint
		}
	}
	if ep.dom1-i > MaxDomainLength {
		return ep, i + MaxDomainLength, ErrEndpointTooLong
	}
	if ep.dom1 == len(b) {
		return ep, 0, nil
	}
	if b[ep.dom1] != ':' {
		return ep, ep.dom1, ErrBadEndpoint
	}
	p, ok := parsePort(b[ep.dom1+1:])
	if !ok {
		return ep, ep.dom1 + 1, ErrBadEndpoint
	}
	ep.port = p
	return ep, 0, nil
}

// localName checks the local name at the start of b, name parts separated
// by "/", and returns the offset of the "@" after it.
func localName(b []byte) (at int, wild bool, off int, err error) {
	i := 0
	for {
		j, w, err := namePart(b, i)
		if err != nil {
			return 0, false, j, err
		}
		wild = wild || w
		if j > MaxLocalNameLength {
			return 0, false, MaxLocalNameLength, ErrEndpointTooLong
		}
		if j < len(b) && b[j] == '/' {
			i = j + 1
			continue
		}
		if j < len(b) && b[j] == '@' {
			return j, wild, 0, nil
		}
		return 0, false, j, ErrBadEndpoint
	}
}

// namePart checks one local name part from i: "*", "$" or a NameString,
// in which one range in brackets may stand. It returns the part's end and
// whether it is a wildcard.
func namePart(b []byte, i int) (int, bool, error) {
	if i < len(b) && (b[i] == '*' || b[i] == '$') {
		return i + 1, true, nil
	}
	j, wild := i, false
	for j < len(b) && class[b[j]]&cName != 0 {
		switch b[j] {
		case ']':
			return j, false, ErrBadEndpoint
		case '[':
			k := j + 1
			for k < len(b) && b[k] != ']' && b[k] != '[' && class[b[k]]&cName != 0 {
				k++
			}
			if k == len(b) || b[k] != ']' || k == j+1 {
				return k, false, ErrBadEndpoint
			}
			j, wild = k, true
		}
		j++
	}
	if j == i {
		return j, false, ErrBadEndpoint
	}
	return j, wild, nil
}

// parsePort parses b as a port, 1 to 65535, at most 5 digits.
func parsePort(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 5 || !allClass(b, cDigit) {
		return 0, false
	}
	v := 0
	for _, c := range b {
		v = v*10 + int(c-'0')
	}
	return v, v >= 1 && v <= 65535
}

// validAddress reports whether b, the inside of brackets, is an IPv4 or
// IPv6 address.
func validAddress(b []byte) bool {
	for _, c := range b {
		if c == ':' {
			return validIPv6(b)
		}
	}
	return validIPv4(b)
}

// validIPv4 reports whether b is a dotted-quad IPv4 address.
func validIPv4(b []byte) bool {
	i := 0
	for n := 1; ; n++ {
		j := skipClass(b, i, cDigit)
		if j == i || j-i > 3 {
			return false
		}
		v := 0
		for _, c := range b[i:j] {
			v = v*10 + int(c-'0')
		}
		switch {
		case v > 255:
			return false
		case n == 4:
			return j == len(b)
		case j == len(b) || b[j] != '.':
			return false
		}
		i = j + 1
	}
}

// validIPv6 reports whether b is an IPv6 address in the text form of RFC
// 4291 §2.2: eight groups of 1 to 4 hex digits, one "::" standing for one or
// more zero groups, and optionally a dotted-quad for the last two.
func validIPv6(b []byte) bool {
	groups, gap, i := 0, false, 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		gap, i = true, 2
	}
	for i < len(b) {
		j := skipClass(b, i, cHex)
		if j < len(b) && b[j] == '.' {
			if !validIPv4(b[i:]) {
				return false
			}
			groups += 2
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		switch {
		case j == len(b):
			i = j
		case b[j] != ':':
			return false
		case j+1 < len(b) && b[j+1] == ':':
			if gap {
				return false
			}
			gap, i = true, j+2
		case j+1 == len(b):
			return false
		default:
			i = j + 1
		}
	}
	if gap {
		return groups <= 7
	}
	return groups == 8
}
