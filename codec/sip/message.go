package sip

// hdr is one header field as offsets into the buffer, packed so that the
// header loop stores it with two writes. Offsets fit in uint16 because a
// message is at most MaxMessageSize bytes. The name as written starts the
// line; the value is trimmed of LWS; end is just after the final line end.
type hdr struct {
	off uint64 // name0 | name1<<16 | val0<<32 | val1<<48
	end uint16
	id  HeaderID
}

func packHdr(id HeaderID, name0, name1, val0, val1, end int) hdr {
	return hdr{
		off: uint64(name0) | uint64(name1)<<16 | uint64(val0)<<32 | uint64(val1)<<48,
		end: uint16(end), id: id,
	}
}

func (h *hdr) name0() int { return int(uint16(h.off)) }
func (h *hdr) name1() int { return int(uint16(h.off >> 16)) }
func (h *hdr) val0() int  { return int(uint16(h.off >> 32)) }
func (h *hdr) val1() int  { return int(h.off >> 48) }

// Message is a parsed SIP message: offsets into the caller's buffer, no
// copies. Views returned by its methods alias that buffer and stay valid
// until the buffer is modified or Parse is called again.
//
// A Message is usable as a zero value and meant to be reused (Parse resets
// it), for example one per event loop. It is not safe for concurrent use.
type Message struct {
	buf   []byte
	n     int
	first [firstLen]uint8 // index+1 of the first header per ID, 0 when absent
	hdrs  [MaxHeaders]hdr

	req          bool
	status       uint16
	line0, line1 uint16 // start line, including its line end
	a0, a1       uint16 // method (requests) or reason phrase (responses)
	u0, u1       uint16 // Request-URI
	body0, body1 uint16

	// What the checks of Parse decode on the way, kept so that a proxy
	// does not parse the same bytes again: see TopVia, CSeq, FromTag, ToTag.
	decoded
}

// firstLen is the length of Message.first: a power of two at least
// hdrCount, so that indexing it with id%firstLen needs no bounds check.
const firstLen = 64

// hdrCount must not exceed firstLen.
var _ = [firstLen - hdrCount]struct{}{}

// decoded holds the fields Parse decodes while checking the first Via,
// CSeq, From and To headers.
type decoded struct {
	topVia   Via
	cseqNum  uint32
	cseqMeth []byte
	fromTag  []byte
	toTag    []byte
}

// Header is one header field line.
type Header struct {
	ID    HeaderID
	Name  []byte // as written
	Value []byte // trimmed of leading and trailing LWS; may contain folding inside
	Line  []byte // the raw line(s) from the name to and including the final line end
}

// Reset empties the message. Parse calls it; call it to drop the reference
// to the last buffer.
func (m *Message) Reset() {
	m.buf = nil
	m.n = 0
	m.first = [firstLen]uint8{}
	m.req = false
	m.status = 0
	m.line0, m.line1, m.a0, m.a1, m.u0, m.u1 = 0, 0, 0, 0, 0, 0
	m.body0, m.body1 = 0, 0
	m.decoded = decoded{}
}

// Parse parses buf, one datagram holding a start line, header fields, an
// empty line and a body, in place (RFC 3261 §7). It keeps buf; see the
// Message doc for how long views stay valid.
//
// Header lines end in CRLF or a bare LF and may be folded; names are
// case-insensitive and may be compact. With Content-Length the body is
// exactly that many bytes (more bytes after it are ignored); without it the
// body is the rest of the datagram, as RFC 3261 §18.3 allows for UDP.
//
// Parse checks what a proxy relies on: the start line, Via, From, To,
// Contact, Call-ID, CSeq (its method must match a request's), Content-Length
// and Date; and that Via, From, To, Call-ID and CSeq are present. When the
// only fault is a missing header (ErrMissingHeader), the rest of the message
// has been parsed and checked, so a 400 response can be built from it.
// After any other error the message is only partly parsed. Parse does not
// allocate, on success or error.
func (m *Message) Parse(buf []byte) error {
	m.Reset()
	if len(buf) > MaxMessageSize {
		return ErrMessageTooLarge
	}
	m.buf = buf
	pos, err := m.parseStartLine()
	if err != nil {
		return err
	}
	if pos, err = m.frameHeaders(pos); err != nil {
		return err
	}
	if err = m.frameBody(pos); err != nil {
		return err
	}
	if err = m.checkHeaders(); err != nil {
		return err
	}
	return m.checkMandatory()
}

