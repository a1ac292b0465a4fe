package sip

import (
	"errors"
	"strings"
	"testing"
)

const digestAuth = `Digest username="alice", realm="sigproxy.test", nonce="", ` +
	`uri="sip:sigproxy.test", response="", qop=auth, nc=00000001, cnonce="a,b\"c"`

func TestAuthScheme(t *testing.T) {
	cases := map[string]string{
		digestAuth: "Digest", " digest realm=x": "digest",
		"NoOneKnowsThisScheme opaque-data=here": "NoOneKnowsThisScheme", "": "", `"x"`: "",
	}
	for in, want := range cases {
		if got := AuthScheme([]byte(in)); string(got) != want {
			t.Errorf("AuthScheme(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAuthParam(t *testing.T) {
	cases := []struct {
		name, want string
		ok         bool
	}{
		{"username", "alice", true},
		{"USERNAME", "alice", true},
		{"realm", "sigproxy.test", true},
		{"nonce", "", true},
		{"uri", "sip:sigproxy.test", true},
		{"qop", "auth", true},
		{"nc", "00000001", true},
		{"cnonce", `a,b\"c`, true},
		{"opaque", "", false},
		{"Digest", "", false},
	}
	for _, c := range cases {
		v, ok := AuthParam([]byte(digestAuth), c.name)
		if string(v) != c.want || ok != c.ok {
			t.Errorf("AuthParam(%q) = %q %v, want %q %v", c.name, v, ok, c.want, c.ok)
		}
	}
	if v, ok := AuthParam([]byte(digestAuth), "nonce"); v == nil || !ok {
		t.Error("empty quoted value must be non-nil")
	}
	// Malformed pairs are skipped; folding is LWS.
	odd := "Digest bad, =x, realm=\r\n \"r\" , junk junk, nonce=\"n\""
	if v, ok := AuthParam([]byte(odd), "nonce"); !ok || string(v) != "n" {
		t.Errorf("after malformed pairs: %q %v", v, ok)
	}
	if v, ok := AuthParam([]byte(odd), "realm"); !ok || string(v) != "r" {
		t.Errorf("folded: %q %v", v, ok)
	}
	if _, ok := AuthParam([]byte(`Digest realm="open`), "realm"); ok {
		t.Error("unclosed quote accepted")
	}
}

func TestListParam(t *testing.T) {
	kd := []byte(`terminal="q83v+/==", proxy="3q2+", kid=1, wrap=ascon128a-v12`)
	cases := map[string]string{"terminal": "q83v+/==", "proxy": "3q2+", "kid": "1",
		"wrap": "ascon128a-v12"}
	for name, want := range cases {
		if v, ok := ListParam(kd, name); !ok || string(v) != want {
			t.Errorf("ListParam(%q) = %q %v", name, v, ok)
		}
	}
	if _, ok := ListParam(kd, "mac"); ok {
		t.Error("absent name found")
	}
}

func TestCheckAuth(t *testing.T) {
	for _, in := range []string{digestAuth, "NoOneKnowsThisScheme opaque-data=here",
		"Digest realm=x", "Digest  realm = \"x\" ,nonce=y"} {
		if err := CheckAuth([]byte(in)); err != nil {
			t.Errorf("CheckAuth(%q): %v", in, err)
		}
	}
	for _, in := range []string{"", "Digest", "Digest ", "Digest realm", "Digest realm=",
		"Digest realm=x,", "Digest realm=x,,nonce=y", "Digest realm=x nonce=y",
		`Digest realm="x`, "Bearer abc==", "Digest,realm=x", "Digest realm=a b"} {
		if err := CheckAuth([]byte(in)); !errors.Is(err, ErrBadAuth) {
			t.Errorf("CheckAuth(%q) = %v, want ErrBadAuth", in, err)
		}
	}
	many := "Digest a=1" + strings.Repeat(", a=1", MaxParams)
	if err := CheckAuth([]byte(many)); !errors.Is(err, ErrTooManyParams) {
		t.Errorf("too many params: %v", err)
	}
}
