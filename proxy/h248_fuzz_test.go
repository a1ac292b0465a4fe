package proxy

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/sigproxy/sigproxy/codec/h248"
)

// Placeholders a fuzz input may hold for the proxy ids of the registration
// in progress: the ids are drawn per process, so seeds cannot spell them.
var (
	fuzzSCID     = []byte("PXSC")
	fuzzNotifyID = []byte("PXNT")
)

// FuzzStepH248 feeds arbitrary datagrams to the H.248 step, as if from a
// gateway and as if from the MGC, with a registration in progress (verified,
// so the MGC's success path is reachable). Properties: no panic; whatever
// the proxy sends parses as H.248; no proxy copy of a key reaches a gateway,
// nor an offer the MGC.
func FuzzStepH248(f *testing.F) {
	wd := newStepWorld(f)
	msgs := recordH248(f, wd)
	n := wd.net.(*stepNet)
	scID, notifyID := fuzzIDs(f, wd)
	f.Add(msgs.serviceChange, false)
	f.Add(bytes.ReplaceAll(msgs.challenge, scID, fuzzSCID), true)
	f.Add(msgs.notify, false)
	f.Add(bytes.ReplaceAll(msgs.success, notifyID, fuzzNotifyID), true)

	var m h248.Message
	f.Fuzz(func(t *testing.T, pkt []byte, fromMGC bool) {
		n.w.StepH248(msgs.serviceChange, testMG1, n.out)
		n.w.StepH248(msgs.challenge, testMGC, n.out)
		n.w.StepH248(msgs.notify, testMG1, n.out)
		src := testMG1
		if fromMGC {
			src = testMGC
			pkt = bytes.ReplaceAll(pkt, fuzzSCID, scID)
			pkt = bytes.ReplaceAll(pkt, fuzzNotifyID, notifyID)
		}
		res, dst, ok := n.w.StepH248(pkt, src, n.out)
		if !ok {
			return
		}
		if err := m.Parse(res); err != nil {
			t.Fatalf("the proxy sent a message that does not parse: %v\nin:  %q\nout: %q",
				err, pkt, res)
		}
		root := m.Root()
		if dst != testMGC && root.FindParam("skd", "proxy").Valid() {
			t.Fatalf("a proxy copy reached a gateway: %q", res)
		}
		if dst == testMGC && fromMGC {
			t.Fatalf("an MGC message went back to the MGC: %q", res)
		}
		if dst == testMGC {
			checkServices(t, &m, res)
		}
	})
}

// checkServices fails when a ServiceChange request on ROOT that the proxy
// forwards to the MGC still holds an offer, or names another proxy than this
// one. (A gateway's Replies pass unchanged, §11.6.)
func checkServices(t *testing.T, m *h248.Message, res []byte) {
	for i := range m.NumNodes() {
		n := m.Node(i)
		if n.Token() != h248.TokServiceChange || n.Kind() != h248.KindCommand || !isRoot(n) ||
			n.Parent().Parent().Token() != h248.TokTransaction {
			continue
		}
		for p := n.Child(h248.TokServices).FirstChild(); p.Valid(); p = p.Next() {
			switch {
			case !p.IsExtension():
			case equalFold(p.Name(), []byte(extOffer)):
				t.Fatalf("an offer reached the MGC: %q", res)
			case equalFold(p.Name(), []byte(extProxy)) &&
				!bytes.HasPrefix(p.Value(), []byte("sp1;wrap=")):
				t.Fatalf("a gateway named a proxy to the MGC: %q", res)
			}
		}
	}
}

// fuzzIDs returns the proxy ids, in decimal, of the recorded registration's
// ServiceChange and Notify.
func fuzzIDs(t testing.TB, wd *h248World) (sc, notify []byte) {
	t.Helper()
	n := wd.net.(*stepNet)
	var m h248.Message
	ids := [2][]byte{}
	for i, pkt := range []string{regServiceChange(10, testOffer), ""} {
		if i == 1 {
			// The Notify needs the server the challenge carried.
			pkt = authNotify(11, "ascon128a-v12;q=0.9", testOffer)
		}
		res, _, ok := n.w.StepH248([]byte(pkt), testMG1, n.out)
		if !ok || m.Parse(res) != nil {
			t.Fatalf("replay %d failed", i)
		}
		ids[i] = strconv.AppendUint(nil, uint64(txnIDs(&m, h248.TokTransaction)[0]), 10)
	}
	return ids[0], ids[1]
}
