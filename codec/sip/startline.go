package sip

import "bytes"

// parseStartLine reads the Request-Line or Status-Line (RFC 3261 §7.1, §7.2)
// and returns the offset of the first header line.
func (m *Message) parseStartLine() (int, error) {
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
	line := buf[pos:end]
	if bytes.IndexByte(line, '\r') >= 0 {
		return 0, ErrBadStartLine
	}
	m.line0, m.line1 = uint16(pos), uint16(pos+nl+1)
	var err error
	if len(line) >= 4 && eqLower(line[:4], "sip/") {
		err = m.parseStatusLine(pos, line)
	} else {
		err = m.parseRequestLine(pos, line)
	}
	return pos + nl + 1, err
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
	if skipClass(uri, 0, cURI) != len(uri) || !hasScheme(uri) {
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
