package sip

import (
	"errors"
	"strings"
	"testing"
)

func TestParseVia(t *testing.T) {
	cases := []struct {
		in                       string
		transport, host          string
		port                     int
		branch, received, params string
		rport                    int
		hasRPort                 bool
	}{
		{in: "SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1;rport",
			transport: "UDP", host: "127.0.0.1", port: 40001, branch: "z9hG4bK.t1",
			params: ";branch=z9hG4bK.t1;rport", hasRPort: true},
		{in: "SIP/2.0/TCP host.example.com", transport: "TCP", host: "host.example.com"},
		{in: "sip/2.0/tls h;RPORT=5062;Received=192.0.2.9;BRANCH=b",
			transport: "tls", host: "h", branch: "b", received: "192.0.2.9",
			params: ";RPORT=5062;Received=192.0.2.9;BRANCH=b", rport: 5062, hasRPort: true},
		{in: "SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1", transport: "UDP", host: "[::1]",
			port: 5060, branch: "z9hG4bK1", params: ";branch=z9hG4bK1"},
		{in: "SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3",
			transport: "UDP", host: "[2001:db8::9:1]", branch: "z9hG4bKas3",
			received: "2001:db8::9:255", params: ";received=2001:db8::9:255;branch=z9hG4bKas3"},
		{in: "SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255]",
			transport: "UDP", host: "[2001:db8::9:1]", received: "[2001:db8::9:255]",
			params: ";received=[2001:db8::9:255]"},
		{in: "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw", transport: "UDP",
			host: "192.0.2.2", branch: "390skdjuw", params: ";branch=390skdjuw"},
		{in: "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8",
			transport: "TCP", host: "spindle.example.com", branch: "z9hG4bK9ikj8",
			params: ";\r\n  branch  =   z9hG4bK9ikj8"},
		{in: "SIP/2.0/UDP h : 5070 ;branch=x;branch=y", transport: "UDP", host: "h",
			port: 5070, branch: "x", params: ";branch=x;branch=y"},
		{in: "SIP/2.0/UDP h;ttl=1;maddr=224.0.0.1;x=\"q s\"", transport: "UDP", host: "h",
			params: ";ttl=1;maddr=224.0.0.1;x=\"q s\""},
	}
	for _, c := range cases {
		v, err := ParseVia([]byte(c.in))
		if err != nil {
			t.Errorf("ParseVia(%q): %v", c.in, err)
			continue
		}
		if string(v.Transport) != c.transport || string(v.Host) != c.host || v.Port != c.port ||
			string(v.Branch) != c.branch || string(v.Received) != c.received ||
			string(v.Params) != c.params || v.RPort != c.rport || v.HasRPort != c.hasRPort {
			t.Errorf("ParseVia(%q) = %+v", c.in, v)
		}
	}
}

func TestParseViaErrors(t *testing.T) {
	bad := []string{
		"",
		"SIP/2.0/UDP",
		"SIP/2.0/UDP ",
		"SIP/2.0/ h",
		"SIP/7.0/UDP h",
		"XIP/2.0/UDP h",
		"SIP/2.0 UDP h",
		"SIP/2.0/UDPh",
		"SIP/2.0/UDP h:",
		"SIP/2.0/UDP h:65536",
		"SIP/2.0/UDP h:x",
		"SIP/2.0/UDP h junk",
		"SIP/2.0/UDP h_under",
		"SIP/2.0/UDP [::1",
		"SIP/2.0/UDP [2001:db8:::1]",
		"SIP/2.0/UDP [1.2.3.4]",
		"SIP/2.0/UDP h;",
		"SIP/2.0/UDP h;;branch=x",
		"SIP/2.0/UDP 192.0.2.15;;",
		"SIP/2.0/UDP h;branch",
		"SIP/2.0/UDP h;branch=",
		`SIP/2.0/UDP h;branch="x"`,
		"SIP/2.0/UDP h;received",
		"SIP/2.0/UDP h;received=host.example.com",
		"SIP/2.0/UDP h;received=256.1.1.1",
		"SIP/2.0/UDP h;rport=",
		"SIP/2.0/UDP h;rport=70000",
		"SIP/2.0/UDP h;rport=5x",
		"SIP/2.0/UDP h;x=a b",
		"SIP/2.0/UDP h;x=\"open",
		"SIP/2.0/UDP h;branch=1, SIP/2.0/UDP g",
	}
	for _, in := range bad {
		if _, err := ParseVia([]byte(in)); !errors.Is(err, ErrBadVia) {
			t.Errorf("ParseVia(%q) err = %v, want ErrBadVia", in, err)
		}
	}
	many := "SIP/2.0/UDP h" + strings.Repeat(";p", MaxParams+1)
	if _, err := ParseVia([]byte(many)); !errors.Is(err, ErrTooManyParams) {
		t.Errorf("too many params: %v", err)
	}
	if _, err := ParseVia([]byte("SIP/2.0/UDP h" + strings.Repeat(";p", MaxParams))); err != nil {
		t.Errorf("MaxParams params: %v", err)
	}
}

func TestValidIPv6(t *testing.T) {
	good := []string{"::", "::1", "1::", "2001:db8::9:1", "2001:db8::10:5070",
		"1:2:3:4:5:6:7:8", "::ffff:192.0.2.10", "1:2:3:4:5:6:1.2.3.4", "fe80::1:2:3:4:5:6",
		"2001:db8::192.0.2.1", "FFFF::abcd"}
	bad := []string{"", ":", ":::", "1:::2", "2001:db8:::192.0.2.1", "1:2:3:4:5:6:7",
		"1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::", "1:", ":1", "1:2:3:4:5:6:7:1.2.3.4",
		"::1.2.3", "::1.2.3.256", "::1.2.3.4.5", "1.2.3.4", "::1%eth0",
		"1:2:3:4:5:6:7::8", strings.Repeat("1", 46)}
	for _, s := range good {
		if !validIPv6([]byte(s)) {
			t.Errorf("validIPv6(%q) = false", s)
		}
	}
	for _, s := range bad {
		if validIPv6([]byte(s)) {
			t.Errorf("validIPv6(%q) = true", s)
		}
	}
}
