package keystore

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports enforces the layering (DESIGN.md §2): the key store knows no network
// and no wire format, for itself and for everything it links, skd included.
func TestImports(t *testing.T) {
	for _, pkg := range []string{
		"github.com/sigproxy/sigproxy/keystore",
		"github.com/sigproxy/sigproxy/keystore/skd",
	} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 5 {
			t.Fatalf("go list returned too little: %q", deps)
		}
		for _, dep := range deps {
			if forbiddenDep(dep) {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}

func forbiddenDep(dep string) bool {
	const mod = "github.com/sigproxy/sigproxy/"
	return dep == "net" || strings.HasPrefix(dep, "net/") ||
		strings.HasPrefix(dep, mod+"codec") || strings.HasPrefix(dep, mod+"proxy") ||
		strings.HasPrefix(dep, mod+"tools") || strings.HasPrefix(dep, mod+"cmd")
}
