package sip

import (
	"errors"
	"testing"
)

func TestParseURI(t *testing.T) {
	cases := []struct {
		in                                  string
		scheme, user, host, params, headers string
		port                                int
		hasHeaders                          bool
	}{
		{in: "sip:alice@sigproxy.test", scheme: "sip", user: "alice", host: "sigproxy.test"},
		{in: "SIPS:bob@192.0.2.4:5061", scheme: "SIPS", user: "bob", host: "192.0.2.4", port: 5061},
		{in: "sip:sigproxy.test", scheme: "sip", host: "sigproxy.test"},
		{in: "sip:sp1@127.0.0.1:5060;lr;wrap=ascon128a-v12", scheme: "sip", user: "sp1",
			host: "127.0.0.1", port: 5060, params: ";lr;wrap=ascon128a-v12"},
		{in: "sip:[2001:db8::10]", scheme: "sip", host: "[2001:db8::10]"},
		{in: "sip:[2001:db8::10]:5070", scheme: "sip", host: "[2001:db8::10]", port: 5070},
		{in: "sip:[2001:db8::10:5070]", scheme: "sip", host: "[2001:db8::10:5070]"},
		{in: "sip:caller@[::ffff:192.0.2.2]", scheme: "sip", user: "caller",
			host: "[::ffff:192.0.2.2]"},
		{in: "sip:alice:secret@h", scheme: "sip", user: "alice", host: "h"},
		{in: "sip:user;par=u%40example.net@example.com", scheme: "sip",
			user: "user;par=u%40example.net", host: "example.com"},
		{in: "sip:u@h?Route=%3Csip:x%3E&a=b", scheme: "sip", user: "u", host: "h",
			headers: "Route=%3Csip:x%3E&a=b", hasHeaders: true},
		{in: "sip:u@h;lr?", scheme: "sip", user: "u", host: "h", params: ";lr", hasHeaders: true},
		{in: "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too." +
			"(doesn't-it)@example.com", scheme: "sip",
			user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", host: "example.com"},
	}
	for _, c := range cases {
		u, err := ParseURI([]byte(c.in))
		if err != nil {
			t.Errorf("ParseURI(%q): %v", c.in, err)
			continue
		}
		if string(u.Scheme) != c.scheme || string(u.User) != c.user || string(u.Host) != c.host ||
			u.Port != c.port || string(u.Params) != c.params || string(u.Headers) != c.headers ||
			(u.Headers != nil) != c.hasHeaders {
			t.Errorf("ParseURI(%q) = %+v", c.in, u)
		}
	}
}

func TestParseURIErrors(t *testing.T) {
	bad := []string{
		"", "sip", "sip:", "tel:+1234", "http://example.com", "sip:@h", "sip:u@",
		"sip:u@h:", "sip:u@h:99999", "sip:u@h:5x", "sip:2001:db8::10", "sip:[::1",
		"sip:[2001:db8:::192.0.2.1]", "sip:u@h x", "sip:u@h>", "<sip:u@h>", "sip:u@h\x00",
		"sip:u@h\"", "sip:u@h_x", "sip:u@h/path", "sip:u@h\xc3\xa9",
	}
	for _, in := range bad {
		if _, err := ParseURI([]byte(in)); !errors.Is(err, ErrBadURI) {
			t.Errorf("ParseURI(%q) err = %v, want ErrBadURI", in, err)
		}
	}
}
