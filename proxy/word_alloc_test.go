//go:build !race

package proxy

import (
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestWordStepsAllocateNothing guards the zero of the word steps: checking
// and stripping a t2p word and adding a p2t word allocate nothing once
// buffers and tables have warmed up, for both protocols and mechanisms.
func TestWordStepsAllocateNothing(t *testing.T) {
	for _, mech := range []skd.Mechanism{skd.MechHMACSHA256, skd.MechAscon128aV12} {
		for proto, cases := range map[string][]wordCase{
			"h248": h248WordCases(t, mech), "mgcp": mgcpWordCases(t, mech)} {
			for _, c := range cases {
				run := func() {
					if !c.run(c.pkt) {
						t.Fatalf("%s %s %s dropped", proto, mech, c.name)
					}
				}
				run()
				if a := testing.AllocsPerRun(200, run); a != 0 {
					t.Errorf("%s %s %s: %.1f allocations, want 0", proto, mech, c.name, a)
				}
			}
		}
	}
}
