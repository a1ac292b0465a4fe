package sip

import "bytes"

// parseStartLine reads the Request-Line or Status-Line (RFC 3261 §7.1, §7.2)
// and returns the offset of the first header line.
func (m *Message) parseStartLine() (int, error) { return m.startLine(true) }

// startLine is parseStartLine; without fast it skips startLineFast, so that
// tests can hold the fast reading to the full one.
func (m *Message) startLine(fast bool) (int, error) {
	buf := m.buf
	// RFC 3261 §7.5: empty lines before the start line are ignored
	// (keep-alive CRLFs).
	pos := 0
	for pos < len(buf) && (buf[pos] == '\r' || buf[pos] == '\n') {
		pos++
	}
	nl := bytes.IndexByte(buf[pos:], '\n')
	if nl < 0 {
		return 0, ErrTruncated
	}
	end := pos + nl
	if end > pos && buf[end-1] == '\r' {
		end--
	}
	if end-pos > MaxLineLength {
		return 0, ErrLineTooLong
	}
	m.line0, m.line1 = uint16(pos), uint16(pos+nl+1)
	if fast && m.startLineFast(pos, end) {
		return pos + nl + 1, nil
	}
	line := buf[pos:end]
	if bytes.IndexByte(line, '\r') >= 0 {
		return 0, ErrBadStartLine
	}
	var err error
	if len(line) >= 4 && eqLower(line[:4], "sip/") {
		err = m.parseStatusLine(pos, line)
	} else {
		err = m.parseRequestLine(pos, line)
	}
	return pos + nl + 1, err
}

// Start lines compared as words, with the case bit of their letters set:
// "sip/2.0 " opens a Status-Line, " sip/2.0" ends a Request-Line.
const (
	statusWord  = 0x20302e322f706973
	requestWord = 0x302e322f70697320
	statusFold  = 0x0000000000202020
	requestFold = 0x0000000020202000
)

// startLineFast reads the usual start line, buf[pos:end] without its line
// end, in one pass: a token method, one SP, URI characters, one SP and
// SIP/2.0; or SIP/2.0, one SP, three digits, one SP and a reason phrase.
// It fills the start-line fields only when the full reading would accept
// the line with the same result, and otherwise reports false and leaves
// the line, and the choice of error, to that reading.
func (m *Message) startLineFast(pos, end int) bool {
	buf := m.buf[:end]
	if end-pos >= 12 && le64(buf[pos:])|statusFold == statusWord {
		return m.statusLineFast(pos, end)
	}
	sp := skipClass(buf, pos, cToken)
	if sp == pos || sp == end || buf[sp] != ' ' {
		return false
	}
	u1 := skipClass(buf, sp+1, cURI)
	if u1 == sp+1 || end-u1 != 8 || le64(buf[u1:])|requestFold != requestWord {
		return false
	}
	if checkURIScheme(buf[sp+1:u1]) != nil {
		return false
	}
	m.req = true
	m.a0, m.a1 = uint16(pos), uint16(sp)
	m.u0, m.u1 = uint16(sp+1), uint16(u1)
	return true
}

// statusLineFast is startLineFast for a line that starts with "SIP/2.0 ".
func (m *Message) statusLineFast(pos, end int) bool {
	d := m.buf[pos+8 : pos+12]
	if d[0] < '1' || d[0] > '6' || d[1]-'0' > 9 || d[2]-'0' > 9 || d[3] != ' ' {
		return false
	}
	for _, c := range m.buf[pos+12 : end] {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	m.status = uint16(d[0]-'0')*100 + uint16(d[1]-'0')*10 + uint16(d[2]-'0')
	m.a0, m.a1 = uint16(pos+12), uint16(end)
	return true
}

// parseStatusLine reads SIP-Version SP Status-Code SP Reason-Phrase.
func (m *Message) parseStatusLine(pos int, line []byte) error {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return ErrBadStartLine
	}
	if !eqLower(line[:sp], "sip/2.0") {
		return ErrBadVersion
	}
	i := sp + 1
	code, j, ok := parseUint(line, i, 999)
	if !ok || j-i != 3 || code < 100 || code > 699 {
		return ErrBadStatus
	}
	if j == len(line) || line[j] != ' ' {
		return ErrBadStartLine
	}
	reason := line[j+1:]
	for _, c := range reason {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return ErrBadStartLine
		}
	}
	m.status = uint16(code)
	m.a0, m.a1 = uint16(pos+j+1), uint16(pos+len(line))
	return nil
}

// parseRequestLine reads Method SP Request-URI SP SIP-Version. Separators
// are exactly one SP each: extra or trailing white space is rejected
// (RFC 4475 §3.1.2.8 lwsstart, §3.1.2.9 trws), and so is white space
// inside the Request-URI (§3.1.2.7 lwsruri).
func (m *Message) parseRequestLine(pos int, line []byte) error {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 || !isToken(line[:sp]) {
		return ErrBadStartLine
	}
	rest := line[sp+1:]
	ls := bytes.LastIndexByte(rest, ' ')
	if ls < 0 || ls == len(rest)-1 {
		return ErrBadStartLine
	}
	if !eqLower(rest[ls+1:], "sip/2.0") {
		return ErrBadVersion
	}
	uri := rest[:ls]
	if len(uri) == 0 || uri[0] == ' ' || uri[len(uri)-1] == ' ' {
		return ErrBadStartLine
	}
	if err := checkRequestURI(uri); err != nil {
		return err
	}
	m.req = true
	m.a0, m.a1 = uint16(pos), uint16(pos+sp)
	m.u0, m.u1 = uint16(pos+sp+1), uint16(pos+sp+1+len(uri))
	return nil
}

// checkRequestURI applies RFC 3261 §25.1 to the Request-URI: an absolute URI
// with a scheme, only URI characters (no white space, '<', '>' or '"':
// RFC 4475 ltgtruri, lwsruri), and for sip/sips a well-formed SIP-URI
// without a headers component, which RFC 3261 §19.1.1 (Table 1) does not
// allow in a Request-URI (RFC 4475 escruri).
func checkRequestURI(uri []byte) error {
	if skipClass(uri, 0, cURI) != len(uri) {
		return ErrBadURI
	}
	return checkURIScheme(uri)
}

// checkURIScheme is checkRequestURI for a URI already known to hold only
// URI characters.
func checkURIScheme(uri []byte) error {
	if !hasScheme(uri) {
		return ErrBadURI
	}
	if !isSIPScheme(uri[:bytes.IndexByte(uri, ':')]) {
		return nil
	}
	_, q, err := parseSIPURI(uri)
	if err != nil {
		return err
	}
	if q >= 0 {
		return ErrBadURI
	}
	return nil
}

func isSIPScheme(b []byte) bool { return eqLower(b, "sip") || eqLower(b, "sips") }
