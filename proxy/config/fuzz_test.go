package config

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/BurntSushi/toml"
)

// FuzzParse checks that no input makes Parse panic, and that an accepted
// file, written back out, is accepted again with the same settings.
func FuzzParse(f *testing.F) {
	f.Add([]byte(readText(f, examplePath)))
	f.Add([]byte("[limits]\npending_capacity = 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		want, err := file.Settings()
		if err != nil {
			t.Fatalf("Parse accepted what Settings rejects: %v", err)
		}
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(file); err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("written file does not parse: %v\n%s", err, buf.Bytes())
		}
		got, err := again.Settings()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip changed the settings:\n%+v\n%+v", want, got)
		}
	})
}
