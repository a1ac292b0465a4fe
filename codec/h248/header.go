package h248

import (
	"bytes"
	"encoding/binary"
)

// Lengths from RFC 3525 B.2.
const (
	authHexDigits   = 8  // SecurityParmIndex, SequenceNum = "0x" 8(HEXDIG)
	minAuthData     = 24 // AuthData = "0x" 24*64(HEXDIG)
	maxAuthData     = 64
	maxDomainLength = 64 // domainName: one character and *63 more
	maxIPv6Length   = 45 // the longest IPv6address text, IPv4 tail included
	minMTPDigits    = 4  // mtpAddress = MTPToken LBRKT 4*8 (HEXDIG) RBRKT
	maxMTPDigits    = 8
	versionDigits   = 2 // Version = 1*2(DIGIT)
	maxVersion      = 99
)

// header parses LWSP [authenticationHeader SEP] MegacopToken SLASH Version
// SEP mId SEP (RFC 3525 B.2 megacoMessage, message) and returns where the
// body starts.
func (p *parser) header(h *hdrOffsets) (int, error) {
	b := p.buf
	i := skipLWSP(b, 0)
	// Only the authentication header starts with an 'A'.
	if i < len(b) && lower(b[i]) == 'a' {
		if j := skipClass(b, i, cName); lookupName(b, i, j) == TokAuthentication {
			k, err := p.auth(h, i, j)
			if err != nil {
				return 0, err
			}
			if !isSep(b, k) {
				return 0, p.fail(k, ErrBadAuth)
			}
			i = skipLWSP(b, k)
		}
	}
	h.start = uint16(i)
	i, err := p.version(h, i)
	if err != nil {
		return 0, err
	}
	end, m, err := scanMID(b, i, false)
	if err != nil {
		return 0, p.fail(i, err)
	}
	h.mid0, h.mid1 = uint16(i), uint16(end)
	h.midKind, h.host0, h.host1, h.port = m.kind, uint16(m.host0), uint16(m.host1), m.port
	if skipLWSP(b, end) == len(b) {
		return 0, p.fail(len(b), ErrNoBody)
	}
	if !isSep(b, end) {
		return 0, p.fail(end, ErrBadMID)
	}
	return end, nil
}

// auth parses authenticationHeader = AuthToken EQUAL SecurityParmIndex
// COLON SequenceNum COLON AuthData and returns its end; the token spans
// [i, j). AuthData must have an even number of digits: it codes octets, two
// digits each (RFC 3525 B.3).
func (p *parser) auth(h *hdrOffsets, i, j int) (int, error) {
	b := p.buf
	k := skipLWSP(b, j)
	if k == len(b) || b[k] != '=' {
		return 0, p.fail(k, ErrBadAuth)
	}
	k = skipLWSP(b, k+1)
	spi, k, ok := hex32(b, k)
	if !ok || k == len(b) || b[k] != ':' {
		return 0, p.fail(k, ErrBadAuth)
	}
	seq, k, ok := hex32(b, k+1)
	if !ok || k == len(b) || b[k] != ':' || !has0x(b, k+1) {
		return 0, p.fail(k, ErrBadAuth)
	}
	d0 := k + 3
	d1 := skipClass(b, d0, cHex)
	if n := d1 - d0; n < minAuthData || n > maxAuthData || n%2 != 0 {
		return 0, p.fail(d0, ErrBadAuth)
	}
	*h = hdrOffsets{auth: true, spi: spi, seq: seq,
		ad0: uint16(d0), ad1: uint16(d1), au0: uint16(i), au1: uint16(d1)}
	return d1, nil
}

// has0x reports whether "0x" (either case) starts at i.
func has0x(b []byte, i int) bool {
	return i+1 < len(b) && b[i] == '0' && lower(b[i+1]) == 'x'
}

// hex32 reads "0x" and exactly 8 hex digits at i.
func hex32(b []byte, i int) (uint32, int, bool) {
	if !has0x(b, i) {
		return 0, i, false
	}
	i += 2
	j := skipClass(b, i, cHex)
	if j-i != authHexDigits {
		return 0, j, false
	}
	var v uint32
	for _, c := range b[i:j] {
		v = v<<4 | uint32(hexVal(c))
	}
	return v, j, true
}

// version parses MegacopToken SLASH Version SEP at i and returns the index
// of the mId.
func (p *parser) version(h *hdrOffsets, i int) (int, error) {
	b := p.buf
	switch {
	case i < len(b) && b[i] == '!':
		i++
	case isMegaco(b, i):
		i += 6
	default:
		return 0, p.fail(i, ErrBadVersion)
	}
	if i == len(b) || b[i] != '/' {
		return 0, p.fail(i, ErrBadVersion)
	}
	j := skipClass(b, i+1, cDigit)
	v, err := parseDec(b[i+1:j], versionDigits, maxVersion)
	if err != nil || v == 0 || j < len(b) && !isSep(b, j) {
		return 0, p.fail(i+1, ErrBadVersion)
	}
	h.version = uint8(v)
	if j = skipLWSP(b, j); j == len(b) {
		return 0, p.fail(j, ErrTruncated)
	}
	return j, nil
}

