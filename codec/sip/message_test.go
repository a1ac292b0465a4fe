package sip

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// minimal returns a valid request with extra header lines inserted after
// the mandatory ones and the given body.
func minimal(extra []string, body string) []byte {
	lines := []string{
		"OPTIONS sip:bob@example.com SIP/2.0",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1",
		"From: <sip:alice@example.com>;tag=a1",
		"To: <sip:bob@example.com>",
		"Call-ID: x1@192.0.2.1",
		"CSeq: 1 OPTIONS",
	}
	lines = append(lines, extra...)
	lines = append(lines, "")
	return append(crlf(lines...), body...)
}

func mustParse(t *testing.T, b []byte) *Message {
	t.Helper()
	m := new(Message)
	if err := m.Parse(b); err != nil {
		t.Fatalf("Parse: %v\n%s", err, b)
	}
	return m
}

func TestParseRequest(t *testing.T) {
	m := mustParse(t, benchRegister)
	if !m.IsRequest() || string(m.Method()) != "REGISTER" ||
		string(m.RequestURI()) != "sip:sigproxy.test" {
		t.Fatalf("start line: req %v method %q uri %q", m.IsRequest(), m.Method(), m.RequestURI())
	}
	if string(m.StartLine()) != "REGISTER sip:sigproxy.test SIP/2.0\r\n" {
		t.Fatalf("StartLine = %q", m.StartLine())
	}
	if m.StatusCode() != 0 || m.Reason() != nil {
		t.Fatalf("request has status %d reason %q", m.StatusCode(), m.Reason())
	}
	if m.NumHeaders() != 15 {
		t.Fatalf("NumHeaders = %d", m.NumHeaders())
	}
	h := m.Header(0)
	if h.ID != HdrVia || string(h.Name) != "Via" ||
		string(h.Value) != "SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1;rport" ||
		string(h.Line) != "Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1;rport\r\n" {
		t.Fatalf("Header(0) = %+v", h)
	}
	if v, ok := m.Get(HdrSecurityClient); !ok ||
		string(v) != "ascon128a-v12;q=0.9, hmac-sha256;q=0.5" {
		t.Fatalf("Get(Security-Client) = %q %v", v, ok)
	}
	if _, ok := m.Get(HdrSecurityVerify); ok {
		t.Fatal("Get found an absent header")
	}
	if len(m.Body()) != 0 || m.HeadersEnd() != len(benchRegister) {
		t.Fatalf("body %q, headers end %d of %d", m.Body(), m.HeadersEnd(), len(benchRegister))
	}
	if !bytes.Equal(m.Bytes(), benchRegister) {
		t.Fatal("Bytes differs from the input")
	}
}

func TestParseResponse(t *testing.T) {
	m := mustParse(t, bench200)
	if m.IsRequest() || m.StatusCode() != 200 || string(m.Reason()) != "OK" {
		t.Fatalf("status %d reason %q", m.StatusCode(), m.Reason())
	}
	if m.Method() != nil || m.RequestURI() != nil {
		t.Fatal("response has a method or Request-URI")
	}
	if m.Count(HdrVia) != 2 || m.Index(HdrVia, 0) != 0 || m.Index(HdrVia, 1) != 1 ||
		m.Index(HdrVia, 2) != -1 {
		t.Fatalf("Via count %d", m.Count(HdrVia))
	}
	if i := m.Index(HdrKeyDistribution, 0); i < 0 || m.Header(i).ID != HdrKeyDistribution {
		t.Fatalf("Index(Key-Distribution) = %d", i)
	}
}

func TestParseEmptyReason(t *testing.T) {
	b := bytes.Replace(bench200, []byte("200 OK\r\n"), []byte("180 \r\n"), 1)
	m := mustParse(t, b)
	if m.StatusCode() != 180 || m.Reason() == nil || len(m.Reason()) != 0 {
		t.Fatalf("status %d reason %q", m.StatusCode(), m.Reason())
	}
}

