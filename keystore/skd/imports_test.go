package skd

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports enforces the layering of docs (DESIGN.md §2): the key-distribution
// primitives know no network and no wire format, so neither this package nor
// anything it links may pull in net, a codec or the proxy.
func TestImports(t *testing.T) {
	checkNoForbiddenDeps(t, "github.com/sigproxy/sigproxy/keystore/skd")
}

func checkNoForbiddenDeps(t *testing.T, pkg string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 5 {
		t.Fatalf("go list returned too little: %q", deps)
	}
	for _, dep := range deps {
		if isForbidden(dep) {
			t.Errorf("%s depends on %s", pkg, dep)
		}
	}
}

func isForbidden(dep string) bool {
	const mod = "github.com/sigproxy/sigproxy/"
	return dep == "net" || strings.HasPrefix(dep, "net/") ||
		strings.HasPrefix(dep, mod+"codec") || strings.HasPrefix(dep, mod+"proxy") ||
		strings.HasPrefix(dep, mod+"tools")
}

func TestIsForbidden(t *testing.T) {
	for dep, want := range map[string]bool{
		"net": true, "net/netip": true, "netx": false, "crypto/aes": false,
		"github.com/sigproxy/sigproxy/codec/sip": true,
		"github.com/sigproxy/sigproxy/proxy":     true,
		"github.com/sigproxy/sigproxy/keystore":  false,
	} {
		if isForbidden(dep) != want {
			t.Errorf("isForbidden(%q) = %v", dep, !want)
		}
	}
}
