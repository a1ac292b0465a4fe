package sip

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that a message it accepts
// parses again to the same result, and that every view lies in the buffer.
func FuzzParse(f *testing.F) {
	f.Add(benchRegister)
	f.Add(bench200)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		err := m.Parse(b)
		checkFraming(t, b, err == nil)
		checkStartLine(t, b)
		if err != nil {
			if m.NumHeaders() > MaxHeaders {
				t.Fatalf("%d headers after error", m.NumHeaders())
			}
			return
		}
		checkViews(t, &m, b)
		var again Message
		if err := again.Parse(bytes.Clone(b)); err != nil {
			t.Fatalf("second parse: %v", err)
		}
		if again.NumHeaders() != m.NumHeaders() || !bytes.Equal(again.StartLine(), m.StartLine()) ||
			!bytes.Equal(again.Body(), m.Body()) || again.StatusCode() != m.StatusCode() {
			t.Fatal("second parse differs")
		}
		checkAccepted(t, &m)
		checkDecoded(t, &m)
		for id := HdrOther; id < hdrCount; id++ {
			it := m.List(id)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				if !inside(b, e) || len(e) == 0 {
					t.Fatalf("element %q outside the buffer or empty", e)
				}
			}
		}
	})
}

func checkViews(t *testing.T, m *Message, b []byte) {
	t.Helper()
	if !inside(b, m.StartLine()) || !inside(b, m.Body()) || !inside(b, m.Method()) ||
		!inside(b, m.RequestURI()) || !inside(b, m.Reason()) {
		t.Fatal("start line or body outside the buffer")
	}
	if m.IsRequest() == (m.StatusCode() != 0) {
		t.Fatalf("request %v with status %d", m.IsRequest(), m.StatusCode())
	}
	for i := 0; i < m.NumHeaders(); i++ {
		h := m.Header(i)
		if !inside(b, h.Line) || !inside(h.Line, h.Value) || !inside(h.Line, h.Name) ||
			len(h.Name) == 0 || LookupHeader(h.Name) != h.ID {
			t.Fatalf("header %d: %+v", i, h)
		}
		if v, ok := m.Get(h.ID); !ok || !inside(b, v) {
			t.Fatalf("Get(%v) fails for a present header", h.ID)
		}
	}
	for _, id := range mandatory {
		if _, ok := m.Get(id); !ok {
			t.Fatalf("accepted without %v", id)
		}
	}
}

// checkAccepted asserts that what Parse accepted, the helpers accept too.
func checkAccepted(t *testing.T, m *Message) {
	t.Helper()
	it := m.List(HdrVia)
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		if _, err := ParseVia(e); err != nil {
			t.Fatalf("Parse accepted Via %q that ParseVia rejects: %v", e, err)
		}
	}
	cseq, _ := m.Get(HdrCSeq)
	if _, method, err := ParseCSeq(cseq); err != nil || m.IsRequest() && !bytes.Equal(method, m.Method()) {
		t.Fatalf("CSeq %q: %v", cseq, err)
	}
	if cl, ok := m.Get(HdrContentLength); ok {
		if n, err := contentLength(cl); err != nil || n != len(m.Body()) {
			t.Fatalf("Content-Length %q but body of %d bytes", cl, len(m.Body()))
		}
	}
	if u := m.RequestURI(); m.IsRequest() && bytes.HasPrefix(bytes.ToLower(u), []byte("sip")) {
		if c := bytes.IndexByte(u, ':'); isSIPScheme(u[:c]) {
			if _, err := ParseURI(u); err != nil {
				t.Fatalf("Request-URI %q: %v", u, err)
			}
		}
	}
}

// checkDecoded asserts that the fields Parse keeps equal what the helpers
// read from the first Via, CSeq, From and To values.
func checkDecoded(t *testing.T, m *Message) {
	t.Helper()
	via, _ := m.Get(HdrVia)
	top, _ := NextElement(via, 0)
	want, err := ParseVia(top)
	if got := m.TopVia(); err != nil || !sameVia(got, want) {
		t.Fatalf("TopVia %+v, ParseVia(%q) %+v %v", got, top, want, err)
	}
	cseq, _ := m.Get(HdrCSeq)
	num, method, _ := ParseCSeq(cseq)
	if n, meth := m.CSeq(); n != num || !bytes.Equal(meth, method) {
		t.Fatalf("CSeq() %d %q, ParseCSeq(%q) %d %q", n, meth, cseq, num, method)
	}
	from, _ := m.Get(HdrFrom)
	to, _ := m.Get(HdrTo)
	if !sameView(m.FromTag(), Tag(from)) || !sameView(m.ToTag(), Tag(to)) {
		t.Fatalf("tags %q %q, Tag says %q %q", m.FromTag(), m.ToTag(), Tag(from), Tag(to))
	}
}

func sameVia(a, b Via) bool {
	return sameView(a.Transport, b.Transport) && sameView(a.Host, b.Host) && a.Port == b.Port &&
		sameView(a.Branch, b.Branch) && sameView(a.Received, b.Received) &&
		a.RPort == b.RPort && a.HasRPort == b.HasRPort && sameView(a.Params, b.Params)
}