func TestParseBareLF(t *testing.T) {
	b := bytes.ReplaceAll(minimal([]string{"Content-Length: 4"}, "body"), []byte("\r\n"), []byte("\n"))
	m := mustParse(t, b)
	if string(m.Body()) != "body" || m.NumHeaders() != 6 {
		t.Fatalf("body %q headers %d", m.Body(), m.NumHeaders())
	}
	if l := m.Header(0).Line; l[len(l)-1] != '\n' || bytes.IndexByte(l, '\r') >= 0 {
		t.Fatalf("Line = %q", l)
	}
}

func TestParseMixedLineEnds(t *testing.T) {
	b := []byte("OPTIONS sip:b@example.com SIP/2.0\n" +
		"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\n" +
		"To: <sip:b@c>\r\nCall-ID: c\nCSeq: 1 OPTIONS\r\n\n")
	mustParse(t, b)
}

func TestParseFolded(t *testing.T) {
	b := minimal([]string{"Subject: first", "\tsecond,", "  third", "Max-Forwards: 70"}, "")
	m := mustParse(t, b)
	v, _ := m.Get(HdrSubject)
	if string(v) != "first\r\n\tsecond,\r\n  third" {
		t.Fatalf("folded value = %q", v)
	}
	it := m.List(HdrSubject)
	var got []string
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		got = append(got, string(e))
	}
	if len(got) != 2 || got[0] != "first\r\n\tsecond" || got[1] != "third" {
		t.Fatalf("elements %q", got)
	}
	if mf, _ := m.Get(HdrMaxForwards); string(mf) != "70" {
		t.Fatalf("header after fold = %q", mf)
	}
}

func TestParseValueOnNextLine(t *testing.T) {
	m := mustParse(t, minimal([]string{"Subject:", "  on the next line  ", "Event :  "}, ""))
	if v, _ := m.Get(HdrSubject); string(v) != "on the next line" {
		t.Fatalf("Subject = %q", v)
	}
	if v, ok := m.Get(HdrEvent); !ok || len(v) != 0 {
		t.Fatalf("empty Event = %q %v", v, ok)
	}
}

func TestParseCompactAndCase(t *testing.T) {
	b := crlf(
		"INVITE sip:bob@example.com SIP/2.0",
		"v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
		"f: <sip:alice@example.com>;tag=a1",
		"T: sip:bob@example.com",
		"i: x1",
		"cSEQ: 1 INVITE",
		"m: <sip:alice@192.0.2.1>",
		"c: application/sdp",
		"K: path",
		"L: 3",
		"",
		"v=0")
	m := mustParse(t, b)
	for _, id := range []HeaderID{HdrVia, HdrFrom, HdrTo, HdrCallID, HdrCSeq, HdrContact,
		HdrContentType, HdrSupported, HdrContentLength} {
		if m.Count(id) != 1 {
			t.Errorf("%v count %d", id, m.Count(id))
		}
	}
	if string(m.Body()) != "v=0" || string(m.Header(2).Name) != "T" {
		t.Fatalf("body %q name %q", m.Body(), m.Header(2).Name)
	}
}

func TestParseContentLength(t *testing.T) {
	// With Content-Length the body is exactly that long; extra bytes are ignored.
	m := mustParse(t, minimal([]string{"Content-Length: 2"}, "abcd"))
	if string(m.Body()) != "ab" {
		t.Fatalf("body %q", m.Body())
	}
	// Without it the body is the rest of the datagram (UDP).
	if m = mustParse(t, minimal(nil, "abcd")); string(m.Body()) != "abcd" {
		t.Fatalf("body %q", m.Body())
	}
	m = mustParse(t, minimal([]string{"l:  004 "}, "abcd"))
	if string(m.Body()) != "abcd" {
		t.Fatalf("body %q", m.Body())
	}
	for _, cl := range []string{"5", "-1", "", "1 2", "0x10", "65536", "99999999999999999999999"} {
		err := new(Message).Parse(minimal([]string{"Content-Length: " + cl}, "abcd"))
		if !errors.Is(err, ErrBadContentLength) {
			t.Errorf("Content-Length %q: err %v", cl, err)
		}
	}
	// A second, malformed Content-Length is rejected too, and so is one with
	// another number: readers taking the first or the last would frame the
	// body differently. The same number repeated is accepted.
	for _, cls := range [][]string{{"l: 0", "l: x"}, {"l: 4", "Content-Length: 0"},
		{"l: 0", "l: 0", "l: 2"}} {
		err := new(Message).Parse(minimal(cls, "abcd"))
		if !errors.Is(err, ErrBadContentLength) {
			t.Errorf("Content-Length %q: %v", cls, err)
		}
	}
	m = mustParse(t, minimal([]string{"l: 2", "Content-Length: 002"}, "abcd"))
	if string(m.Body()) != "ab" {
		t.Fatalf("body %q", m.Body())
	}
}

