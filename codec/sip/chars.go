package sip

// Character classes of RFC 3261 §25.1, one bit each, looked up in a table so
// that the hot loops test one byte with one load.
const (
	cToken = 1 << iota // token: alphanum and -.!%*_+`'~
	cLWS               // SP, HTAB, CR, LF (folding is CRLF followed by WSP)
	cHost              // hostname and IPv4 characters: alphanum, '-', '.'
	cDigit             // 0-9
	cHex               // 0-9, a-f, A-F
	cValue             // unquoted gen-value: token, host, IPv6 (':' '[' ']')
	cURI               // may appear in a URI: printable ASCII but '<', '>', '"'
)

var class = makeClass()

func makeClass() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if alnum {
			t[c] |= cToken | cHost | cValue
		}
		if '0' <= c && c <= '9' {
			t[c] |= cDigit
		}
		if '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' {
			t[c] |= cHex
		}
		if 0x21 <= c && c <= 0x7e && c != '<' && c != '>' && c != '"' {
			t[c] |= cURI
		}
	}
	for _, c := range []byte("-.!%*_+`'~") {
		t[c] |= cToken | cValue
	}
	for _, c := range []byte(":[]") {
		t[c] |= cValue
	}
	t['-'] |= cHost
	t['.'] |= cHost
	for _, c := range []byte(" \t\r\n") {
		t[c] |= cLWS
	}
	return t
}

// lower folds an ASCII upper-case letter to lower case.
func lower(c byte) byte {
	if c-'A' < 26 {
		return c + ('a' - 'A')
	}
	return c
}

// eqLower reports whether b equals s ignoring ASCII case; s must be lower case.
func eqLower(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// eqFold reports whether b equals s ignoring ASCII case on both sides.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// isToken reports whether b is a non-empty RFC 3261 token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if class[c]&cToken == 0 {
			return false
		}
	}
	return true
}

// IsToken reports whether b is a non-empty token (RFC 3261 §25.1): the
// grammar of methods, header names, parameter names and mechanism names.
func IsToken(b []byte) bool { return isToken(b) }

// skipLWS returns the index of the first byte at or after i that is not SP,
// HTAB, CR or LF. Parse has already checked that CR and LF only occur as
// folding (CRLF followed by WSP) inside a header value.
func skipLWS(b []byte, i int) int {
	// uint comparisons let the compiler drop the bounds checks (this and
	// skipClass run for nearly every token).
	for uint(i) < uint(len(b)) && class[b[i]]&cLWS != 0 {
		i++
	}
	return i
}

// skipClass returns the index of the first byte at or after i outside class c.
// It tests four bytes per step while they all belong to c, then finishes
// one byte at a time.
func skipClass(b []byte, i int, c uint8) int {
	for ; i+4 <= len(b); i += 4 {
		q := b[i : i+4 : i+4]
		if class[q[0]]&class[q[1]]&class[q[2]]&class[q[3]]&c == 0 {
			break
		}
	}
	for uint(i) < uint(len(b)) && class[b[i]]&c != 0 {
		i++
	}
	return i
}

// trimLWS removes leading and trailing LWS.
func trimLWS(b []byte) []byte {
	i := skipLWS(b, 0)
	j := len(b)
	for j > i && class[b[j-1]]&cLWS != 0 {
		j--
	}
	return b[i:j]
}

// skipQuoted returns the index just after the closing quote of the
// quoted-string that opens at b[i] (RFC 3261 §25.1, with quoted-pair
// escapes), or -1 when the quote is not closed.
func skipQuoted(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// unquote strips the surrounding quotes of a quoted-string value; escapes
// inside are left as they are.
func unquote(v []byte) []byte {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// parseUint reads decimal digits b[i:] up to the first non-digit. It returns
// the value, the index after the digits and false when there are no digits or
// the value exceeds max. The loop stops adding once past max, so no overflow.
func parseUint(b []byte, i int, max uint64) (uint64, int, bool) {
	start := i
	var n uint64
	for ; uint(i) < uint(len(b)) && class[b[i]]&cDigit != 0; i++ {
		if n <= max {
			n = n*10 + uint64(b[i]-'0')
		}
	}
	return n, i, i > start && n <= max
}
