package keystore

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

func wrapForProxy(t testing.TB, ksp []byte, kid string, alg skd.WrapAlg) (*skd.WrapAD, []byte) {
	t.Helper()
	ad := &skd.WrapAD{Recipient: []byte(skd.RecipientProxy), Identity: []byte("alice"),
		Realm: []byte("sigproxy.test"), Nonce: []byte("n1"), KID: []byte(kid)}
	kek := skd.ProxyKEK(ksp)
	blob, err := skd.WrapKey(alg, &kek, ad, bytes.Repeat([]byte{0x5a}, 16), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ad, blob
}

func TestKeyring(t *testing.T) {
	k, err := NewKeyring([]ProxyKey{{"1", key32(1)}, {"2", key32(2)}})
	if err != nil {
		t.Fatal(err)
	}
	kek, err := k.KEK([]byte("2"))
	if want := skd.ProxyKEK(key32(2)); err != nil || *kek != want {
		t.Fatalf("KEK(2) = %x, %v", kek, err)
	}
	if _, err := k.KEK([]byte("3")); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("unknown kid: %v", err)
	}
	ad, blob := wrapForProxy(t, key32(1), "1", skd.WrapAscon128aV12)
	sk, err := k.Open(nil, []byte("1"), skd.WrapAscon128aV12, ad, blob)
	if err != nil || !bytes.Equal(sk, bytes.Repeat([]byte{0x5a}, 16)) {
		t.Fatalf("Open = %x, %v", sk, err)
	}
	_, err = k.Open(nil, []byte("2"), skd.WrapAscon128aV12, ad, blob)
	if !errors.Is(err, skd.ErrUnwrap) {
		t.Fatalf("Open under the wrong kid: %v", err)
	}
	_, err = k.Open(nil, []byte("9"), skd.WrapAscon128aV12, ad, blob)
	if !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("Open unknown kid: %v", err)
	}
	// Rotation: kid 1 retired, kid 3 added.
	if err := k.Update([]ProxyKey{{"2", key32(2)}, {"3", key32(3)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.KEK([]byte("1")); !errors.Is(err, ErrUnknownKID) || k.Len() != 2 {
		t.Fatalf("retired kid: %v len %d", err, k.Len())
	}
	if *kek != skd.ProxyKEK(key32(2)) {
		t.Fatal("KEK returned before Update changed")
	}
	for name, keys := range map[string][]ProxyKey{
		"dup":   {{"1", key32(1)}, {"1", key32(1)}},
		"short": {{"1", key32(1)[:8]}},
		"name":  {{"a b", key32(1)}},
		"many":  make([]ProxyKey, MaxProxyKeys+1),
	} {
		if _, err := NewKeyring(keys); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	empty, err := NewKeyring(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := empty.KEK([]byte("1")); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("empty keyring: %v", err)
	}
}

// TestKeyringConcurrent runs lookups and opens against rotations (meaningful
// under -race).
func TestKeyringConcurrent(t *testing.T) {
	k, _ := NewKeyring([]ProxyKey{{"1", key32(1)}})
	ad, blob := wrapForProxy(t, key32(1), "1", skd.WrapAES128GCM)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]byte, 0, 16)
			for i := 0; i < 300; i++ {
				if _, err := k.Open(dst[:0], []byte("1"), skd.WrapAES128GCM, ad, blob); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		if err := k.Update([]ProxyKey{{"1", key32(1)}, {"2", key32(byte(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
