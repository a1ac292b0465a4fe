package keystore

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func testSealer(t testing.TB, fill byte) *Sealer {
	t.Helper()
	var master [MasterKeySize]byte
	for i := range master {
		master[i] = fill + byte(i)
	}
	s, err := NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func key32(fill byte) []byte { return bytes.Repeat([]byte{fill}, 32) }

func fileMode(t testing.TB, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func tempPath(t testing.TB, name string) string {
	return filepath.Join(t.TempDir(), name)
}
