package h248

import "math/bits"

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

// isLWSP marks SP, HTAB, CR and LF, the bytes skipLWSP steps over one at a
// time.
var isLWSP = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

// skipLWSP returns the index of the first byte at or after i that is not
// LWSP = *(WSP / COMMENT / EOL). A COMMENT runs from ';' to the end of the
// line; one that reaches the end of the message ends there (leniency 6).
// The index is unsigned so that b[u] needs no bounds check; the loop tests
// one table entry a byte and looks for ';' only where a run ends.
func skipLWSP(b []byte, i int) int {
	u := uint(i)
	for {
		for u < uint(len(b)) && isLWSP[b[u]] {
			u++
		}
		if u >= uint(len(b)) || b[u] != ';' {
			return int(u)
		}
		u = skipComment(b, u)
	}
}

// skipComment returns the index of the EOL that ends the comment at u, or
// len(b).
func skipComment(b []byte, u uint) uint {
	for u++; u < uint(len(b)) && class[b[u]]&cEOL == 0; u++ {
	}
	return u
}

// isSep reports whether a SEP = (WSP / EOL / COMMENT) LWSP starts at i.
func isSep(b []byte, i int) bool {
	return i < len(b) && (class[b[i]]&(cWSP|cEOL) != 0 || b[i] == ';')
}

// skipClass returns the index of the first byte at or after i outside class
// mask m.
func skipClass(b []byte, i int, m uint16) int {
	u := uint(i)
	for u < uint(len(b)) && class[b[u]]&m != 0 {
		u++
	}
	return int(u)
}

// Stop tables for skipRun: 1 for a byte outside the class, 0 inside. Arrays
// at static addresses, so passing one costs no load.
var (
	stopName   = makeStop(cName)
	stopSafe   = makeStop(cSafe)
	stopQuoted = makeStop(cQuoted)
	// stopSafeParen ends a SafeChar run at ')' too, in a parenthesised body.
	stopSafeParen = func() [256]uint8 {
		t := makeStop(cSafe)
		t[')'] = 1
		return t
	}()
)

func makeStop(m uint16) (t [256]uint8) {
	for c := range t {
		if class[c]&m == 0 {
			t[c] = 1
		}
	}
	return t
}

// skipRun returns the index of the first byte at or after i that stop
// marks, like skipClass. It tests eight bytes a round without a branch per
// byte: the stop flags of the eight are gathered into one mask, and the
// first set bit gives the end. A byte loop exits with a mispredicted branch
// at the end of every name and value; here a run shorter than eight bytes
// costs one predictable branch.
func skipRun(b []byte, i int, stop *[256]uint8) int {
	u := uint(i)
	for u+8 <= uint(len(b)) {
		w := b[u : u+8 : u+8]
		m := uint(stop[w[0]]) | uint(stop[w[1]])<<1 | uint(stop[w[2]])<<2 |
			uint(stop[w[3]])<<3 | uint(stop[w[4]])<<4 | uint(stop[w[5]])<<5 |
			uint(stop[w[6]])<<6 | uint(stop[w[7]])<<7
		if m != 0 {
			return int(u) + bits.TrailingZeros(m)
		}
		u += 8
	}
	for u < uint(len(b)) && stop[b[u]] == 0 {
		u++
	}
	return int(u)
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
