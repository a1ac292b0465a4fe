package skd

import (
	"errors"
	"testing"
)

// TestDigestRFC7616 checks the example of RFC 7616 §3.9.1 for both algorithms.
func TestDigestRFC7616(t *testing.T) {
	const (
		user   = "Mufasa"
		realm  = "http-auth@example.org"
		pass   = "Circle of Life"
		nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
		cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
		uri    = "/dir/index.html"
	)
	want := map[string]string{
		"MD5":     "8ca523f5e9506fed4657c9700eebdbec",
		"SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
	}
	for alg, resp := range want {
		ha1, err := HA1(alg, user, realm, pass)
		if err != nil {
			t.Fatalf("%s: HA1: %v", alg, err)
		}
		got, err := DigestResponse(alg, ha1, nonce, "GET", uri, "auth", "00000001", cnonce)
		if err != nil || got != resp {
			t.Errorf("%s: response %q, %v; want %q", alg, got, err, resp)
		}
	}
}

func TestDigestKnownAnswersAndErrors(t *testing.T) {
	// HA1 of the KAT digest password (kdf_test.go), computed independently.
	cases := map[string]string{
		"MD5":     "5597537c9dadbdb5c1dac326ada58b17",
		"sha-256": "bf32c17581dbd28a6870a349c00b2518afa0e367b5e5eff7fbef246d87a37cd0",
	}
	for alg, want := range cases {
		got, err := HA1(alg, "alice", "sigproxy.test", katPassword)
		if err != nil || got != want {
			t.Errorf("HA1(%s) = %q, %v; want %q", alg, got, err, want)
		}
	}
	if _, err := HA1("SHA-512-256", "a", "b", "c"); !errors.Is(err, ErrDigestAlgorithm) {
		t.Errorf("unknown alg: %v", err)
	}
	_, err := DigestResponse("MD5-sess", "x", "n", "REGISTER", "sip:a", "", "", "")
	if !errors.Is(err, ErrDigestAlgorithm) {
		t.Errorf("unknown alg: %v", err)
	}
	_, err = DigestResponse("MD5", "x", "n", "REGISTER", "sip:a", "auth-int", "", "")
	if !errors.Is(err, ErrDigestQop) {
		t.Errorf("auth-int: %v", err)
	}
	// RFC 2069 form: H(HA1:nonce:HA2); differs from the qop=auth form.
	a, errA := DigestResponse("MD5", "h", "n", "REGISTER", "sip:x", "", "", "")
	b, errB := DigestResponse("MD5", "h", "n", "REGISTER", "sip:x", "auth", "00000001", "c")
	if errA != nil || errB != nil || a == b || len(a) != 32 {
		t.Errorf("qop forms: %q %q %v %v", a, b, errA, errB)
	}
}
