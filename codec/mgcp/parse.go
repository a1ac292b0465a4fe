package mgcp

// Parse parses the first message in buf, a command or a response with its
// parameter lines and SDP (RFC 3435 Appendix A, MGCPMessage), in place. It
// returns the offset in buf of the message piggy-backed after it: the
// first byte after the line holding a single ".", or len(buf) when no
// separator follows. It keeps buf; see the Message doc for how long views
// stay valid. Datagram steps through all the messages of a datagram.
//
// On failure it returns a *ParseError wrapping one of the package's
// sentinel errors (test with errors.Is) and the Message holds nothing. The
// *ParseError is part of the Message and is overwritten by the next Parse.
// Parse does not allocate, on success or error.
func (m *Message) Parse(buf []byte) (rest int, err error) {
	m.Reset()
	if len(buf) > MaxMessageSize {
		return 0, m.fail(0, ErrMessageTooLarge)
	}
	if len(buf) == 0 {
		return 0, m.fail(0, ErrEmptyMessage)
	}
	p := parser{m: m, buf: buf}
	rest, off, err := p.message()
	if err != nil {
		m.head = head{gen: m.gen}
		return 0, m.fail(off, err)
	}
	m.ok = true
	m.buf = buf[:m.end:m.end]
	return rest, nil
}

func (m *Message) fail(off int, err error) error {
	m.perr = ParseError{Offset: off, Err: err}
	return &m.perr
}

// parser holds the state of one Parse; it writes into the Message's head
// and parameter table directly.
type parser struct {
	m   *Message
	buf []byte
}

// message parses the whole message and returns the offset of the rest, or
// the offset of an error.
func (p *parser) message() (rest, off int, err error) {
	m := p.m
	end, next, crlf, off, err := p.line(0)
	if err != nil {
		return 0, off, err
	}
	m.crlf, m.line1 = crlf, uint16(end)
	switch {
	case end == 0:
		return 0, 0, ErrBadCommandLine
	case class[p.buf[0]]&cDigit != 0:
		m.resp = true
		off, err = p.responseLine(p.buf[:end])
	default:
		off, err = p.commandLine(p.buf[:end])
	}
	if err != nil {
		return 0, off, err
	}
	return p.params(next)
}

// line finds the line that starts at i, as scanLine does, and checks its
// length and that it has a line end (ErrTruncated).
func (p *parser) line(i int) (end, next int, crlf bool, off int, err error) {
	end, next, crlf, err = scanLine(p.buf, i, &p.m.style)
	switch {
	case end-i > MaxLineLength:
		return 0, 0, false, i + MaxLineLength, ErrLineTooLong
	case err != nil:
		return 0, 0, false, end, err
	case next < 0:
		return 0, 0, false, len(p.buf), ErrTruncated
	}
	return end, next, crlf, 0, nil
}

// params reads the parameter lines from i up to the end, an empty line
// (SDP follows) or a separator line.
func (p *parser) params(i int) (rest, off int, err error) {
	m := p.m
	for i < len(p.buf) {
		end, next, _, off, err := p.line(i)
		if err != nil {
			return 0, off, err
		}
		switch {
		case end == i:
			m.hdrEnd, m.sdp = uint16(i), true
			return p.body(next)
		case end == i+1 && p.buf[i] == '.':
			m.hdrEnd, m.end = uint16(i), uint16(i)
			return p.separator(next)
		}
		if off, err := p.param(i, end, next); err != nil {
			return 0, off, err
		}
		i = next
	}
	m.hdrEnd, m.end = uint16(i), uint16(i)
	return i, 0, nil
}

// separator checks that a message follows the separator line ending at
// next.
func (p *parser) separator(next int) (rest, off int, err error) {
	if next == len(p.buf) {
		return 0, next, ErrEmptyMessage
	}
	return next, 0, nil
}

// body reads the SDP lines from i: raw, but held to the line rules, up to
// the end or a separator line. The last line may lack its line end.
func (p *parser) body(i int) (rest, off int, err error) {
	m := p.m
	m.body0 = uint16(i)
	for i < len(p.buf) {
		end, next, _, err := scanLine(p.buf, i, &m.style)
		switch {
		case end-i > MaxLineLength:
			return 0, i + MaxLineLength, ErrLineTooLong
		case err != nil:
			return 0, end, err
		case end == i+1 && p.buf[i] == '.' && next < 0:
			return 0, len(p.buf), ErrTruncated
		case end == i+1 && p.buf[i] == '.':
			m.body1, m.end = uint16(i), uint16(i)
			return p.separator(next)
		case next < 0:
			i = end
		default:
			i = next
		}
	}
	m.body1, m.end = uint16(i), uint16(i)
	return i, 0, nil
}

// param reads the parameter line [i, end): name ":" 0*WSP value.
func (p *parser) param(i, end, next int) (off int, err error) {
	m := p.m
	if m.np == MaxParameters {
		return i, ErrTooManyParameters
	}
	b := p.buf[:end]
	j := skipClass(b, i, cParam)
	switch {
	case class[b[i]]&(cAlpha|cDigit) == 0:
		return i, ErrBadParameter
	case j-i > MaxParamNameLength:
		return i + MaxParamNameLength, ErrBadParameter
	case j == end || b[j] != ':':
		return j, ErrBadParameter
	}
	code := LookupParam(b[i:j])
	if m.seen&(1<<code) != 0 && repeatable&(1<<code) == 0 {
		return i, ErrDuplicateParameter
	}
	m.seen |= 1 << code
	v0 := skipClass(b, j+1, cWSP)
	m.params[m.np] = param{line0: uint16(i), name1: uint16(j), val0: uint16(v0),
		val1: uint16(trimWSP(b, v0)), next: uint16(next), code: code}
	m.np++
	return 0, nil
}

