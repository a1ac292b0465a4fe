package proxy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sigproxy/sigproxy/codec/h248"
)

// h248CorpusFiles lists every message of the shared H.248 corpus.
func h248CorpusFiles(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(corpusDir, "h248", "*", "*.txt"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no H.248 corpus under %s (the shared folder must sit beside the repository)",
			corpusDir)
	}
	files := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Join(filepath.Base(filepath.Dir(n)), filepath.Base(n))] = b
	}
	return files
}

// TestH248Corpus runs every corpus message through StepH248 as if from a
// gateway and as if from the MGC: no panic; a gateway's valid message
// reaches the MGC and parses; an invalid one is dropped as malformed; the
// MGC's messages, which answer no transaction of this proxy, are dropped.
func TestH248Corpus(t *testing.T) {
	wd := newStepWorld(t)
	n := wd.net.(*stepNet)
	var m h248.Message
	for name, pkt := range h248CorpusFiles(t) {
		invalid := filepath.Dir(name) == "invalid"
		before := n.h.Stats().Reasons[ReasonH248Malformed.String()]
		res, dst, ok := n.w.StepH248(pkt, testMG1, n.out)
		malformed := n.h.Stats().Reasons[ReasonH248Malformed.String()] - before
		switch {
		case invalid && (ok || malformed != 1):
			t.Errorf("%s: invalid message not dropped as malformed", name)
		case invalid:
		case !ok:
			t.Errorf("%s: dropped (%v)", name, n.h.Stats().Reasons)
		case dst != testMGC && dst != testMG1:
			t.Errorf("%s: sent to %v", name, dst)
		default:
			if err := m.Parse(res); err != nil {
				t.Errorf("%s: the proxy sent a message that does not parse: %v\n%s", name, err, res)
			}
		}
		if _, _, ok := n.w.StepH248(pkt, testMGC, n.out); ok && invalid {
			t.Errorf("%s: invalid message from the MGC was forwarded", name)
		}
	}
}
