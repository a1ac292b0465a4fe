package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/mgcp"
)

// TestMGCPCorpus runs every message of the shared MGCP corpus through
// StepMGCP from a gateway and from the call agent: no panic; a gateway's
// valid (or lenient) message reaches the call agent and parses with its
// commands' ids changed; an invalid one is dropped as malformed; the call
// agent's responses answer no command of this proxy and are dropped, its
// commands go to the gateway that announced their domain or nowhere.
func TestMGCPCorpus(t *testing.T) {
	classes := mgcpCorpusClasses(t)
	wd := newMGCPStepWorld(t, nil)
	n := wd.net.(*mgcpStepNet)
	var d mgcp.Datagram
	var m mgcp.Message
	for name, class := range classes {
		pkt, err := os.ReadFile(filepath.Join(corpusDir, "mgcp", name+".mgcp"))
		if err != nil {
			t.Fatal(err)
		}
		before := n.h.Stats().Reasons[ReasonMGCPMalformed.String()]
		res, dst, ok := n.w.StepMGCP(pkt, testGW1, MGCPFromGateway, n.out)
		malformed := n.h.Stats().Reasons[ReasonMGCPMalformed.String()] - before
		switch {
		case class == "invalid" && (ok || malformed != 1):
			t.Errorf("%s: invalid message not dropped as malformed", name)
		case class == "invalid":
		case !ok:
			t.Errorf("%s: dropped (%v)", name, n.h.Stats().Reasons)
		case dst != testCA:
			t.Errorf("%s: sent to %v", name, dst)
		default:
			d.Reset(res)
			for d.Next(&m) {
			}
			if d.Err() != nil || d.Count() != strings.Count(string(pkt), "\n.\n")+
				strings.Count(string(pkt), "\r\n.\r\n")+1 {
				t.Errorf("%s: forwarded %d messages (%v)\n%s", name, d.Count(), d.Err(), res)
			}
		}
		res, dst, ok = n.w.StepMGCP(pkt, testCA, MGCPFromCallAgent, n.out)
		if ok && (class == "invalid" || dst != testGW1) {
			t.Errorf("%s from the call agent: sent to %v\n%s", name, dst, res)
		}
	}
}

// mgcpCorpusClasses reads the corpus's EXPECTED.tsv: name to class.
func mgcpCorpusClasses(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "mgcp", "EXPECTED.tsv"))
	if err != nil {
		t.Fatalf("no MGCP corpus (the shared folder must sit beside the repository): %v", err)
	}
	classes := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, "\t")
		classes[f[0]] = f[1]
	}
	if len(classes) < 10 {
		t.Fatalf("only %d corpus entries", len(classes))
	}
	return classes
}
