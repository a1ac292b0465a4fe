//go:build !race

package proxy

import (
	"bytes"
	"testing"
)

// TestStepAllocatesNothing guards the per-message step's zero: once the
// tables and buffers have warmed up, none of the four registration messages
// allocates in our code.
func TestStepAllocatesNothing(t *testing.T) {
	r := newRig(t)
	reg := recordRegistration(t, r)
	reg.upTo(r.w, r.out, true)
	invite, ok200, _, _ := wordedCall(t, r)
	badInvite := bytes.Replace(invite, []byte("CSeq: 1"), []byte("CSeq: 2"), 1)

	for _, m := range []struct {
		name string
		run  func()
	}{
		{"first_register", func() { r.w.Step(reg.first, testTerminal, r.out) }},
		{"challenge_401", func() { r.w.Step(reg.challenge, testSoftswitch, r.out) }},
		{"second_register", func() { r.w.Step(reg.second, testTerminal, r.out) }},
		{"registration", func() { reg.upTo(r.w, r.out, true) }},
		{"invite_word_verify", func() { r.w.Step(invite, testTerminal, r.out) }},
		{"ok200_word_add", func() { r.w.Step(ok200, testSoftswitch, r.out) }},
		{"invite_word_refused", func() { r.w.Step(badInvite, testTerminal, r.out) }},
	} {
		if n := testing.AllocsPerRun(200, m.run); n != 0 {
			t.Errorf("%s: %.1f allocations per message, want 0", m.name, n)
		}
	}
}
