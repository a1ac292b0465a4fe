package keystore

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

func TestProxyKeyFileRoundTrip(t *testing.T) {
	path := tempPath(t, "sp1.keys")
	keys := []ProxyKey{{"1", key32(1)}, {"2", key32(2)}}
	s := testSealer(t, 7)
	if err := WriteProxyKeyFile(path, s, "sp1", keys); err != nil {
		t.Fatal(err)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("mode %#o", m)
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte("sigproxy-v1 proxy-keys\n")) ||
		bytes.Contains(data, []byte(`"kid"`)) {
		t.Fatalf("file is not sealed text: %q", data)
	}
	id, got, err := ReadProxyKeyFile(path, s)
	if err != nil || id != "sp1" || len(got) != 2 || got[1].KID != "2" ||
		!bytes.Equal(got[1].Key, key32(2)) {
		t.Fatalf("read back %q %v %v", id, got, err)
	}
	// Rewriting replaces the file and keeps its mode.
	if err := WriteProxyKeyFile(path, s, "sp1", keys[1:]); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := ReadProxyKeyFile(path, s); len(got) != 1 || fileMode(t, path) != 0o600 {
		t.Fatalf("rewrite: %v", got)
	}
	if _, _, err := ReadProxyKeyFile(path, testSealer(t, 8)); !errors.Is(err, ErrSealed) {
		t.Fatalf("wrong sealer: %v", err)
	}
}

func TestProxyKeyFileRefusals(t *testing.T) {
	s := testSealer(t, 7)
	good := tempPath(t, "good.keys")
	if err := WriteProxyKeyFile(good, s, "sp1", []ProxyKey{{"1", key32(1)}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	header, body, _ := strings.Cut(string(data), "\n")
	flipped := []byte(body)
	flipped[20] ^= 1
	files := map[string]string{
		"no header":   body,
		"bad header":  "sigproxy-v2 proxy-keys\n" + body,
		"not base64":  header + "\n!!!\n",
		"tampered":    header + "\n" + string(flipped),
		"truncated":   header + "\n" + body[:len(body)-9] + "\n",
		"huge":        header + "\n" + strings.Repeat("A", maxProxyKeyFile),
		"header only": header + "\n",
	}
	for name, content := range files {
		p := tempPath(t, "bad.keys")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := ReadProxyKeyFile(p, s)
		if !errors.Is(err, ErrBadKeyFile) && !errors.Is(err, ErrSealed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := os.Chmod(good, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadProxyKeyFile(good, s); !errors.Is(err, ErrBadKeyFile) {
		t.Errorf("0640 file: %v", err)
	}
	writes := map[string]struct {
		proxy string
		keys  []ProxyKey
		want  error
	}{
		"no keys":   {"sp1", nil, ErrBadName},
		"bad proxy": {"sp 1", []ProxyKey{{"1", key32(1)}}, ErrBadName},
		"bad kid":   {"sp1", []ProxyKey{{"", key32(1)}}, ErrBadName},
		"dup kid":   {"sp1", []ProxyKey{{"1", key32(1)}, {"1", key32(2)}}, ErrExists},
		"short key": {"sp1", []ProxyKey{{"1", key32(1)[:31]}}, skd.ErrBadKey},
		"too many":  {"sp1", make([]ProxyKey, MaxProxyKeys+1), ErrBadName},
	}
	for name, c := range writes {
		if err := WriteProxyKeyFile(tempPath(t, "w.keys"), s, c.proxy, c.keys); !errors.Is(err, c.want) {
			t.Errorf("write %s: %v, want %v", name, err, c.want)
		}
	}
}

// TestDecodeProxyFileValidates feeds documents that open but carry bad content.
func TestDecodeProxyFileValidates(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":  "{",
		"short key": `{"proxy":"sp1","keys":[{"kid":"1","key":"AAAA"}]}`,
		"no proxy":  `{"keys":[{"kid":"1","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}`,
		"no keys":   `{"proxy":"sp1","keys":[]}`,
	} {
		if _, _, err := decodeProxyFile("f", []byte(doc)); !errors.Is(err, ErrBadKeyFile) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
