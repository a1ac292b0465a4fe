package keystore

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestLoadProxyKeyring(t *testing.T) {
	dir := t.TempDir()
	masterPath := filepath.Join(dir, "proxy-master.key")
	keyPath := filepath.Join(dir, "sp1.keys")
	if _, err := LoadMasterKey(masterPath); err == nil {
		t.Fatal("LoadMasterKey created or read a missing file")
	}
	master, err := LoadOrCreateMasterKey(masterPath)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	ksp := make([]byte, 32)
	ksp[0] = 1
	if err := WriteProxyKeyFile(keyPath, sealer, "sp1", []ProxyKey{{KID: "4", Key: ksp}}); err != nil {
		t.Fatal(err)
	}

	ring, err := LoadProxyKeyring(keyPath, masterPath, "sp1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.KEK([]byte("4")); err != nil {
		t.Errorf("kid 4 missing from the loaded keyring: %v", err)
	}
	if _, err := LoadProxyKeyring(keyPath, masterPath, "sp2"); !errors.Is(err, ErrWrongProxy) {
		t.Errorf("another proxy's file: err = %v, want ErrWrongProxy", err)
	}
	other := filepath.Join(dir, "other.key")
	if _, err := LoadOrCreateMasterKey(other); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadProxyKeyring(keyPath, other, "sp1"); err == nil {
		t.Error("the key file opened under another master key")
	}
}