func TestParseLeadingCRLF(t *testing.T) {
	b := append([]byte("\r\n\r\n"), benchRegister...)
	m := mustParse(t, b)
	if !bytes.HasPrefix(m.StartLine(), []byte("REGISTER ")) {
		t.Fatalf("StartLine = %q", m.StartLine())
	}
}

func TestParseStartLineErrors(t *testing.T) {
	cases := []struct {
		line string
		want error
	}{
		{"OPTIONS sip:b@example.com SIP/2.1", ErrBadVersion},
		{"OPTIONS sip:b@example.com SIP/20", ErrBadVersion},
		{"OPTIONS sip:b@example.com HTTP/1.1", ErrBadVersion},
		{"OPTIONS sip:b@example.com", ErrBadStartLine},
		{"OPTIONS", ErrBadStartLine},
		{"", ErrBadStartLine},
		{" OPTIONS sip:b@example.com SIP/2.0", ErrBadStartLine},
		{"OPT(IONS sip:b@example.com SIP/2.0", ErrBadStartLine},
		{"OPTIONS sip:b@example.com SIP/2.0 ", ErrBadStartLine},
		{"OPTIONS  sip:b@example.com SIP/2.0", ErrBadStartLine},
		{"OPTIONS sip:b@example.com\tSIP/2.0", ErrBadStartLine},
		{"OPTIONS sip:b@exa mple.com SIP/2.0", ErrBadURI},
		{"OPTIONS <sip:b@example.com> SIP/2.0", ErrBadURI},
		{"OPTIONS sip:b@example.com?Subject=x SIP/2.0", ErrBadURI},
		{"OPTIONS sip:b@[::1 SIP/2.0", ErrBadURI},
		{"OPTIONS sip:b@example.com:99999 SIP/2.0", ErrBadURI},
		{"OPTIONS example.com SIP/2.0", ErrBadURI},
		{"OPTIONS 1sip:b SIP/2.0", ErrBadURI},
		{"OPTIONS sip:b@example.com\x00 SIP/2.0", ErrBadURI},
		{"OPTIONS sip:b@example.com\r SIP/2.0", ErrBadStartLine},
		{"SIP/2.0 99 Too Low", ErrBadStatus},
		{"SIP/2.0 700 Too High", ErrBadStatus},
		{"SIP/2.0 20 Short", ErrBadStatus},
		{"SIP/2.0 2000 Long", ErrBadStatus},
		{"SIP/2.0 2x0 Letters", ErrBadStatus},
		{"SIP/2.0 200", ErrBadStartLine},
		{"SIP/2.0 200\tOK", ErrBadStartLine},
		{"SIP/2.0 200 O\x00K", ErrBadStartLine},
		{"SIP/3.0 200 OK", ErrBadVersion},
		{"SIP/2.0", ErrBadStartLine},
	}
	for _, c := range cases {
		b := bytes.Replace(minimal(nil, ""), []byte("OPTIONS sip:bob@example.com SIP/2.0"),
			[]byte(c.line), 1)
		if err := new(Message).Parse(b); !errors.Is(err, c.want) {
			t.Errorf("%q: err %v, want %v", c.line, err, c.want)
		}
	}
}

func TestParseVersionCase(t *testing.T) {
	b := bytes.Replace(minimal(nil, ""), []byte("SIP/2.0\r\n"), []byte("sip/2.0\r\n"), 1)
	mustParse(t, b)
	mustParse(t, bytes.Replace(bench200, []byte("SIP/2.0 200"), []byte("Sip/2.0 200"), 1))
}

