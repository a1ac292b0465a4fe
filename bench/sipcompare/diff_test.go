package sipcompare

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
	"github.com/sigproxy/sigproxy/codec/sip"
)

// stricter lists the errors with which codec/sip may reject a message that
// sipgo accepts, each a rule codec/sip applies and sipgo does not (README.md,
// "Intentional differences"). Any other error on a message sipgo accepts is
// a finding: framing (ErrTruncated, ErrBadContentLength) must agree.
var stricter = map[error]string{
	sip.ErrMissingHeader:   "Via, From, To, Call-ID and CSeq are required",
	sip.ErrBadStartLine:    "one SP between start-line parts, token method, no control bytes",
	sip.ErrBadVersion:      "SIP-Version must be SIP/2.0",
	sip.ErrBadStatus:       "status code 100 to 699",
	sip.ErrBadURI:          "Request-URI grammar, IPv6 references",
	sip.ErrBadHeader:       "token header names, no bare CR, Call-ID a word without LWS",
	sip.ErrBadVia:          "via-parm grammar",
	sip.ErrBadNameAddr:     "name-addr and addr-spec grammar of From, To, Contact",
	sip.ErrBadParam:        "generic-param grammar",
	sip.ErrBadCSeq:         "CSeq number below 2**31 and method equal to the request's",
	sip.ErrBadDate:         "RFC 1123 date in GMT",
	sip.ErrLineTooLong:     "MaxLineLength",
	sip.ErrTooManyHeaders:  "MaxHeaders",
	sip.ErrTooManyElements: "MaxListElements",
	sip.ErrTooManyParams:   "MaxParams",
}