// isMegaco reports whether "MEGACO", in any case, starts at i: one word
// comparison for the first token of every message. Setting bit 5 folds
// exactly the letters' cases together, and no other byte onto a letter.
func isMegaco(b []byte, i int) bool {
	if i < 0 || len(b)-i < 6 {
		return false
	}
	const megaco = 'm' | 'e'<<8 | 'g'<<16 | 'a'<<24 | 'c'<<32 | 'o'<<40
	w := uint64(binary.LittleEndian.Uint32(b[i:])) | uint64(binary.LittleEndian.Uint16(b[i+4:]))<<32
	return w|0x202020202020 == megaco
}

// MID is a parsed mId (RFC 3525 B.2) or, in ServiceChangeAddress, a bare
// portNumber. Host is a view into the parsed bytes: the address inside the
// brackets, the domain inside the angle brackets, the MTP hex digits or the
// device name; empty for MIDPort.
type MID struct {
	Kind MIDKind
	Host []byte
	Port int // 0 when absent
}

// ParseMID parses v as an mId, or as a portNumber when v is all digits (the
// ServiceChangeAddress form). It does not allocate. Errors are ErrBadMID
// and, for a port above 65535, ErrNumberTooLarge.
func ParseMID(v []byte) (MID, error) {
	end, m, err := scanMID(v, 0, true)
	if err == nil && end != len(v) {
		err = ErrBadMID
	}
	if err != nil {
		return MID{}, err
	}
	return MID{Kind: m.kind, Host: v[m.host0:m.host1], Port: int(m.port)}, nil
}

// midSpan is an mId as offsets.
type midSpan struct {
	kind         MIDKind
	host0, host1 int
	port         uint16
}

// midValue reads the value of ServiceChangeAddress (mId / portNumber) or
// MgcIdToTry (mId).
func (p *parser) midValue(nd *node, i int) (int, error) {
	if nd.op != '=' {
		return 0, p.fail(i, ErrSyntax)
	}
	end, _, err := scanMID(p.buf, i, nd.tok == TokServiceChangeAddress)
	if err != nil {
		return 0, p.fail(i, err)
	}
	nd.form = ValueMID
	nd.val1 = uint16(end)
	return end, nil
}

// scanMID reads the mId at i and returns its end. With port set, a run of
// digits is a portNumber.
func scanMID(b []byte, i int, port bool) (int, midSpan, error) {
	if i == len(b) {
		return 0, midSpan{}, ErrBadMID
	}
	switch c := b[i]; {
	case c == '[':
		return scanAddress(b, i)
	case c == '<':
		return scanDomain(b, i)
	case port && class[c]&cDigit != 0:
		end, n, err := scanPort(b, i)
		return end, midSpan{kind: MIDPort, host0: i, host1: i, port: n}, err
	case len(b)-i > 3 && eqFold(b[i:i+3], "MTP"):
		if k := skipLWSP(b, i+3); k < len(b) && b[k] == '{' {
			return scanMTP(b, k)
		}
	}
	j := pathNameEnd(b, i, false)
	if j < 0 {
		return 0, midSpan{}, ErrBadMID
	}
	if j-i > MaxTerminationIDLength {
		return 0, midSpan{}, ErrNameTooLong
	}
	return j, midSpan{kind: MIDDevice, host0: i, host1: j}, nil
}

// scanAddress reads domainAddress [":" portNumber] at i.
func scanAddress(b []byte, i int) (int, midSpan, error) {
	if j := ipv4End(b, i+1); j > 0 {
		end, n, err := optPort(b, j+1)
		return end, midSpan{kind: MIDIPv4, host0: i + 1, host1: j, port: n}, err
	}
	win := b[i+1 : min(len(b), i+2+maxIPv6Length)]
	j := bytes.IndexByte(win, ']')
	if j < 0 {
		return 0, midSpan{}, ErrBadMID
	}
	m := midSpan{host0: i + 1, host1: i + 1 + j}
	switch host := win[:j]; {
	case isIPv4(host):
		m.kind = MIDIPv4
	case isIPv6(host):
		m.kind = MIDIPv6
	default:
		return 0, midSpan{}, ErrBadMID
	}
	end, n, err := optPort(b, m.host1+1)
	m.port = n
	return end, m, err
}

// scanDomain reads domainName [":" portNumber] at i: "<" (ALPHA / DIGIT)
// *63(ALPHA / DIGIT / "-" / ".") ">".
func scanDomain(b []byte, i int) (int, midSpan, error) {
	if i+1 == len(b) || class[b[i+1]]&(cAlpha|cDigit) == 0 {
		return 0, midSpan{}, ErrBadMID
	}
	j := skipClass(b, i+2, cDomain)
	if j == len(b) || b[j] != '>' || j-(i+1) > maxDomainLength {
		return 0, midSpan{}, ErrBadMID
	}
	end, n, err := optPort(b, j+1)
	return end, midSpan{kind: MIDDomain, host0: i + 1, host1: j, port: n}, err
}