func TestParseHeaderErrors(t *testing.T) {
	cases := []struct {
		name  string
		extra []string
		want  error
	}{
		{"no colon", []string{"Subject"}, ErrBadHeader},
		{"space in name", []string{"Sub ject: x"}, ErrBadHeader},
		{"empty name", []string{": x"}, ErrBadHeader},
		{"non-token name", []string{"Sub@ject: x"}, ErrBadHeader},
		{"bare CR in value", []string{"Subject: a\rb"}, ErrBadHeader},
		{"NUL in name", []string{"Sub\x00ject: x"}, ErrBadHeader},
		{"empty Call-ID", []string{"Call-ID:"}, ErrBadHeader},
		{"Call-ID with space", []string{"i: a b"}, ErrBadHeader},
		{"Date not GMT", []string{"Date: Sat, 15 Oct 2005 04:44:56 EST"}, ErrBadDate},
		{"Date short", []string{"Date: Sat, 5 Oct 2005 04:44:56 GMT"}, ErrBadDate},
		{"Date weekday", []string{"Date: Sun, 15 Okt 2005 04:44:56 GMT"}, ErrBadDate},
		{"Date digits", []string{"Date: Sat, 15 Oct 2005 04:4x:56 GMT"}, ErrBadDate},
		{"Via empty", []string{"Via:"}, ErrBadVia},
		{"Via empty element", []string{"Via: SIP/2.0/UDP h,,SIP/2.0/UDP g"}, ErrBadVia},
		{"Via trailing comma", []string{"Via: SIP/2.0/UDP h ,"}, ErrBadVia},
		{"Contact trailing comma", []string{"Contact: <sip:a@b>,"}, ErrBadNameAddr},
		{"Contact empty", []string{"Contact:"}, ErrBadNameAddr},
		{"CSeq too big", []string{"CSeq: 2147483648 OPTIONS"}, ErrBadCSeq},
		{"CSeq method", []string{"CSeq: 2 options"}, ErrBadCSeq},
		{"To quote", []string{`To: "Bob <sip:b@example.com>`}, ErrBadNameAddr},
		{"Contact star list", []string{"Contact: *, <sip:a@b>"}, ErrBadNameAddr},
		{"Contact empty element", []string{"Contact: <sip:a@b>,,<sip:c@d>"}, ErrBadNameAddr},
		{"Contact param", []string{"Contact: <sip:a@b>;;expires=1"}, ErrBadParam},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := new(Message).Parse(minimal(c.extra, ""))
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
		})
	}
}

func TestParseTruncated(t *testing.T) {
	full := minimal(nil, "")
	for _, n := range []int{0, 5, 40, len(full) - 2, len(full) - 1} {
		if err := new(Message).Parse(full[:n]); !errors.Is(err, ErrTruncated) {
			t.Errorf("first %d bytes: err %v", n, err)
		}
	}
	if err := new(Message).Parse([]byte("\r\n\r\n")); !errors.Is(err, ErrTruncated) {
		t.Errorf("keep-alive: err %v", err)
	}
}

func TestParseMissingHeader(t *testing.T) {
	for _, drop := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		var lines []string
		for _, l := range strings.Split(string(minimal([]string{"Max-Forwards: 70"}, "")), "\r\n") {
			if !strings.HasPrefix(l, drop+":") {
				lines = append(lines, l)
			}
		}
		m := new(Message)
		err := m.Parse([]byte(strings.Join(lines, "\r\n")))
		var he *HeaderError
		if !errors.Is(err, ErrMissingHeader) || !errors.As(err, &he) || he.Header().String() != drop {
			t.Fatalf("without %s: err %v", drop, err)
		}
		if err.Error() != "sip: missing header ("+drop+")" {
			t.Errorf("Error() = %q", err.Error())
		}
		// The rest of the message is parsed, so a 400 can be built.
		if mf, ok := m.Get(HdrMaxForwards); !ok || string(mf) != "70" || m.NumHeaders() != 5 {
			t.Fatalf("message not populated after ErrMissingHeader")
		}
	}
}

