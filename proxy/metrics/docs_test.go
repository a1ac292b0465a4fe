package metrics

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/proxy"
)

const operationsDoc = "../../docs/OPERATIONS.md"

// TestDocsListEveryMetric keeps docs/OPERATIONS.md and the exposition in
// step: each sigproxy_ family is documented, each documented one exists.
func TestDocsListEveryMetric(t *testing.T) {
	doc := readDoc(t)
	src := &fakeSource{}
	src.set(proxy.Stats{ChosenByMech: map[string]uint64{"hmac-sha256": 0}})
	fams := scrape(t, startServer(t, src, Options{}))
	for name := range fams {
		if strings.HasPrefix(name, "sigproxy_") && !strings.Contains(doc, "| `"+name+"` |") {
			t.Errorf("metric %s is not in the table of %s", name, operationsDoc)
		}
	}
	row := regexp.MustCompile("(?m)^\\| `(sigproxy_[a-z0-9_]+)` \\|")
	documented := row.FindAllStringSubmatch(doc, -1)
	if len(documented) < 10 {
		t.Fatalf("only %d metrics found in %s", len(documented), operationsDoc)
	}
	for _, m := range documented {
		if _, ok := fams[m[1]]; !ok {
			t.Errorf("%s documents %s, which is not exported", operationsDoc, m[1])
		}
	}
}

func TestDocsListEveryReason(t *testing.T) {
	doc := readDoc(t)
	for r := proxy.Reason(1); r.String() != "unknown"; r++ {
		if !strings.Contains(doc, "| `"+r.String()+"` |") {
			t.Errorf("reason %s is not in the reason table of %s", r, operationsDoc)
		}
	}
}

// TestOnlyKnownFamilies checks that the exposition holds the proxy's
// families and the standard runtime ones, nothing else.
func TestOnlyKnownFamilies(t *testing.T) {
	fams := scrape(t, startServer(t, &fakeSource{}, Options{}))
	for name := range fams {
		ok := false
		for _, prefix := range []string{"sigproxy_", "go_", "process_", "promhttp_"} {
			ok = ok || strings.HasPrefix(name, prefix)
		}
		if !ok {
			t.Errorf("unexpected metric family %s", name)
		}
	}
}

func readDoc(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
