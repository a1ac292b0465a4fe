package keystore

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

// TestProxyKeyRotation walks the rotation an operator runs: stage a new key
// (the AC keeps wrapping under the old one), hand it to the proxies, make it
// current, retire the old one.
func TestProxyKeyRotation(t *testing.T) {
	st := openTestStore(t, tempPath(t, "ac.db"), testSealer(t, 1))
	defer st.Close()

	if err := st.StageProxyKey("sp1", "1", key32(1)); err != nil {
		t.Fatal(err)
	}
	if kid, _, err := st.ProxyKey("sp1"); err != nil || kid != "1" {
		t.Fatalf("first staged key: current %q, %v; want 1 (a proxy needs one)", kid, err)
	}
	if err := st.StageProxyKey("sp1", "2", key32(2)); err != nil {
		t.Fatal(err)
	}
	if kid, _, _ := st.ProxyKey("sp1"); kid != "1" {
		t.Fatalf("staging changed the current key to %q", kid)
	}
	if err := st.StageProxyKey("sp1", "2", key32(3)); !errors.Is(err, ErrExists) {
		t.Errorf("staging an existing kid: %v, want ErrExists", err)
	}
	keys, err := st.ProxyKeys("sp1")
	if err != nil || len(keys) != 2 {
		t.Fatalf("ProxyKeys = %d keys, %v; want both", len(keys), err)
	}

	if err := st.SetCurrentProxyKey("sp1", "3"); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("activating an absent kid: %v, want ErrUnknownKID", err)
	}
	if err := st.SetCurrentProxyKey("sp9", "1"); !errors.Is(err, ErrUnknownProxy) {
		t.Errorf("activating for an unknown proxy: %v, want ErrUnknownProxy", err)
	}
	if err := st.SetCurrentProxyKey("sp1", "2"); err != nil {
		t.Fatal(err)
	}
	kid, ksp, err := st.ProxyKey("sp1")
	if err != nil || kid != "2" || !bytes.Equal(ksp, key32(2)) {
		t.Fatalf("current after activation: %q, %v", kid, err)
	}

	if err := st.RemoveProxyKey("sp1", "2"); !errors.Is(err, ErrKeyInUse) {
		t.Errorf("removing the current key: %v, want ErrKeyInUse", err)
	}
	if err := st.RemoveProxyKey("sp1", "1"); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveProxyKey("sp1", "1"); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("removing twice: %v, want ErrUnknownKID", err)
	}
	if _, err := st.ProxyKeyByID("sp1", "1"); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("removed key still readable: %v", err)
	}
}

// TestReloadProxyKeyring swaps a running keyring's keys from a new file and
// keeps the old keys when the new file is bad.
func TestReloadProxyKeyring(t *testing.T) {
	dir := t.TempDir()
	masterPath := filepath.Join(dir, "proxy-master.key")
	keyPath := filepath.Join(dir, "sp1.keys")
	master, err := LoadOrCreateMasterKey(masterPath)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	write := func(id string, keys ...ProxyKey) {
		t.Helper()
		if err := WriteProxyKeyFile(keyPath, sealer, id, keys); err != nil {
			t.Fatal(err)
		}
	}
	write("sp1", ProxyKey{KID: "1", Key: key32(1)})
	ring, err := LoadProxyKeyring(keyPath, masterPath, "sp1")
	if err != nil {
		t.Fatal(err)
	}

	write("sp1", ProxyKey{KID: "1", Key: key32(1)}, ProxyKey{KID: "2", Key: key32(2)})
	if n, err := ReloadProxyKeyring(ring, keyPath, masterPath, "sp1"); err != nil || n != 2 {
		t.Fatalf("reload = %d, %v; want 2 keys", n, err)
	}
	for _, kid := range []string{"1", "2"} {
		if _, err := ring.KEK([]byte(kid)); err != nil {
			t.Errorf("kid %s after reload: %v", kid, err)
		}
	}

	write("sp2", ProxyKey{KID: "3", Key: key32(3)})
	if n, err := ReloadProxyKeyring(ring, keyPath, masterPath, "sp1"); !errors.Is(err, ErrWrongProxy) || n != 2 {
		t.Fatalf("reload of another proxy's file = %d, %v; want the 2 old keys kept", n, err)
	}
	if _, err := ring.KEK([]byte("2")); err != nil {
		t.Errorf("a failed reload dropped kid 2: %v", err)
	}

	write("sp1", ProxyKey{KID: "2", Key: key32(2)})
	if _, err := ReloadProxyKeyring(ring, keyPath, masterPath, "sp1"); err != nil {
		t.Fatal(err)
	}
	if _, err := ring.KEK([]byte("1")); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("retired kid 1 still known after reload: %v", err)
	}
}