func TestParseLimits(t *testing.T) {
	big := make([]byte, MaxMessageSize+1)
	if err := new(Message).Parse(big); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("too large: %v", err)
	}
	long := "Subject: " + strings.Repeat("x", MaxLineLength)
	if err := new(Message).Parse(minimal([]string{long}, "")); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("long line: %v", err)
	}
	folded := []string{"Subject: " + strings.Repeat("x", MaxLineLength/2),
		" " + strings.Repeat("y", MaxLineLength/2)}
	if err := new(Message).Parse(minimal(folded, "")); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("long folded line: %v", err)
	}
	fits := "Subject: " + strings.Repeat("x", MaxLineLength-len("Subject: \r\n"))
	mustParse(t, minimal([]string{fits}, ""))
	longURI := "OPTIONS sip:" + strings.Repeat("a", MaxLineLength) + " SIP/2.0\r\n"
	if err := new(Message).Parse([]byte(longURI)); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("long start line: %v", err)
	}
	var many []string
	for len(many) < MaxHeaders-5 {
		many = append(many, "Subject: x")
	}
	mustParse(t, minimal(many, ""))
	many = append(many, "Subject: x")
	if err := new(Message).Parse(minimal(many, "")); !errors.Is(err, ErrTooManyHeaders) {
		t.Errorf("too many headers: %v", err)
	}
}

func TestParseNUL(t *testing.T) {
	// NUL inside values is data (RFC 4475 intmeth has one in a quoted pair).
	m := mustParse(t, minimal([]string{"Subject: a\x00b"}, "\x00\x00"))
	if v, _ := m.Get(HdrSubject); string(v) != "a\x00b" || string(m.Body()) != "\x00\x00" {
		t.Fatalf("value %q body %q", v, m.Body())
	}
	for i := range benchRegister {
		b := bytes.Clone(benchRegister)
		b[i] = 0
		var m Message
		_ = m.Parse(b) // must not panic wherever the NUL lands
	}
}

func TestMessageReuseAndZero(t *testing.T) {
	var m Message
	if m.NumHeaders() != 0 || len(m.Body()) != 0 || m.StatusCode() != 0 ||
		m.Method() != nil || m.Bytes() != nil || len(m.StartLine()) != 0 {
		t.Fatal("zero Message not empty")
	}
	if _, ok := m.Get(HdrVia); ok || m.Index(HdrVia, 0) != -1 || m.Count(HdrVia) != 0 {
		t.Fatal("zero Message has headers")
	}
	if h := m.Header(0); h.ID != HdrOther || h.Line != nil {
		t.Fatal("Header out of range not zero")
	}
	if err := m.Parse(bench200); err != nil {
		t.Fatal(err)
	}
	if err := m.Parse(benchRegister); err != nil {
		t.Fatal(err)
	}
	if m.StatusCode() != 0 || m.Count(HdrVia) != 1 || m.Count(HdrKeyDistribution) != 0 {
		t.Fatal("state from the previous Parse survived")
	}
	if h := m.Header(-1); h.Value != nil || m.Header(m.NumHeaders()).Value != nil {
		t.Fatal("Header out of range not zero")
	}
	_ = m.Parse([]byte("garbage"))
	m.Reset()
	if m.Bytes() != nil || m.NumHeaders() != 0 {
		t.Fatal("Reset kept state")
	}
}

func TestHeaderErrorText(t *testing.T) {
	err := new(Message).Parse(minimal([]string{`Contact: "x <sip:a@b>`}, ""))
	var he *HeaderError
	if !errors.As(err, &he) || he.Header() != HdrContact || he.Unwrap() != ErrBadNameAddr {
		t.Fatalf("err %v", err)
	}
	if err.Error() != "sip: bad name-addr (Contact)" {
		t.Fatalf("Error() = %q", err.Error())
	}
	if headerErr(HdrOther, ErrBadHeader) != ErrBadHeader || headerErr(HdrVia, ErrBadAuth) != ErrBadAuth {
		t.Fatal("headerErr wrapped an error it has no slot for")
	}
}