// parseHeaders fills the header table from pos up to and including the
// empty line, and returns where the body starts.
func (m *Message) parseHeaders(pos int) (int, error) {
	buf := m.buf
	for {
		if pos >= len(buf) {
			return 0, ErrTruncated
		}
		switch buf[pos] {
		case '\n':
			return pos + 1, nil
		case '\r':
			switch {
			case pos+1 == len(buf):
				return 0, ErrTruncated
			case buf[pos+1] == '\n':
				return pos + 2, nil
			}
			return 0, ErrBadHeader
		}
		if m.n == MaxHeaders {
			return 0, ErrTooManyHeaders
		}
		next, err := m.parseHeader(pos)
		if err != nil {
			return 0, err
		}
		pos = next
	}
}

// parseHeader reads the header field starting at pos (RFC 3261 §7.3.1):
// token, optional WSP, ':', value with folded continuation lines.
func (m *Message) parseHeader(pos int) (int, error) {
	buf := m.buf
	i := nextColon(buf, pos)
	if i == len(buf) {
		return 0, ErrTruncated
	}
	if buf[i] != ':' {
		return 0, ErrBadHeader
	}
	name1 := i
	for name1 > pos && (buf[name1-1] == ' ' || buf[name1-1] == '\t') {
		name1--
	}
	// A known name is a token by construction; only others need the scan.
	id := lookupName(buf, pos, name1)
	if id == HdrOther && !isToken(buf[pos:name1]) {
		return 0, ErrBadHeader
	}
	end, err := lineEnd(buf, i+1, pos)
	if err != nil {
		return 0, err
	}
	v0, v1 := valueBounds(buf, i, end-1)
	m.hdrs[m.n] = packHdr(id, pos, name1, v0, v1, end)
	m.n++
	if m.first[id] == 0 {
		m.first[id] = uint8(m.n)
	}
	return end, nil
}

// lineEnd returns the index just after the line end that closes the logical
// line whose value starts at i, following folded continuation lines (a line
// end followed by SP or HTAB). A CR that is not part of a line end is
// rejected, so no two readers can split the header section differently.
func lineEnd(buf []byte, i, start int) (int, error) {
	for {
		e, bareCR := nextLF(buf, i)
		if e < 0 {
			return 0, ErrTruncated
		}
		if e+1-start > MaxLineLength {
			return 0, ErrLineTooLong
		}
		if bareCR {
			return 0, ErrBadHeader
		}
		i = e + 1
		if i == len(buf) || buf[i] != ' ' && buf[i] != '\t' {
			return i, nil
		}
	}
}

// frameBody finds the body from Content-Length (RFC 3261 §20.14). Repeated
// Content-Length headers must carry the same number: a reader that takes
// the first and one that takes the last would otherwise end the body at
// different places.
func (m *Message) frameBody(pos int) error {
	end := len(m.buf)
	if v, ok := m.Get(HdrContentLength); ok {
		n, err := contentLength(v)
		if err != nil || !m.sameContentLengths(n) || n > len(m.buf)-pos {
			return headerErr(HdrContentLength, ErrBadContentLength)
		}
		end = pos + n
	}
	m.body0, m.body1 = uint16(pos), uint16(end)
	return nil
}

// sameContentLengths reports whether every Content-Length after the first
// is well formed and equals n.
func (m *Message) sameContentLengths(n int) bool {
	for i := m.Index(HdrContentLength, int(m.first[HdrContentLength])); i >= 0; {
		if k, err := contentLength(m.value(i)); err != nil || k != n {
			return false
		}
		i = m.Index(HdrContentLength, i+1)
	}
	return true
}

// contentLength parses a Content-Length value: 1*DIGIT, at most
// MaxMessageSize since the body must fit in the datagram.
func contentLength(v []byte) (int, error) {
	n, i, ok := parseUint(v, 0, MaxMessageSize)
	if !ok || i != len(v) {
		return 0, ErrBadContentLength
	}
	return int(n), nil
}

// mandatory are the header fields every request and response carries
// (RFC 3261 §8.1.1, §8.2.6.2).
var mandatory = [...]HeaderID{HdrVia, HdrFrom, HdrTo, HdrCallID, HdrCSeq}

func (m *Message) checkMandatory() error {
	for _, id := range mandatory {
		if m.first[id] == 0 {
			return headerErr(id, ErrMissingHeader)
		}
	}
	return nil
}

// Bytes returns the whole datagram as given to Parse.
func (m *Message) Bytes() []byte { return m.buf }

// IsRequest reports whether the message is a request.
func (m *Message) IsRequest() bool { return m.req }