// trimWSP returns the end of b without the white space that ends it, but
// not before i.
func trimWSP(b []byte, i int) int {
	e := len(b)
	for e > i && class[b[e-1]]&cWSP != 0 {
		e--
	}
	return e
}

// commandLine parses b, the first line: verb, transaction id, endpoint
// name, "MGCP 1.0" and an optional profile name (RFC 3435 §3.2.1).
func (p *parser) commandLine(b []byte) (off int, err error) {
	m := p.m
	if len(b) < 5 || class[b[0]]&cAlpha == 0 || !allClass(b[1:4], cAlpha|cDigit) ||
		class[b[4]]&cWSP == 0 {
		return 0, ErrBadCommandLine
	}
	m.verb = lookupVerb(b)
	i, err := p.transactionID(b, skipClass(b, 4, cWSP))
	if err != nil {
		return i, err
	}
	j := skipClass(b, i, cWSP)
	k := j
	for k < len(b) && class[b[k]]&cWSP == 0 {
		k++
	}
	if k == j {
		return j, ErrBadEndpoint
	}
	ep, off, err := parseEndpoint(b[j:k])
	if err != nil {
		return j + off, err
	}
	m.ep0, m.ep1, m.at, m.dom1 = uint16(j), uint16(k), uint16(j+ep.at), uint16(j+ep.dom1)
	m.host0, m.host1, m.port, m.wild = uint16(j+ep.host0), uint16(j+ep.host1),
		uint16(ep.port), ep.wild
	return p.version(b, skipClass(b, k, cWSP))
}

// version parses "MGCP" 1*WSP "1.0" and the optional profile name from i
// to the end of b.
func (p *parser) version(b []byte, i int) (off int, err error) {
	m := p.m
	if len(b)-i < 4 || !equalFold(b[i:i+4], "MGCP") {
		return i, ErrBadVersion
	}
	v := skipClass(b, i+4, cWSP)
	if v == i+4 || len(b)-v < 3 || string(b[v:v+3]) != "1.0" ||
		v+3 < len(b) && class[b[v+3]]&cWSP == 0 {
		return v, ErrBadVersion
	}
	m.txt0, m.txt1 = uint16(i), uint16(v+3)
	e := trimWSP(b, v+3)
	q := skipClass(b, v+3, cWSP)
	if q >= e {
		return 0, nil
	}
	for k := q; k < e; k++ {
		if class[b[k]]&(cVChar|cWSP) == 0 {
			return k, ErrBadVersion
		}
	}
	m.prof0, m.prof1, m.txt1 = uint16(q), uint16(e), uint16(e)
	return 0, nil
}

// transactionID parses 1 to 9 digits from i, not all zero, followed by
// white space or the end of b, and returns the offset after them.
func (p *parser) transactionID(b []byte, i int) (int, error) {
	j := skipClass(b, i, cDigit)
	if j == i || j-i > 9 || j < len(b) && class[b[j]]&cWSP == 0 {
		return i, ErrBadTransactionID
	}
	v := uint32(0)
	for _, c := range b[i:j] {
		v = v*10 + uint32(c-'0')
	}
	if v == 0 {
		return i, ErrBadTransactionID
	}
	p.m.tid, p.m.tid0, p.m.tid1 = v, uint16(i), uint16(j)
	return j, nil
}

// responseLine parses b, the first line of a response: a 3-digit code,
// the transaction id, an optional "/" package name and the commentary
// (RFC 3435 §3.3).
func (p *parser) responseLine(b []byte) (off int, err error) {
	m := p.m
	if len(b) < 3 || !allClass(b[:3], cDigit) || len(b) > 3 && class[b[3]]&cWSP == 0 {
		return 0, ErrBadResponseLine
	}
	m.code = uint16(b[0]-'0')*100 + uint16(b[1]-'0')*10 + uint16(b[2]-'0')
	i := skipClass(b, 3, cWSP)
	if i == len(b) {
		return i, ErrBadTransactionID
	}
	j, err := p.transactionID(b, i)
	if err != nil {
		return j, err
	}
	k := skipClass(b, j, cWSP)
	e := trimWSP(b, k)
	if k < e && b[k] == '/' {
		l := k + 1
		for l < len(b) && (class[b[l]]&(cAlpha|cDigit) != 0 || b[l] == '-') {
			l++
		}
		if l == k+1 || l-k-1 > MaxPackageNameLength || l < len(b) && class[b[l]]&cWSP == 0 {
			return k, ErrBadResponseLine
		}
		m.txt0, m.txt1 = uint16(k+1), uint16(l)
		k = skipClass(b, l, cWSP)
	}
	if k < e {
		m.prof0, m.prof1 = uint16(k), uint16(e)
	}
	return 0, nil
}
