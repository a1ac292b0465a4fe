package proxy

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// registration holds the four registration messages as they reach the proxy,
// recorded from a real flow so each can be replayed on its own.
type registration struct {
	first, challenge, second, success []byte
}

// recordRegistration runs one full registration on r and keeps the inputs.
func recordRegistration(t testing.TB, r *rig) registration {
	t.Helper()
	var reg registration
	reg.first = []byte(r.firstRegister())
	fwd1, _ := r.step(string(reg.first), testTerminal)
	reg.challenge = []byte(answer(fwd1, "401 Unauthorized", challenge()))
	resp401, _ := r.step(string(reg.challenge), testSoftswitch)
	server, _ := resp401.Get(sip.HdrSecurityServer)
	reg.second = []byte(r.secondRegister(string(server)))
	fwd2, _ := r.step(string(reg.second), testTerminal)
	name, _, _ := strings.Cut(string(server), ";")
	mech, _ := skd.ParseMechanism([]byte(strings.TrimSpace(name)))
	kd, _ := r.keyDistribution(mech.Wrap(), testKID) // the chosen mechanism's wrap
	reg.success = []byte(answer(fwd2, "200 OK",
		"Contact: <sip:alice@127.0.0.1:40001>;expires=3600\r\n"+kd))
	if resp, _ := r.step(string(reg.success), testSoftswitch); resp.StatusCode() != 200 {
		t.Fatalf("recorded registration ended with %d", resp.StatusCode())
	}
	return reg
}

// upTo replays the messages before the success so the next 200 finds its
// registration verified; with all it also replays the 200.
func (reg *registration) upTo(w *Worker, out []byte, all bool) bool {
	_, _, ok1 := w.Step(reg.first, testTerminal, out)
	_, _, ok2 := w.Step(reg.challenge, testSoftswitch, out)
	_, _, ok3 := w.Step(reg.second, testTerminal, out)
	if !all {
		return ok1 && ok2 && ok3
	}
	_, _, ok4 := w.Step(reg.success, testSoftswitch, out)
	return ok1 && ok2 && ok3 && ok4
}

// BenchmarkStep measures the whole per-message step (parse, decide, rewrite
// into the output buffer) for each registration message. The first REGISTER,
// the 401 and the second REGISTER leave state the same message can meet again,
// so they repeat directly; the 200 consumes its registration, so the state is
// rebuilt outside the timer.
func BenchmarkStep(b *testing.B) {
	r := newRig(b)
	reg := recordRegistration(b, r)
	for _, m := range []struct {
		name string
		pkt  []byte
		src  netip.AddrPort
	}{
		{"first_register", reg.first, testTerminal},
		{"challenge_401", reg.challenge, testSoftswitch},
		{"second_register", reg.second, testTerminal},
	} {
		b.Run(m.name, func(b *testing.B) {
			reg.upTo(r.w, r.out, false)
			b.ReportAllocs()
			b.SetBytes(int64(len(m.pkt)))
			for b.Loop() {
				if _, _, ok := r.w.Step(m.pkt, m.src, r.out); !ok {
					b.Fatal("message dropped")
				}
			}
		})
	}
	b.Run("success_200", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(reg.success)))
		for b.Loop() {
			b.StopTimer()
			reg.upTo(r.w, r.out, false)
			b.StartTimer()
			if _, _, ok := r.w.Step(reg.success, testSoftswitch, r.out); !ok {
				b.Fatal("message dropped")
			}
		}
	})
	b.Run("registration", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !reg.upTo(r.w, r.out, true) {
				b.Fatal("a message was dropped")
			}
		}
	})
	benchStepWords(b)
}

// wordedCall records, after a registration on r, a worded INVITE from the
// registered terminal and the softswitch's 200 to it, and the same pair from
// a sender without a session (relayed plainly), for BenchmarkStepWords.
func wordedCall(t testing.TB, r *rig) (invite, ok200, plainInvite, plain200 []byte) {
	return wordedCallAs(t, r, skd.MechHMACSHA256)
}

// wordedCallAs is wordedCall for a rig whose offer prefers mech.
func wordedCallAs(t testing.TB, r *rig, mech skd.Mechanism) (invite, ok200, plainInvite,
	plain200 []byte) {
	t.Helper()
	recordRegistration(t, r)
	invite = []byte(r.wordedAs(mech, inviteFrom(1, ""), 1))
	fwd, dst := r.step(string(invite), testTerminal)
	if dst != testSoftswitch {
		t.Fatalf("the worded INVITE (%s) was refused", mech)
	}
	ok200 = []byte(answer(fwd, "200 OK", "Contact: <sip:bob@127.0.0.1:40002>\r\n"))
	plainInvite = []byte(strings.ReplaceAll(inviteFrom(1, ""), "alice", "carol"))
	fwd, _ = r.step(string(plainInvite), testTerminal)
	plain200 = []byte(answer(fwd, "200 OK", "Contact: <sip:bob@127.0.0.1:40002>\r\n"))
	return invite, ok200, plainInvite, plain200
}

// benchStepWords measures, as sub-benchmarks of BenchmarkStep, the
// per-message step for an INVITE whose t2p word is verified and a 200 that gets
// a p2t word (PROTOCOL.md §13, hmac-sha256), next to the same messages from a
// sender without a session, relayed plainly: the difference is what the words
// cost. The worded INVITE repeats its number, so after the first it passes as
// the retransmission of the last request: the same verification and one lock,
// as a new number would cost.
func benchStepWords(b *testing.B) {
	r := newRig(b)
	invite, ok200, plainInvite, plain200 := wordedCall(b, r)
	ra := newRig(b)
	ra.offer = "ascon128a-v12"
	aInvite, aOK200, _, _ := wordedCallAs(b, ra, skd.MechAscon128aV12)
	for _, m := range []struct {
		name string
		r    *rig
		pkt  []byte
		src  netip.AddrPort
	}{
		{"invite_plain", r, plainInvite, testTerminal},
		{"invite_word_verify", r, invite, testTerminal},
		{"invite_word_verify_ascon", ra, aInvite, testTerminal},
		{"ok200_plain", r, plain200, testSoftswitch},
		{"ok200_word_add", r, ok200, testSoftswitch},
		{"ok200_word_add_ascon", ra, aOK200, testSoftswitch},
	} {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(m.pkt)))
			for b.Loop() {
				if _, _, ok := m.r.w.Step(m.pkt, m.src, m.r.out); !ok {
					b.Fatal("message dropped")
				}
			}
		})
	}
}
