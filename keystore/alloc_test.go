//go:build !race

package keystore

import (
	"fmt"
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestZeroAlloc guards the hot-path contract of the package doc.
func TestZeroAlloc(t *testing.T) {
	tb := NewSessionTable(1 << 12)
	exp := future()
	s := sess(1, exp)
	aor := []byte("sip:alice@sigproxy.test")
	if err := tb.Put(aor, s); err != nil {
		t.Fatal(err)
	}
	fresh := make([][]byte, 200)
	for i := range fresh {
		fresh[i] = []byte(fmt.Sprint("sip:new", i, "@sigproxy.test"))
	}
	next := 0
	ring, _ := NewKeyring([]ProxyKey{{"1", key32(1)}, {"2", key32(2)}})
	ad, blob := wrapForProxy(t, key32(2), "2", skd.WrapAscon128aV12)
	kid := []byte("2")
	dst := make([]byte, 0, skd.SessionKeySize)
	now := exp - 1
	if _, ok := tb.Get(aor, now); !ok {
		t.Fatal("stored session not found")
	}
	checks := map[string]func(){
		"SessionTable.Put existing": func() { _ = tb.Put(aor, s) },
		"SessionTable.Put new": func() {
			_ = tb.Put(fresh[next%len(fresh)], s)
			next++
		},
		"SessionTable.Get":                func() { tb.Get(aor, now) },
		"SessionTable.Get missing":        func() { tb.Get([]byte("sip:nobody"), now) },
		"SessionTable.NextOut":            func() { tb.NextOut(aor, now) },
		"SessionTable.AcceptIn":           func() { tb.AcceptIn(aor, 5, now) },
		"SessionTable.AcceptInRetransmit": func() { tb.AcceptInRetransmit(aor, 5, now, 1e9) },
		"SessionTable.Delete":             func() { tb.Delete(fresh[(next+100)%len(fresh)]) },
		"SessionTable.Put+Delete":         func() { _ = tb.Put(fresh[7], s); tb.Delete(fresh[7]) },
		"Keyring.KEK":                     func() { _, _ = ring.KEK(kid) },
		"Keyring.KEK unknown":             func() { _, _ = ring.KEK([]byte("9")) },
		"Keyring.Open":                    func() { _, _ = ring.Open(dst[:0], kid, skd.WrapAscon128aV12, ad, blob) },
	}
	for name, fn := range checks {
		fn() // warm up pools
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s: %.1f allocations per call, want 0", name, n)
		}
	}
	if tb.Len() > tb.Cap() {
		t.Fatal("over capacity")
	}
}
