package sip

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMechanism(t *testing.T) {
	cases := []struct {
		in, name, params, raw string
		q                     int
	}{
		{"ascon128a-v12;q=0.9", "ascon128a-v12", ";q=0.9", "ascon128a-v12;q=0.9", 900},
		{" hmac-sha256;q=0.5 ", "hmac-sha256", ";q=0.5", "hmac-sha256;q=0.5", 500},
		{"hmac-sha256", "hmac-sha256", "", "hmac-sha256", -1},
		{"digest;d-alg=md5;d-qop=auth;q=1", "digest", ";d-alg=md5;d-qop=auth;q=1",
			"digest;d-alg=md5;d-qop=auth;q=1", 1000},
		{"ipsec-3gpp; alg=hmac-sha-1-96 ; Q = 0.125 ;spi-c=1111", "ipsec-3gpp",
			"; alg=hmac-sha-1-96 ; Q = 0.125 ;spi-c=1111",
			"ipsec-3gpp; alg=hmac-sha-1-96 ; Q = 0.125 ;spi-c=1111", 125},
		{"tls ;q=0", "tls", ";q=0", "tls ;q=0", 0},
		{"tls;q=0.", "tls", ";q=0.", "tls;q=0.", 0},
		{"tls;q=1.000", "tls", ";q=1.000", "tls;q=1.000", 1000},
		{"tls;q=0.001", "tls", ";q=0.001", "tls;q=0.001", 1},
		{`tls;x="a;q=5"`, "tls", `;x="a;q=5"`, `tls;x="a;q=5"`, -1},
	}
	for _, c := range cases {
		m, err := ParseMechanism([]byte(c.in))
		if err != nil || string(m.Name) != c.name || string(m.Params) != c.params ||
			string(m.Raw) != c.raw || m.Q != c.q {
			t.Errorf("ParseMechanism(%q) = %+v %v", c.in, m, err)
		}
	}
}

func TestParseMechanismBadQ(t *testing.T) {
	for _, in := range []string{"hmac-sha256;q=1.5", "hmac-sha256;q=abc", "hmac-sha256;q=",
		"hmac-sha256;q=0.5;q=0.5", "hmac-sha256;q", "hmac-sha256;q=1.001", "hmac-sha256;q=0.1234",
		"hmac-sha256;q=.5", `hmac-sha256;q="0.5"`, "hmac-sha256;q=2", "hmac-sha256;q=-0"} {
		m, err := ParseMechanism([]byte(in))
		if !errors.Is(err, ErrBadQValue) {
			t.Errorf("ParseMechanism(%q) err = %v, want ErrBadQValue", in, err)
			continue
		}
		if string(m.Name) != "hmac-sha256" || m.Q != -1 ||
			string(m.Raw) != in || len(m.Params) == 0 {
			t.Errorf("ParseMechanism(%q) = %+v: fields not kept", in, m)
		}
	}
}

func TestParseMechanismErrors(t *testing.T) {
	cases := map[string]error{
		"":               ErrBadMechanism,
		"   ":            ErrBadMechanism,
		";q=0.5":         ErrBadMechanism,
		"hmac sha;q=0.5": ErrBadMechanism,
		"hm@c;q=0.5":     ErrBadMechanism,
		`"quoted"`:       ErrBadMechanism,
		"tls;":           ErrBadParam,
		"tls;;q=0.5":     ErrBadParam,
		"tls;=x":         ErrBadParam,
		"tls;alg=":       ErrBadParam,
		"tls;alg=a b":    ErrBadParam,
		"tls;q=0.5;alg=": ErrBadParam,
		`tls;x="open`:    ErrBadParam,
		"tls" + strings.Repeat(";a=1", MaxParams+1): ErrTooManyParams,
	}
	for in, want := range cases {
		m, err := ParseMechanism([]byte(in))
		if !errors.Is(err, want) {
			t.Errorf("ParseMechanism(%q) err = %v, want %v", in, err, want)
		}
		if m.Q != -1 {
			t.Errorf("ParseMechanism(%q) Q = %d on error", in, m.Q)
		}
	}
}

func TestParseQValue(t *testing.T) {
	good := map[string]int{"0": 0, "1": 1000, "0.5": 500, "0.05": 50, "0.999": 999,
		"1.": 1000, "1.0": 1000, "1.00": 1000, "0.": 0}
	for in, want := range good {
		if q, ok := parseQValue([]byte(in)); !ok || q != want {
			t.Errorf("parseQValue(%q) = %d %v", in, q, ok)
		}
	}
	for _, in := range []string{"", "2", "1.1", "0.0000", "01", "0x5", "1.0001", "0.5a", "."} {
		if _, ok := parseQValue([]byte(in)); ok {
			t.Errorf("parseQValue(%q) accepted", in)
		}
	}
}
