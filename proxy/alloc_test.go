//go:build !race

package proxy

import "testing"

// TestStepAllocatesNothing guards the per-message step's zero: once the
// tables and buffers have warmed up, none of the four registration messages
// allocates in our code.
func TestStepAllocatesNothing(t *testing.T) {
	r := newRig(t)
	reg := recordRegistration(t, r)
	reg.upTo(r.w, r.out, true)

	for _, m := range []struct {
		name string
		run  func()
	}{
		{"first_register", func() { r.w.Step(reg.first, testTerminal, r.out) }},
		{"challenge_401", func() { r.w.Step(reg.challenge, testSoftswitch, r.out) }},
		{"second_register", func() { r.w.Step(reg.second, testTerminal, r.out) }},
		{"registration", func() { reg.upTo(r.w, r.out, true) }},
	} {
		if n := testing.AllocsPerRun(200, m.run); n != 0 {
			t.Errorf("%s: %.1f allocations per message, want 0", m.name, n)
		}
	}
}
