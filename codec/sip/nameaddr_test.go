package sip

import (
	"errors"
	"strings"
	"testing"
)

func TestTag(t *testing.T) {
	cases := map[string]string{
		"<sip:alice@sigproxy.test>;tag=ft1":                          "ft1",
		"sip:caller@example.net;tag=134161461246":                    "134161461246",
		`"Bell, A" <sip:a@b;tag=no>;tag=yes`:                         "yes",
		"sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n": "1918181833n",
		"<sip:a@b>":           "",
		"<sip:a@b;tag=inner>": "",
		"<sip:a@b>;TAG=Up":    "Up",
		"<sip:a@b>;tag":       "",
	}
	for in, want := range cases {
		if got := Tag([]byte(in)); string(got) != want {
			t.Errorf("Tag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNameAddrURI(t *testing.T) {
	cases := map[string]string{
		"<sip:alice@sigproxy.test>;tag=ft1":            "sip:alice@sigproxy.test",
		`"Joe, \"J\" <x>" <sip:joe@example.org>;q=0.1`: "sip:joe@example.org",
		"Joe Bloggs <sip:joe@example.org>":             "sip:joe@example.org",
		"sip:caller@example.net;tag=1":                 "sip:caller@example.net",
		" sip:user@example.com ;tag=1":                 "sip:user@example.com",
		"isbn:2983792873":                              "isbn:2983792873",
		"<sip:u@h;lr?x=1>":                             "sip:u@h;lr?x=1",
		`"T. desk phone" <sip:ted@[::ffff:192.0.2.2]>`: "sip:ted@[::ffff:192.0.2.2]",
		`"unclosed <sip:a@b>`:                          "",
		"<sip:a@b":                                     "",
		"":                                             "",
	}
	for in, want := range cases {
		if got := NameAddrURI([]byte(in)); string(got) != want {
			t.Errorf("NameAddrURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckNameAddr(t *testing.T) {
	good := []string{
		"<sip:alice@sigproxy.test>;tag=ft1",
		`"J Rosenberg \\\""       <sip:jdrosen@example.com>` + "\r\n  ;\r\n  tag = 98asjd8",
		"sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
		"token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;p=\"\xd1\x80\"",
		"caller<sip:caller@example.com>;tag=323",
		"isbn:2983792873",
		"<http://www.example.com>;tag=3234233",
		`"" <sip:a@b>`,
		"<sip:a@b>;received=[2001:db8::1];x=a:b",
	}
	for _, in := range good {
		tag, err := checkNameAddr([]byte(in))
		if err != nil {
			t.Errorf("checkNameAddr(%q): %v", in, err)
		}
		if want := Tag([]byte(in)); string(tag) != string(want) || (tag == nil) != (want == nil) {
			t.Errorf("checkNameAddr(%q) tag %q, Tag says %q", in, tag, want)
		}
	}
	bad := map[string]error{
		`"Mr. J. User <sip:j.user@example.com>`:                ErrBadNameAddr,
		`"Watson, Thomas" < sip:t.watson@example.org >`:        ErrBadNameAddr,
		`<sip:t.watson@example.org >`:                          ErrBadNameAddr,
		"Bell, Alexander <sip:a.g.bell@example.com>;tag=43":    ErrBadNameAddr,
		"sip:user@example.com?Route=%3Csip:sip.example.com%3E": ErrBadNameAddr,
		"sip:a@b,c":                ErrBadNameAddr,
		`"x" sip:a@b`:              ErrBadNameAddr,
		"<sip:a@b":                 ErrBadNameAddr,
		"<>":                       ErrBadNameAddr,
		"<no-scheme>":              ErrBadNameAddr,
		"":                         ErrBadNameAddr,
		"<sip:a@b> junk":           ErrBadNameAddr,
		"<sip:a@b>;tag=1, <sip:c>": ErrBadParam,
		"<sip:a@b>;":               ErrBadParam,
		"<sip:a@b>;;":              ErrBadParam,
		"<sip:a@b>;tag=":           ErrBadParam,
		"<sip:a@b>;tag=a/b":        ErrBadParam,
		`<sip:a@b>;x="open`:        ErrBadParam,
		"<sip:a@b>" + strings.Repeat(";p", MaxParams+1): ErrTooManyParams,
	}
	for in, want := range bad {
		if _, err := checkNameAddr([]byte(in)); !errors.Is(err, want) {
			t.Errorf("checkNameAddr(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestParseCSeq(t *testing.T) {
	cases := []struct {
		in     string
		num    uint32
		method string
	}{
		{"1 REGISTER", 1, "REGISTER"},
		{"0009\r\n  INVITE", 9, "INVITE"},
		{" 2147483647 ACK ", 2147483647, "ACK"},
		{"0 !interesting-Method0123456789_*+`.%indeed'~", 0,
			"!interesting-Method0123456789_*+`.%indeed'~"},
	}
	for _, c := range cases {
		n, m, err := ParseCSeq([]byte(c.in))
		if err != nil || n != c.num || string(m) != c.method {
			t.Errorf("ParseCSeq(%q) = %d %q %v", c.in, n, m, err)
		}
	}
	for _, in := range []string{"", "1", "REGISTER", "1REGISTER", "2147483648 INVITE",
		"36893488147419103232 REGISTER", "-1 INVITE", "1 INVITE x", "1 INV@ITE", "x 1"} {
		if _, _, err := ParseCSeq([]byte(in)); !errors.Is(err, ErrBadCSeq) {
			t.Errorf("ParseCSeq(%q) err = %v", in, err)
		}
	}
}

func TestParseMaxForwards(t *testing.T) {
	for in, want := range map[string]int{"70": 70, "0": 0, "0068": 68, "255": 255, " 1 ": 1} {
		if n, err := ParseMaxForwards([]byte(in)); err != nil || n != want {
			t.Errorf("ParseMaxForwards(%q) = %d %v", in, n, err)
		}
	}
	for _, in := range []string{"", "256", "300", "-1", "7a", "1 2"} {
		if _, err := ParseMaxForwards([]byte(in)); !errors.Is(err, ErrBadMaxForwards) {
			t.Errorf("ParseMaxForwards(%q) err = %v", in, err)
		}
	}
}
