package proxy

import (
	"testing"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// h248Messages are the four §11 registration messages as they reach the
// proxy, recorded from a real flow so that each replays on its own: the
// gateway's ServiceChange and Notify keep their transaction ids, so replays
// are retransmissions, and the MGC's messages answer the recorded proxy ids.
type h248Messages struct {
	serviceChange, challenge, notify, success []byte
}

// recordH248 runs one registration in wd (a step world) and keeps the inputs.
func recordH248(t testing.TB, wd *h248World) h248Messages {
	t.Helper()
	values, _ := wd.keyValues(skd.WrapAscon128aV12, testKID)
	out, m, reg := wd.toSuccess(values)
	if !m.Header().Auth {
		t.Fatalf("recorded registration did not succeed:\n%s", out)
	}
	return h248Messages{
		serviceChange: []byte(regServiceChange(10, testOffer)),
		challenge:     []byte(challengeModify(reg.proxySC, 90001)),
		notify:        []byte(authNotify(11, reg.server, testOffer)),
		success:       []byte(successModify(reg.proxyNotify, 90002, values)),
	}
}

// BenchmarkStepH248 measures the whole H.248 step (parse, registration
// state, edit into the output buffer; for the success also unwrap, SPI, MAC
// and session store) for each registration message, replayed as
// retransmissions so each leaves the state it found.
func BenchmarkStepH248(b *testing.B) {
	wd := newStepWorld(b)
	msgs := recordH248(b, wd)
	n := wd.net.(*stepNet)
	for _, c := range []struct {
		name string
		pkt  []byte
		src  string
	}{
		{"ServiceChange", msgs.serviceChange, "mg1"},
		{"ChallengeModify", msgs.challenge, "mgc"},
		{"Notify", msgs.notify, "mg1"},
		{"SuccessModify", msgs.success, "mgc"},
	} {
		b.Run(c.name, func(b *testing.B) {
			src := stepAddrs[c.src]
			b.ReportAllocs()
			b.SetBytes(int64(len(c.pkt)))
			for b.Loop() {
				if _, _, ok := n.w.StepH248(c.pkt, src, n.out); !ok {
					b.Fatal("dropped")
				}
			}
		})
	}
}

// TestStepH248Replays checks what the benchmark and the allocation guard
// rely on: every recorded message, replayed, is handled the same way again.
func TestStepH248Replays(t *testing.T) {
	wd := newStepWorld(t)
	msgs := recordH248(t, wd)
	n := wd.net.(*stepNet)
	var m h248.Message
	for range 3 {
		for _, c := range []struct {
			pkt  []byte
			src  string
			want string
		}{
			{msgs.serviceChange, "mg1", "mgc"},
			{msgs.challenge, "mgc", "mg1"},
			{msgs.notify, "mg1", "mgc"},
			{msgs.success, "mgc", "mg1"},
		} {
			res, dst, ok := n.w.StepH248(c.pkt, stepAddrs[c.src], n.out)
			if !ok || dst != stepAddrs[c.want] {
				t.Fatalf("replay went to %v (ok %v)", dst, ok)
			}
			if err := m.Parse(res); err != nil {
				t.Fatal(err)
			}
		}
		if !m.Header().Auth || m.Root().Find(h248.TokError).Valid() {
			t.Fatalf("replayed success is not signed:\n%s", m.Bytes())
		}
	}
}
