package keystore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

func TestSealerRoundTripAndBinding(t *testing.T) {
	s := testSealer(t, 1)
	sealed, err := s.Seal([]byte("secret"), []byte("ad-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != sealOverhead+6 || bytes.Contains(sealed, []byte("secret")) {
		t.Fatalf("sealed record %x", sealed)
	}
	plain, err := s.Open(sealed, []byte("ad-1"))
	if err != nil || string(plain) != "secret" {
		t.Fatalf("Open = %q, %v", plain, err)
	}
	again, _ := s.Seal([]byte("secret"), []byte("ad-1"))
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals of the same value are equal: nonce reused")
	}
	cases := map[string]func() ([]byte, error){
		"wrong ad":     func() ([]byte, error) { return s.Open(sealed, []byte("ad-2")) },
		"empty ad":     func() ([]byte, error) { return s.Open(sealed, nil) },
		"wrong master": func() ([]byte, error) { return testSealer(t, 2).Open(sealed, []byte("ad-1")) },
		"truncated":    func() ([]byte, error) { return s.Open(sealed[:len(sealed)-1], []byte("ad-1")) },
		"short":        func() ([]byte, error) { return s.Open(sealed[:5], []byte("ad-1")) },
		"empty":        func() ([]byte, error) { return s.Open(nil, []byte("ad-1")) },
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x40
		cases["flip byte "+string(rune('A'+i%26))+string(rune('0'+i/26))] =
			func() ([]byte, error) { return s.Open(bad, []byte("ad-1")) }
	}
	for name, open := range cases {
		if p, err := open(); !errors.Is(err, ErrSealed) || p != nil {
			t.Errorf("%s: %q, %v", name, p, err)
		}
	}
	if _, err := NewSealer([MasterKeySize]byte{}); !errors.Is(err, skd.ErrBadKey) {
		t.Errorf("zero master key: %v", err)
	}
}

func TestLoadOrCreateMasterKey(t *testing.T) {
	path := tempPath(t, "master.key")
	k1, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1 == [MasterKeySize]byte{} {
		t.Fatal("created key is zero")
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("mode %#o, want 0600", m)
	}
	data, _ := os.ReadFile(path)
	if len(data) != 45 || data[44] != '\n' {
		t.Fatalf("file is not one base64 line: %q", data)
	}
	k2, err := LoadOrCreateMasterKey(path)
	if err != nil || k2 != k1 {
		t.Fatalf("reload: equal=%v err=%v", k1 == k2, err)
	}
}

func TestLoadMasterKeyRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
	cases := map[string]string{
		"group readable": write("g", good, 0o640),
		"world readable": write("w", good, 0o604),
		"short key":      write("s", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n", 0o600),
		"not base64":     write("n", "not a key at all\n", 0o600),
		"too long":       write("l", good+good+good, 0o600),
		"empty":          write("e", "", 0o600),
		"directory":      dir,
	}
	for name, p := range cases {
		if _, err := LoadOrCreateMasterKey(p); !errors.Is(err, ErrBadKeyFile) {
			t.Errorf("%s: err = %v, want ErrBadKeyFile", name, err)
		}
	}
	k, err := LoadOrCreateMasterKey(write("ok", " "+good, 0o600))
	if err != nil || k[1] != 1 || k[31] != 31 {
		t.Errorf("good file: %v", err)
	}
	if _, err := LoadOrCreateMasterKey(filepath.Join(dir, "missing-dir", "k")); err == nil {
		t.Error("key created in a missing directory")
	}
}
