package sip

import "bytes"

// checkHeaders applies the per-header rules of Parse in message order, so
// the first faulty header decides the error. Headers without rules are
// skipped by one bit test.
func (m *Message) checkHeaders() error {
	for i := 0; i < m.n; i++ {
		h := &m.hdrs[i]
		if checked>>h.id&1 == 0 {
			continue
		}
		if err := m.checkHeader(i, h.id, m.buf[h.val0():h.val1()]); err != nil {
			return headerErr(h.id, err)
		}
	}
	return nil
}

// checked has a bit set for each header ID checkHeader has rules for.
const checked = 1<<HdrVia | 1<<HdrFrom | 1<<HdrTo | 1<<HdrContact | 1<<HdrCSeq |
	1<<HdrCallID | 1<<HdrContentLength | 1<<HdrDate

// checkHeader checks the value v of header i by its ID and keeps what the
// first Via, CSeq, From and To decode to.
func (m *Message) checkHeader(i int, id HeaderID, v []byte) error {
	first := i == int(m.first[id])-1
	switch id {
	case HdrVia:
		return m.checkVia(v, first)
	case HdrFrom, HdrTo:
		tag, err := checkNameAddr(v)
		if first && id == HdrFrom {
			m.fromTag = tag
		} else if first {
			m.toTag = tag
		}
		return err
	case HdrContact:
		return checkContact(v)
	case HdrCSeq:
		return m.checkCSeq(v, first)
	case HdrCallID:
		return checkCallID(v)
	case HdrContentLength:
		_, err := contentLength(v)
		return err
	case HdrDate:
		return checkDate(v)
	}
	return nil
}

// checkVia checks every via-parm of one Via line; empty elements such as
// "a,,b" or "a," are rejected (RFC 4475 badinv01). A line without a comma
// is one element. The first element of the first Via line is kept.
func (m *Message) checkVia(v []byte, first bool) error {
	if len(v) == 0 || v[len(v)-1] == ',' {
		return ErrBadVia
	}
	if bytes.IndexByte(v, ',') < 0 {
		if first {
			return parseVia(v, &m.topVia)
		}
		var via Via
		return readVia(v, &via)
	}
	for off, n := 0, 0; off < len(v); n++ {
		if n == MaxListElements {
			return ErrTooManyElements
		}
		var elem []byte
		elem, off = NextElement(v, off)
		if len(elem) == 0 {
			return ErrBadVia
		}
		var via Via
		if err := parseVia(elem, &via); err != nil {
			return err
		}
		if first && n == 0 {
			m.topVia = via
		}
	}
	return nil
}

// checkCSeq parses the CSeq and, for a request, requires its method to equal
// the request method (RFC 3261 §8.1.1.5; RFC 4475 mismatch01, mismatch02).
// Methods are case-sensitive. The first CSeq's number and method are kept.
func (m *Message) checkCSeq(v []byte, first bool) error {
	num, method, err := ParseCSeq(v)
	if err != nil {
		return err
	}
	if first {
		m.cseqNum, m.cseqMeth = num, method
	}
	if m.req && !bytes.Equal(method, m.Method()) {
		return ErrBadCSeq
	}
	return nil
}

// checkCallID requires a non-empty Call-ID without white space
// (RFC 3261 §25.1 callid = word [ "@" word ]).
func checkCallID(v []byte) error {
	if len(v) == 0 {
		return ErrBadHeader
	}
	for _, c := range v {
		if class[c]&cLWS != 0 {
			return ErrBadHeader
		}
	}
	return nil
}

// checkDate requires the RFC 1123 form of RFC 3261 §20.17, which allows GMT
// only: wkday "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT
// SP "GMT", as in "Sat, 15 Oct 2005 04:44:56 GMT" (RFC 4475 baddate).
func checkDate(v []byte) error {
	const layout = "www, dd mmm yyyy dd:dd:dd GMT"
	if len(v) != len(layout) {
		return ErrBadDate
	}
	if !oneOf(v[0:3], "mon tue wed thu fri sat sun") ||
		!oneOf(v[8:11], "jan feb mar apr may jun jul aug sep oct nov dec") {
		return ErrBadDate
	}
	for i := 3; i < len(layout); i++ {
		switch c := layout[i]; {
		case c == 'd' || c == 'y':
			if class[v[i]]&cDigit == 0 {
				return ErrBadDate
			}
		case c == 'm':
		case lower(v[i]) != lower(c):
			return ErrBadDate
		}
	}
	return nil
}

// oneOf reports whether the three bytes b equal, ignoring case, one of the
// space-separated three-letter words in list.
func oneOf(b []byte, list string) bool {
	for i := 0; i+3 <= len(list); i += 4 {
		if eqLower(b, list[i:i+3]) {
			return true
		}
	}
	return false
}