func TestDecodedFields(t *testing.T) {
	m := mustParse(t, bench200)
	v := m.TopVia()
	if string(v.Host) != "127.0.0.1" || v.Port != 5060 || string(v.Branch) != "z9hG4bK.p2" ||
		string(v.Transport) != "UDP" || v.HasRPort {
		t.Fatalf("TopVia = %+v", v)
	}
	if n, method := m.CSeq(); n != 2 || string(method) != "REGISTER" {
		t.Fatalf("CSeq() = %d %q", n, method)
	}
	if string(m.FromTag()) != "ft1" || string(m.ToTag()) != "tt9" {
		t.Fatalf("tags %q %q", m.FromTag(), m.ToTag())
	}
	// A request without a To tag, a quoted tag, and a second From that does
	// not count.
	m = mustParse(t, minimal([]string{"Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK2;rport"}, ""))
	if m.ToTag() != nil || string(m.TopVia().Branch) != "z9hG4bK1" || m.TopVia().HasRPort {
		t.Fatalf("to tag %q, top via %+v", m.ToTag(), m.TopVia())
	}
	b := bytes.Replace(minimal(nil, ""), []byte(";tag=a1"), []byte(`;TAG="q 1";tag=z`), 1)
	if m = mustParse(t, b); string(m.FromTag()) != "q 1" {
		t.Fatalf("quoted tag %q", m.FromTag())
	}
	// Fields decoded before a later error are kept; the zero values otherwise.
	var bad Message
	if bad.Parse(minimal([]string{"CSeq: x"}, "")) == nil {
		t.Fatal("accepted a bad CSeq")
	}
	if bad.Reset(); bad.TopVia().Host != nil || bad.FromTag() != nil {
		t.Fatal("Reset kept decoded fields")
	}
	if n, method := bad.CSeq(); n != 0 || method != nil {
		t.Fatal("Reset kept the CSeq")
	}
}

// TestStartLineFast holds the one-pass start-line reading to the full one
// on lines near the usual shapes, accepted and rejected.
func TestStartLineFast(t *testing.T) {
	lines := []string{
		"REGISTER sip:sigproxy.test SIP/2.0", "INVITE sip:bob@[2001:db8::1]:5060 sip/2.0",
		"OPTIONS sip:a@b SIP/2.0 ", "OPTIONS  sip:a@b SIP/2.0", "OPTIONS sip:a@b  SIP/2.0",
		"OPTIONS sip:a@b SIP/2.1", "OPTIONS sip:a@b SIP/2.00", "OPTIONS sip:a@b\tSIP/2.0",
		"OPTIONS sip:a@b?x=y SIP/2.0", "OPTIONS tel:+123 SIP/2.0", "OPTIONS 1sip:a SIP/2.0",
		"OPTIONS sip:a b SIP/2.0", "OPT<ONS sip:a@b SIP/2.0", " OPTIONS sip:a@b SIP/2.0",
		"OPTIONS sip:a@b:99999 SIP/2.0", "OPTIONS sip:a@b\rSIP/2.0", "OPTIONS SIP/2.0",
		"SIP/2.0 200 OK", "sip/2.0 100 Trying", "SIP/2.0 099 x", "SIP/2.0 700 x",
		"SIP/2.0 200", "SIP/2.0 200 ", "SIP/2.0 2000 OK", "SIP/2.0  200 OK", "SIP/2.0 20a OK",
		"SIP/2.0 200 O\x01K", "SIP/2.0 200 O\tK", "SIP/2.0 200 O\x7fK", "SIP/2.1 200 OK",
		"SIP/2.0 600 Busy Everywhere", "SIP/2.0/200 OK", "SIP/2.0 200 OK\r",
	}
	for _, l := range lines {
		for _, end := range []string{"\r\n", "\n", "\r\r\n"} {
			checkStartLine(t, []byte(l+end+"Via: x\r\n\r\n"))
			checkStartLine(t, []byte("\r\n"+l+end))
		}
	}
}
