package h248

// Character classes of RFC 3525 B.2, one bit each, looked up in a table so
// that the hot loops test one byte with one load.
const (
	cWSP        = 1 << iota // SP, HTAB
	cEOL                    // CR, LF
	cName                   // name characters: NAME, pkgdName, pathNAME, "X-"/"X+"
	cSafe                   // SafeChar: the characters of an unquoted VALUE
	cHex                    // HEXDIG, either case (the text encoding is case-insensitive)
	cDigit                  // DIGIT
	cAlpha                  // ALPHA
	cQuoted                 // may appear in a quotedString
	cDomain                 // domainName after its first character: ALPHA, DIGIT, "-", "."
	cPath                   // pathNAME after its NAME start: ALPHA, DIGIT, "/", "*", "_", "$"
	cPathDomain             // pathDomainName: ALPHA, DIGIT, "-", "*", "."
)

var class = makeClass()

func makeClass() (t [256]uint16) {
	for c := 0; c < 256; c++ {
		alpha := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		digit := '0' <= c && c <= '9'
		if alpha {
			t[c] |= cAlpha
		}
		if digit {
			t[c] |= cDigit
		}
		if alpha || digit {
			t[c] |= cName | cSafe | cDomain | cPath | cPathDomain
		}
		if digit || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' {
			t[c] |= cHex
		}
		// quotedString = DQUOTE *(SafeChar / RestChar / WSP) DQUOTE: all of
		// printable ASCII but DQUOTE. Bytes from 0x80 are accepted so that
		// UTF-8 text passes (see the package doc, leniency rules).
		if c == '\t' || 0x20 <= c && c <= 0x7e && c != '"' || c >= 0x80 {
			t[c] |= cQuoted
		}
	}
	for _, c := range []byte("_/*$@.-+") {
		t[c] |= cName
	}
	for _, c := range []byte("+-&!_/'?@^`~*$\\()%|.") {
		t[c] |= cSafe
	}
	for _, c := range []byte("/*_$") {
		t[c] |= cPath
	}
	for _, c := range []byte("-*.") {
		t[c] |= cPathDomain
	}
	t['-'] |= cDomain
	t['.'] |= cDomain
	t[' '] |= cWSP
	t['\t'] |= cWSP
	t['\r'] |= cEOL
	t['\n'] |= cEOL
	return t
}

// lower folds an ASCII upper-case letter to lower case.
func lower(c byte) byte {
	if c-'A' < 26 {
		return c + ('a' - 'A')
	}
	return c
}

// eqFold reports whether b equals s ignoring ASCII case.
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

// lwsp classifies bytes for skipLWSP: 1 for WSP and EOL, 2 for the ';'
// that opens a comment.
var lwsp = [256]uint8{' ': 1, '\t': 1, '\r': 1, '\n': 1, ';': 2}

// skipLWSP returns the index of the first byte at or after i that is not
// LWSP = *(WSP / COMMENT / EOL). A COMMENT runs from ';' to the end of the
// line; one that reaches the end of the message ends there (leniency 6).
func skipLWSP(b []byte, i int) int {
	for i < len(b) {
		switch lwsp[b[i]] {
		case 0:
			return i
		case 1:
			i++
		default:
			for i++; i < len(b) && class[b[i]]&cEOL == 0; i++ {
			}
		}
	}
	return i
}

// isSep reports whether a SEP = (WSP / EOL / COMMENT) LWSP starts at i.
func isSep(b []byte, i int) bool {
	return i < len(b) && (class[b[i]]&(cWSP|cEOL) != 0 || b[i] == ';')
}

// skipClass returns the index of the first byte at or after i outside class
// mask m.
func skipClass(b []byte, i int, m uint16) int {
	for i < len(b) && class[b[i]]&m != 0 {
		i++
	}
	return i
}

// allClass reports whether b is not empty and every byte is in class m.
func allClass(b []byte, m uint16) bool {
	return len(b) > 0 && skipClass(b, 0, m) == len(b)
}

// parseDec parses b as a decimal number of at most maxDigits digits and at
// most max. More digits or a larger value is ErrNumberTooLarge, an empty or
// non-digit b ErrBadNumber.
func parseDec(b []byte, maxDigits int, max uint64) (uint64, error) {
	if len(b) == 0 {
		return 0, ErrBadNumber
	}
	var n uint64
	for i, c := range b {
		if c-'0' > 9 {
			return 0, ErrBadNumber
		}
		if i == maxDigits {
			return 0, ErrNumberTooLarge
		}
		n = n*10 + uint64(c-'0')
	}
	if n > max {
		return 0, ErrNumberTooLarge
	}
	return n, nil
}

// Number limits of RFC 3525 B.2.
const (
	uint16Digits = 5  // UINT16 = 1*5(DIGIT)
	uint32Digits = 10 // UINT32 = 1*10(DIGIT)
	maxUint16    = 0xFFFF
	maxUint32    = 0xFFFFFFFF
)

// isTimestamp reports whether b is TimeStamp = Date "T" Time, 8 digits each
// (RFC 3525 B.2).
func isTimestamp(b []byte) bool {
	if len(b) != 17 || lower(b[8]) != 't' {
		return false
	}
	for i, c := range b {
		if i != 8 && c-'0' > 9 {
			return false
		}
	}
	return true
}

// hexVal returns the value of a hex digit; c must be in class cHex.
func hexVal(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return lower(c) - 'a' + 10
}