// FuzzDifferential parses each input with sipgo and with codec/sip. Where
// sipgo accepts it, codec/sip must accept it too or reject it for a reason in
// stricter; where both accept it, they must agree on the method or status,
// the Call-ID, the CSeq number, the top Via branch and the number of header
// fields, except in the cases comparable leaves out (README.md).
func FuzzDifferential(f *testing.F) {
	for _, name := range benchMessages {
		f.Add(readMessage(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		theirs, ok := parseSipgo(b)
		if !ok || hasBareLF(b) {
			return
		}
		var m sip.Message
		if err := m.Parse(b); err != nil {
			if why := stricterReason(err, &m); why == "" {
				t.Fatalf("sipgo accepts, codec/sip rejects: %v\n%q", err, b)
			}
			return
		}
		if why := comparable(&m); why != "" {
			return
		}
		ours := summarize(&m)
		if ours.headers < 0 {
			theirs.headers = -1 // an empty list element: sipgo's count varies
		}
		if sipgoDropsViaParams(&m) {
			ours.branch, theirs.branch = "", ""
		}
		if ours != theirs {
			t.Fatalf("codec/sip %+v\nsipgo     %+v\n%q", ours, theirs, b)
		}
	})
}

// stricterReason returns why codec/sip may reject with err a message sipgo
// accepts, or "". ErrBadContentLength is excused only for Content-Length
// repeated with another value: sipgo frames the body by the last one,
// codec/sip refuses to choose.
func stricterReason(err error, m *sip.Message) string {
	if errors.Is(err, sip.ErrBadContentLength) && conflictingLengths(m) {
		return "Content-Length repeated with another value"
	}
	for e, why := range stricter {
		if errors.Is(err, e) {
			return why
		}
	}
	return ""
}

// conflictingLengths reports whether the message has Content-Length header
// values that are not all the same number (or not numbers).
func conflictingLengths(m *sip.Message) bool {
	first, seen := "", false
	for i := m.Index(sip.HdrContentLength, 0); i >= 0; i = m.Index(sip.HdrContentLength, i+1) {
		v := string(m.Header(i).Value)
		if _, err := strconv.ParseUint(v, 10, 64); err != nil {
			return true
		}
		if v = strings.TrimLeft(v, "0"); seen && v != first {
			return true
		}
		first, seen = v, true
	}
	return false
}

// summary is what the two parsers must agree on.
type summary struct {
	method string // upper case: sipgo upper-cases methods
	status int
	callID string
	cseq   uint32
	branch string
	// headers counts as sipgo does: one per element of Via, Contact, Route
	// and Record-Route, and a Content-Length added to a body without one.
	headers int
}

func summarize(m *sip.Message) summary {
	s := summary{
		method: strings.ToUpper(string(m.Method())),
		status: m.StatusCode(),
		branch: string(m.TopVia().Branch),
	}
	callID, _ := m.Get(sip.HdrCallID)
	s.callID = string(callID)
	s.cseq, _ = m.CSeq()
	for i := 0; i < m.NumHeaders(); i++ {
		h := m.Header(i)
		if !splitBySipgo(h.ID) {
			s.headers++
			continue
		}
		n := 0
		for off := 0; off < len(h.Value); n++ {
			var e []byte
			if e, off = sip.NextElement(h.Value, off); len(e) == 0 {
				s.headers = -1
				return s
			}
		}
		s.headers += max(n, 1)
	}
	if s.headers >= 0 && m.Count(sip.HdrContentLength) == 0 && len(m.Body()) > 0 {
		s.headers++ // sipgo adds Content-Length when it sets the body
	}
	return s
}

// splitBySipgo reports whether sipgo makes one header per comma-separated
// element of this header.
func splitBySipgo(id sip.HeaderID) bool {
	switch id {
	case sip.HdrVia, sip.HdrContact, sip.HdrRoute, sip.HdrRecordRoute:
		return true
	}
	return false
}

// comparable returns why the fields of an accepted message cannot be
// compared with sipgo's, or "": each reason is a documented difference.
func comparable(m *sip.Message) string {
	switch {
	case m.Count(sip.HdrCallID) > 1 || m.Count(sip.HdrCSeq) > 1:
		return "sipgo reports the last Call-ID or CSeq, codec/sip the first"
	}
	return ""
}

// sipgoDropsViaParams reports whether sipgo stops reading the top via-parm
// before its parameters, without an error: when the port after ':' is not
// bare digits up to the ';' (white space around it, which RFC 3261's
// COLON and SEMI allow, fails its strconv.Atoi), or when an IPv6 reference
// is followed by anything but ':' or ';'. Its branch is then empty.
func sipgoDropsViaParams(m *sip.Message) bool {
	v := m.TopVia()
	if len(v.Params) == 0 {
		return false
	}
	via, _ := m.Get(sip.HdrVia)
	elem, _ := sip.NextElement(via, 0)
	// Host and Params are views into elem: cap gives their offsets.
	gap := elem[cap(elem)-cap(v.Host)+len(v.Host) : len(elem)-len(v.Params)]
	if v.Host[0] == '[' {
		return len(gap) > 0 && gap[0] != ':'
	}
	c := bytes.IndexByte(gap, ':')
	if c < 0 {
		return false
	}
	_, err := strconv.Atoi(string(gap[c+1:]))
	return err != nil
}

// parseSipgo parses b with sipgo and summarizes it; ok is false when sipgo
// rejects b or panics on it.
func parseSipgo(b []byte) (s summary, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	msg, err := sipgo.NewParser().ParseSIP(b)
	if err != nil {
		return summary{}, false
	}
	switch r := msg.(type) {
	case *sipgo.Request:
		s.method = string(r.Method)
	case *sipgo.Response:
		s.status = r.StatusCode
	}
	if c := msg.CallID(); c != nil {
		s.callID = string(*c)
	}
	if c := msg.CSeq(); c != nil {
		s.cseq = c.SeqNo
	}
	if v := msg.Via(); v != nil {
		for _, kv := range v.Params {
			if strings.EqualFold(kv.K, "branch") {
				s.branch = kv.V
				break
			}
		}
	}
	if hs, ok := msg.(interface{ Headers() []sipgo.Header }); ok {
		s.headers = len(hs.Headers())
	}
	return s, true
}

// hasBareLF reports whether an LF without a CR before it comes before the
// end of sipgo's header section (the first empty CRLF line). codec/sip ends a
// line there; sipgo keeps the LF inside the line, so the two read different
// messages and neither outcome says anything about the other.
func hasBareLF(b []byte) bool {
	if end := bytes.Index(b, []byte("\r\n\r\n")); end >= 0 {
		b = b[:end]
	}
	return bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n"))
}
