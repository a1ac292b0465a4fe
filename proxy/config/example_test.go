package config

import (
	"bytes"
	"os"
	"sort"
	"testing"

	"github.com/BurntSushi/toml"
)

const examplePath = "../../docs/sigproxy.example.toml"

func TestExampleFileLoads(t *testing.T) {
	f, err := Load(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if !s.AdminListen.Addr().IsLoopback() || s.Proxy.ProxyID != "sp1" {
		t.Errorf("example settings: %+v", s)
	}
}

// TestExampleFileHasEveryKey keeps the example complete: every key of the
// format appears in it, so it doubles as the reference.
func TestExampleFileHasEveryKey(t *testing.T) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(Default()); err != nil {
		t.Fatal(err)
	}
	all := keysOf(t, buf.String())
	example := keysOf(t, readText(t, examplePath))
	for k := range all {
		if !example[k] {
			t.Errorf("key %q missing from %s", k, examplePath)
		}
	}
	if len(all) < 20 {
		t.Errorf("only %d keys enumerated: %v", len(all), sortedKeys(all))
	}
}

// TestFlagKeysAreFileKeys checks that every flag ApplyFlags knows overrides
// a key that exists.
func TestFlagKeysAreFileKeys(t *testing.T) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(Default()); err != nil {
		t.Fatal(err)
	}
	all := keysOf(t, buf.String())
	for flag, key := range FlagKeys() {
		if !all[key] {
			t.Errorf("flag -%s maps to %q, which is not a key", flag, key)
		}
	}
}

func keysOf(t *testing.T, text string) map[string]bool {
	t.Helper()
	md, err := toml.Decode(text, &File{})
	if err != nil {
		t.Fatal(err)
	}
	keys := make(map[string]bool)
	for _, k := range md.Keys() {
		keys[k.String()] = true
	}
	return keys
}

func sortedKeys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

func readText(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
