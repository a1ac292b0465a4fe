package sip

import "bytes"

// URI is a parsed sip: or sips: URI (RFC 3261 §19.1). Its fields are views
// into the parsed bytes.
type URI struct {
	Scheme []byte // "sip" or "sips" as written
	User   []byte // user part without the password; nil when there is no '@'
	Host   []byte // hostname, IPv4 address, or IPv6 reference with its brackets
	Port   int    // 0 when absent
	Params []byte // uri-parameters from the first ';' (included) up to '?' or the end
	// Headers is the headers component after '?' (not included); nil without '?'.
	Headers []byte
}

// maxPort is the largest port number (RFC 3261 port = 1*DIGIT; TCP/UDP ports are 16 bits).
const maxPort = 65535

// ParseURI parses a sip: or sips: URI. It checks the characters (no white
// space, '<', '>' or '"'), that there is a host, that an IPv6 reference is a
// valid address (RFC 5118 §4.1, §4.2), and that a port is a number up to
// 65535. Other schemes give ErrBadURI. It does not allocate.
//
// Limitation: the password of a user:password userinfo is dropped, and
// user, parameter and header characters are not checked one by one.
func ParseURI(b []byte) (URI, error) {
	if skipClass(b, 0, cURI) != len(b) {
		return URI{}, ErrBadURI
	}
	u, _, err := parseSIPURI(b)
	return u, err
}

// parseSIPURI is ParseURI without the character check; it also returns the
// index of '?' (-1 without).
func parseSIPURI(b []byte) (URI, int, error) {
	var u URI
	colon := bytes.IndexByte(b, ':')
	if colon < 0 || !isSIPScheme(b[:colon]) {
		return URI{}, -1, ErrBadURI
	}
	u.Scheme = b[:colon]
	i := colon + 1
	// '@' cannot appear unescaped in parameters or headers (RFC 3261 §25.1
	// paramchar, hvalue), so the last one ends the userinfo.
	if at := bytes.LastIndexByte(b[i:], '@'); at >= 0 {
		ui := b[i : i+at]
		if c := bytes.IndexByte(ui, ':'); c >= 0 {
			ui = ui[:c]
		}
		if len(ui) == 0 {
			return URI{}, -1, ErrBadURI
		}
		u.User = ui
		i += at + 1
	}
	host, port, j, ok := hostPort(b, i, false)
	if !ok {
		return URI{}, -1, ErrBadURI
	}
	u.Host, u.Port = host, port
	return uriTail(b, j, u)
}

// uriTail splits the parameters and headers after the hostport at b[i].
func uriTail(b []byte, i int, u URI) (URI, int, error) {
	q := -1
	if i < len(b) && b[i] == ';' {
		e := len(b)
		if k := bytes.IndexByte(b[i:], '?'); k >= 0 {
			e = i + k
		}
		u.Params = b[i:e]
		i = e
	}
	if i < len(b) {
		if b[i] != '?' {
			return URI{}, -1, ErrBadURI
		}
		q = i
		u.Headers = b[i+1:]
	}
	return u, q, nil
}

// hostPort reads host [ ":" port ] at b[i] (RFC 3261 §25.1 hostport). With
// lws, white space may surround the ':' (Via sent-by uses COLON = SWS ":" SWS).
// It returns the host, the port (0 when absent), the index after them and
// whether they were well formed.
func hostPort(b []byte, i int, lws bool) (host []byte, port, next int, ok bool) {
	h0 := i
	if i < len(b) && b[i] == '[' {
		k := bytes.IndexByte(b[i:], ']')
		if k < 0 || !validIPv6(b[i+1:i+k]) {
			return nil, 0, 0, false
		}
		i += k + 1
	} else {
		i = skipClass(b, i, cHost)
	}
	if i == h0 {
		return nil, 0, 0, false
	}
	host = b[h0:i]
	j := i
	if lws {
		j = skipLWS(b, i)
	}
	if j == len(b) || b[j] != ':' {
		return host, 0, i, true
	}
	j++
	if lws {
		j = skipLWS(b, j)
	}
	p, k, ok := parseUint(b, j, maxPort)
	if !ok {
		return nil, 0, 0, false
	}
	return host, int(p), k, true
}

// maxIPv6Len is the longest IPv6 text form:
// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
const maxIPv6Len = 45

// validIPv6 reports whether b (without brackets) is an IPv6address of
// RFC 3986 §3.2.2 / RFC 4291 §2.2: eight 16-bit groups, at most one "::"
// standing for one or more zero groups, optionally ending in an IPv4
// address. "2001:db8:::192.0.2.1" is rejected (RFC 5118 §4.3).
func validIPv6(b []byte) bool {
	if len(b) < 2 || len(b) > maxIPv6Len {
		return false
	}
	groups, elided, i := 0, false, 0
	if b[0] == ':' {
		if b[1] != ':' {
			return false
		}
		elided, i = true, 2
	}
	for i < len(b) {
		s := i
		i = skipClass(b, i, cHex)
		if i < len(b) && b[i] == '.' {
			if !validIPv4(b[s:]) {
				return false
			}
			groups += 2
			break
		}
		if i == s || i-s > 4 {
			return false
		}
		groups++
		if i == len(b) {
			break
		}
		if b[i] != ':' || i+1 == len(b) {
			return false
		}
		i++
		if b[i] == ':' {
			if elided {
				return false
			}
			elided = true
			i++
		}
	}
	if elided {
		return groups <= 7
	}
	return groups == 8
}

// validIPv4 reports whether b is a dotted-quad IPv4 address
// (RFC 3261 IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT),
// each part at most 255.
func validIPv4(b []byte) bool {
	i := 0
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i == len(b) || b[i] != '.' {
				return false
			}
			i++
		}
		_, j, ok := parseUint(b, i, 255)
		if !ok || j-i > 3 {
			return false
		}
		i = j
	}
	return i == len(b)
}

// validIPAddr reports whether b is an IPv4 address, an IPv6 address or an
// IPv6 reference (RFC 3261 §20.42 via-received, RFC 5118 §4.5).
func validIPAddr(b []byte) bool {
	if len(b) >= 2 && b[0] == '[' && b[len(b)-1] == ']' {
		return validIPv6(b[1 : len(b)-1])
	}
	return validIPv4(b) || validIPv6(b)
}
