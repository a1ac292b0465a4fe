package keystore

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestRedaction prints every key-holding type with every common verb and as JSON,
// and looks for the key bytes in any encoding a log line could carry.
func TestRedaction(t *testing.T) {
	secret := bytes.Repeat([]byte{0xc3}, 32)
	s := &Session{Expires: 1}
	copy(s.SK[:], secret)
	tb := NewSessionTable(4)
	_ = tb.Put([]byte("sip:a@b"), s)
	ring, _ := NewKeyring([]ProxyKey{{"1", secret}})
	st, err := OpenBolt(tempPath(t, "r.db"), testSealer(t, 0xc3))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	values := []any{*s, s, ProxyKey{"1", secret}, &ProxyKey{"1", secret},
		Subscriber{"alice", secret}, testSealer(t, 0xc3), ring, tb, st,
		[]ProxyKey{{"1", secret}}, struct{ S Session }{*s}}
	leaks := []string{
		hex.EncodeToString(secret[:8]), base64.StdEncoding.EncodeToString(secret[:9]),
		"195 195", "[195", "0xc3", "c3c3", "w8PD",
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
			checkNoLeak(t, fmt.Sprintf(verb, v), leaks, fmt.Sprintf("%T %s", v, verb))
		}
		js, err := json.Marshal(v)
		if err == nil {
			checkNoLeak(t, string(js), leaks, fmt.Sprintf("%T json", v))
		}
	}
}

func checkNoLeak(t *testing.T, out string, leaks []string, what string) {
	t.Helper()
	for _, l := range leaks {
		if strings.Contains(strings.ToLower(out), strings.ToLower(l)) {
			t.Errorf("%s leaks %q: %s", what, l, out)
		}
	}
}
