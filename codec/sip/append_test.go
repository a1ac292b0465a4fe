package sip

import (
	"bytes"
	"testing"
)

func TestAppendHeader(t *testing.T) {
	got := AppendHeader([]byte("X"), "Security-Server", []byte("ascon128a-v12;q=0.9"))
	if string(got) != "XSecurity-Server: ascon128a-v12;q=0.9\r\n" {
		t.Fatalf("got %q", got)
	}
	if got := AppendHeader(nil, "Subject", nil); string(got) != "Subject: \r\n" {
		t.Fatalf("empty value: %q", got)
	}
}

func TestAppendList(t *testing.T) {
	dropSecAgree := func(e []byte) bool { return eqLower(e, "sec-agree") }
	cases := []struct {
		value string
		drop  func([]byte) bool
		want  string
	}{
		{"sec-agree, path", dropSecAgree, "Require: path\r\n"},
		{"path ,sec-agree,  100rel", dropSecAgree, "Require: path, 100rel\r\n"},
		{"Sec-Agree", dropSecAgree, ""},
		{"", dropSecAgree, ""},
		{" , ,", nil, ""},
		{`a, "b,c" <sip:x>, d`, nil, `Require: a, "b,c" <sip:x>, d` + "\r\n"},
		{"a,,b", func([]byte) bool { return false }, "Require: a, b\r\n"},
	}
	for _, c := range cases {
		got := AppendList([]byte{}, "Require", []byte(c.value), c.drop)
		if string(got) != c.want {
			t.Errorf("AppendList(%q) = %q, want %q", c.value, got, c.want)
		}
	}
}

func TestAppendViaReceived(t *testing.T) {
	cases := []struct {
		elem, received string
		rport          int
		want           string
	}{
		{"SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1;rport", "127.0.0.1", 40001,
			"SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1;rport=40001;received=127.0.0.1"},
		{"SIP/2.0/UDP h;rport;branch=b", "192.0.2.1", 5060,
			"SIP/2.0/UDP h;rport=5060;branch=b;received=192.0.2.1"},
		{"SIP/2.0/UDP h;branch=b", "192.0.2.1", 5060,
			"SIP/2.0/UDP h;branch=b;received=192.0.2.1"},
		{"SIP/2.0/UDP h;received=10.0.0.1;branch=b", "192.0.2.1", 0,
			"SIP/2.0/UDP h;received=192.0.2.1;branch=b"},
		{"SIP/2.0/UDP h;received=10.0.0.1;branch=b", "", 0,
			"SIP/2.0/UDP h;received=10.0.0.1;branch=b"},
		{" SIP/2.0/UDP h ; branch = b ; rport ", "", 5060,
			"SIP/2.0/UDP h;branch = b;rport=5060"},
		{"SIP/2.0/UDP h;rport", "", 70000, "SIP/2.0/UDP h;rport"},
		{"SIP/2.0/UDP [::1]:5060;rport", "[::1]", 5061,
			"SIP/2.0/UDP [::1]:5060;rport=5061;received=[::1]"},
	}
	for _, c := range cases {
		got := AppendViaReceived([]byte("Via: "), []byte(c.elem), []byte(c.received), c.rport)
		if string(got) != "Via: "+c.want {
			t.Errorf("AppendViaReceived(%q) = %q, want %q", c.elem, got, c.want)
			continue
		}
		if _, err := ParseVia(got[len("Via: "):]); err != nil {
			t.Errorf("result %q does not parse: %v", got, err)
		}
	}
}

// TestRewriteTopVia builds the Via line a proxy sends back: the top element
// rewritten, the rest of the line kept.
func TestRewriteTopVia(t *testing.T) {
	m := mustParse(t, minimal([]string{}, ""))
	v, _ := m.Get(HdrVia)
	v = append(append([]byte{}, v...), ", SIP/2.0/UDP next;branch=z9hG4bK9"...)
	top, _ := NextElement(v, 0)
	line := AppendViaReceived([]byte("Via: "), top, []byte("192.0.2.7"), 0)
	if rest := DropFirstElement(v); len(rest) > 0 {
		line = append(append(line, ", "...), rest...)
	}
	line = append(line, "\r\n"...)
	want := "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=192.0.2.7, " +
		"SIP/2.0/UDP next;branch=z9hG4bK9\r\n"
	if !bytes.Equal(line, []byte(want)) {
		t.Fatalf("got %q", line)
	}
}