// Method returns the request method; nil for a response.
func (m *Message) Method() []byte {
	if !m.req {
		return nil
	}
	return m.buf[m.a0:m.a1]
}

// RequestURI returns the Request-URI of a request; nil for a response.
func (m *Message) RequestURI() []byte {
	if !m.req {
		return nil
	}
	return m.buf[m.u0:m.u1]
}

// StatusCode returns the status code of a response (100 to 699); 0 for a
// request.
func (m *Message) StatusCode() int { return int(m.status) }

// Reason returns the reason phrase of a response (may be empty); nil for a
// request.
func (m *Message) Reason() []byte {
	if m.req || m.status == 0 {
		return nil
	}
	return m.buf[m.a0:m.a1]
}

// StartLine returns the raw first line including its line end.
func (m *Message) StartLine() []byte { return m.buf[m.line0:m.line1] }

// Body returns the message body (may be empty).
func (m *Message) Body() []byte { return m.buf[m.body0:m.body1] }

// HeadersEnd returns the offset in Bytes just after the empty line that ends
// the header section, where the body starts.
func (m *Message) HeadersEnd() int { return int(m.body0) }

// NumHeaders returns the number of header field lines.
func (m *Message) NumHeaders() int { return m.n }

// Header returns header line i (0 <= i < NumHeaders); the zero Header when i
// is out of range.
func (m *Message) Header(i int) Header {
	if i < 0 || i >= m.n {
		return Header{}
	}
	h := &m.hdrs[i]
	return Header{
		ID:    h.id,
		Name:  m.buf[h.name0():h.name1()],
		Value: m.buf[h.val0():h.val1()],
		Line:  m.buf[h.name0():h.end],
	}
}

// value returns the value of header i; i must be in range.
func (m *Message) value(i int) []byte {
	h := &m.hdrs[i]
	return m.buf[h.val0():h.val1()]
}

// Get returns the value of the first header with that ID.
func (m *Message) Get(id HeaderID) (value []byte, ok bool) {
	if id >= hdrCount || m.first[id] == 0 {
		return nil, false
	}
	return m.value(int(m.first[id]) - 1), true
}

// Index returns the index of the next header with that ID at or after index
// from, or -1.
func (m *Message) Index(id HeaderID, from int) int {
	if id >= hdrCount || m.first[id] == 0 {
		return -1
	}
	if f := int(m.first[id]) - 1; from < f {
		from = f
	}
	for i := from; i < m.n; i++ {
		if m.hdrs[i].id == id {
			return i
		}
	}
	return -1
}

// Count returns how many header lines carry that ID.
func (m *Message) Count(id HeaderID) int {
	c := 0
	for i := m.Index(id, 0); i >= 0 && i < m.n; i++ {
		if m.hdrs[i].id == id {
			c++
		}
	}
	return c
}

// valueBounds returns the value of a header line whose ':' is at colon and
// whose last LF is at lf, trimmed of LWS. The usual single SP after the
// colon and CR before the LF are stepped over without a loop.
func valueBounds(buf []byte, colon, lf int) (v0, v1 int) {
	v0, v1 = colon+1, lf
	if v0 < v1 && buf[v0] == ' ' {
		v0++
	}
	if v1 > v0 && buf[v1-1] == '\r' {
		v1--
	}
	if v0 < v1 && (class[buf[v0]]&cLWS != 0 || class[buf[v1-1]]&cLWS != 0) {
		for v0 < v1 && class[buf[v0]]&cLWS != 0 {
			v0++
		}
		for v1 > v0 && class[buf[v1-1]]&cLWS != 0 {
			v1--
		}
	}
	return v0, v1
}

// TopVia returns the first via-parm of the first Via header as ParseVia
// reads it; Parse has checked it. It is the zero Via when Parse stopped
// before the Via headers were checked.
func (m *Message) TopVia() Via { return m.topVia }

// CSeq returns the CSeq number and method as ParseCSeq reads them; Parse has
// checked them. num is 0 and method nil when Parse stopped before CSeq was
// checked.
func (m *Message) CSeq() (num uint32, method []byte) { return m.cseqNum, m.cseqMeth }

// FromTag returns the tag parameter of the first From header, quotes
// removed, as Tag reads it; nil when there is none or Parse stopped before
// From was checked.
func (m *Message) FromTag() []byte { return m.fromTag }

// ToTag returns the tag parameter of the first To header, like FromTag.
func (m *Message) ToTag() []byte { return m.toTag }