// sameView reports whether a and b are the same bytes and both nil or both
// not.
func sameView(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

// checkFraming asserts that whatever header section the fast pass accepts,
// the slow pass, which decides errors, accepts with the same table, and
// that the fast pass accepts every message Parse accepts (else it would
// only cost time).
// checkStartLine holds the one-pass reading of the start line to the full
// one: the same error, or the same fields.
func checkStartLine(t *testing.T, b []byte) {
	t.Helper()
	if len(b) > MaxMessageSize {
		return
	}
	var fast, full Message
	fast.buf, full.buf = b, b
	endFast, errFast := fast.startLine(true)
	endFull, errFull := full.startLine(false)
	same := fast.req == full.req && fast.status == full.status && fast.a0 == full.a0 &&
		fast.a1 == full.a1 && fast.u0 == full.u0 && fast.u1 == full.u1
	if errFast != errFull || errFull == nil && (endFast != endFull || !same) {
		t.Fatalf("start line of %q: one pass (%d, %v), full reading (%d, %v)",
			b, endFast, errFast, endFull, errFull)
	}
}

func checkFraming(t *testing.T, b []byte, accepted bool) {
	t.Helper()
	if len(b) > MaxMessageSize {
		return
	}
	var fast, slow Message
	fast.buf, slow.buf = b, b
	pos, err := slow.parseStartLine()
	if err != nil {
		return
	}
	end, ok := fast.frameFast(pos)
	slowEnd, err := slow.parseHeaders(pos)
	if ok && (err != nil || end != slowEnd || fast.n != slow.n || fast.first != slow.first ||
		fast.hdrs != slow.hdrs) || accepted && !ok {
		t.Fatalf("fast pass (%d, %v) and slow pass (%d, %v) differ", end, ok, slowEnd, err)
	}
}

// FuzzVia checks ParseVia's views and ranges, and that rewriting a good
// via-parm with received and rport gives one that parses to the same host.
func FuzzVia(f *testing.F) {
	f.Add([]byte("SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1;rport"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseVia(b)
		if err != nil {
			if !errors.Is(err, ErrBadVia) && !errors.Is(err, ErrTooManyParams) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, s := range [][]byte{v.Transport, v.Host, v.Branch, v.Received, v.Params} {
			if !inside(b, s) {
				t.Fatal("view outside the input")
			}
		}
		if len(v.Host) == 0 || len(v.Transport) == 0 || v.Port < 0 || v.Port > maxPort ||
			v.RPort < 0 || v.RPort > maxPort || v.RPort != 0 && !v.HasRPort {
			t.Fatalf("bad fields %+v", v)
		}
		out := AppendViaReceived(nil, b, []byte("192.0.2.1"), 5060)
		w, err := ParseVia(out)
		if errors.Is(err, ErrTooManyParams) {
			return // the input was at the limit; AppendViaReceived's doc says so
		}
		if err != nil || !bytes.Equal(w.Host, v.Host) || string(w.Received) != "192.0.2.1" ||
			w.HasRPort != v.HasRPort || w.HasRPort && w.RPort != 5060 {
			t.Fatalf("rewrite %q -> %q: %+v %v", b, out, w, err)
		}
	})
}

// FuzzMechanism checks ParseMechanism's error contract and views.
func FuzzMechanism(f *testing.F) {
	f.Add([]byte("ascon128a-v12;q=0.9"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMechanism(b)
		switch {
		case err == nil, errors.Is(err, ErrBadQValue), errors.Is(err, ErrBadParam),
			errors.Is(err, ErrTooManyParams):
			if len(m.Name) == 0 || !bytes.HasPrefix(m.Raw, m.Name) ||
				!bytes.HasSuffix(m.Raw, m.Params) || !inside(b, m.Raw) {
				t.Fatalf("fields %+v for %q", m, b)
			}
		case errors.Is(err, ErrBadMechanism):
			if m.Name != nil {
				t.Fatalf("name %q with ErrBadMechanism", m.Name)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
		if m.Q < -1 || m.Q > 1000 || err != nil && m.Q != -1 {
			t.Fatalf("Q = %d with err %v", m.Q, err)
		}
		if _, ok := Param(m.Params, "q"); err == nil && !ok && m.Q != -1 {
			t.Fatalf("Q = %d without a q parameter", m.Q)
		}
	})
}

// FuzzAuthParam checks that the auth helpers return views into the input
// and that a value CheckAuth accepts yields each of its parameter names.
func FuzzAuthParam(f *testing.F) {
	f.Add([]byte(digestAuth))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s := AuthScheme(b); !inside(b, s) || !IsToken(s) && len(s) > 0 {
			t.Fatalf("scheme %q", s)
		}
		for _, name := range []string{"username", "realm", "nonce", "response", "q", ""} {
			if v, ok := AuthParam(b, name); !inside(b, v) || v != nil && !ok {
				t.Fatalf("AuthParam(%q) = %q %v", name, v, ok)
			}
			if v, _ := ListParam(b, name); !inside(b, v) {
				t.Fatalf("ListParam(%q) = %q", name, v)
			}
		}
		if err := CheckAuth(b); err != nil {
			if !errors.Is(err, ErrBadAuth) && !errors.Is(err, ErrTooManyParams) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		i := skipClass(b, skipLWS(b, 0), cToken)
		for n := 0; i < len(b); n++ {
			p, next := nextAuthParam(b, i)
			if _, ok := AuthParam(b, string(p.name.of(b))); !ok {
				t.Fatalf("CheckAuth accepted %q but AuthParam misses %q", b, p.name.of(b))
			}
			i = next
		}
	})
}