// scanMTP reads the LBRKT 4*8(HEXDIG) RBRKT of an mtpAddress, LBRKT at k.
func scanMTP(b []byte, k int) (int, midSpan, error) {
	h0 := skipLWSP(b, k+1)
	h1 := skipClass(b, h0, cHex)
	e := skipLWSP(b, h1)
	if n := h1 - h0; n < minMTPDigits || n > maxMTPDigits || e == len(b) || b[e] != '}' {
		return 0, midSpan{}, ErrBadMID
	}
	return e + 1, midSpan{kind: MIDMTP, host0: h0, host1: h1}, nil
}

// optPort reads an optional ":" portNumber at i.
func optPort(b []byte, i int) (int, uint16, error) {
	if i == len(b) || b[i] != ':' {
		return i, 0, nil
	}
	return scanPort(b, i+1)
}

// scanPort reads portNumber = UINT16 at i.
func scanPort(b []byte, i int) (int, uint16, error) {
	// The common port, 1 to 5 digits up to 65535, in one pass.
	v, u := 0, uint(i)
	for u < uint(len(b)) && b[u]-'0' <= 9 {
		v = v*10 + int(b[u]-'0')
		u++
	}
	if n := u - uint(i); n-1 < uint16Digits && v <= maxUint16 {
		return int(u), uint16(v), nil
	}
	j := skipClass(b, i, cDigit)
	n, err := parseDec(b[i:j], uint16Digits, maxUint16)
	if err == ErrBadNumber {
		err = ErrBadMID
	}
	return j, uint16(n), err
}

// pathNameEnd returns the end of the pathNAME at i, or -1 (RFC 3525 B.2
// pathNAME = ["*"] NAME *("/" / "*" / ALPHA / DIGIT / "_" / "$") ["@"
// pathDomainName]). With digitFirst, the NAME may start with a digit.
func pathNameEnd(b []byte, i int, digitFirst bool) int {
	j := i
	if j < len(b) && b[j] == '*' {
		j++
	}
	if j == len(b) {
		return -1
	}
	if c := class[b[j]]; c&cAlpha == 0 && !(digitFirst && c&cDigit != 0) {
		return -1
	}
	j = skipClass(b, j+1, cPath)
	if j < len(b) && b[j] == '@' {
		k := j + 1
		if k == len(b) || class[b[k]]&(cAlpha|cDigit) == 0 && b[k] != '*' {
			return -1
		}
		j = skipClass(b, k+1, cPathDomain)
	}
	return j
}

// ipv4End returns the index of the ']' that ends an IPv4address starting
// at i, or -1 when the bytes there are no IPv4address and a ']', in one
// pass (the common mId, "[192.0.2.1]:2944"). It accepts what isIPv4 does.
func ipv4End(b []byte, i int) int {
	parts, digits, v := 1, 0, 0
	for u := uint(i); u < uint(len(b)); u++ {
		switch c := b[u]; {
		case c-'0' <= 9:
			digits++
			v = v*10 + int(c-'0')
			if digits > 3 || v > 255 {
				return -1
			}
		case c == '.' && digits > 0 && parts < 4:
			parts++
			digits, v = 0, 0
		case c == ']' && parts == 4 && digits > 0:
			return int(u)
		default:
			return -1
		}
	}
	return -1
}

// isIPv4 reports whether b is IPv4address = V4hex DOT V4hex DOT V4hex DOT
// V4hex, each V4hex 1*3 DIGIT from 0 to 255.
func isIPv4(b []byte) bool {
	parts, digits, v := 1, 0, 0
	for _, c := range b {
		switch {
		case c-'0' <= 9:
			digits++
			v = v*10 + int(c-'0')
			if digits > 3 || v > 255 {
				return false
			}
		case c == '.' && digits > 0 && parts < 4:
			parts++
			digits, v = 0, 0
		default:
			return false
		}
	}
	return parts == 4 && digits > 0
}

// isIPv6 reports whether b is IPv6address = hexpart [":" IPv4address]
// (RFC 3525 B.2, RFC 2373): groups of 1 to 4 hex digits, at most one "::",
// eight groups in all (an IPv4 tail counts two), fewer with "::".
func isIPv6(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	groups, double, i := 0, false, 0
	if b[0] == ':' {
		if b[1] != ':' {
			return false
		}
		double, i = true, 2
	}
	for i < len(b) {
		j := skipClass(b, i, cHex)
		if j < len(b) && b[j] == '.' {
			if !isIPv4(b[i:]) {
				return false
			}
			groups += 2
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		if j == len(b) {
			break
		}
		if b[j] != ':' || j+1 == len(b) {
			return false
		}
		if i = j + 1; b[i] == ':' {
			if double {
				return false
			}
			double, i = true, i+1
		}
	}
	if double {
		return groups <= 7
	}
	return groups == 8
}
