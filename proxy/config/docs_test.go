package config

import (
	"os"
	"strings"
	"testing"
)

// TestOperationsDocListsEveryKey keeps the key table of docs/OPERATIONS.md
// complete: each flag-backed key appears with its flag.
func TestOperationsDocListsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../docs/OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for flag, key := range FlagKeys() {
		if !strings.Contains(doc, "| `"+key+"` | `-"+flag) {
			t.Errorf("key %s with flag -%s is not in docs/OPERATIONS.md", key, flag)
		}
	}
}
