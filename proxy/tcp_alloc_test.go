//go:build !race

package proxy

import "testing"

// TestTCPPathAllocatesNothing guards the TCP per-message path in our code:
// framing with a keep-alive, the step, and the send (UDP to the softswitch, the connection
// for a local answer, the response routed back from the UDP side on the
// owner loop and from another loop). gnet's own costs (its read, and the
// task of a cross-loop hand-over) are outside this measure.
func TestTCPPathAllocatesNothing(t *testing.T) {
	r := newTCPRig(t)
	for _, c := range tcpPathCases(t, r, "\r\n\r\n"+tcpOptions+tcpMessage) {
		c.run()
		if a := testing.AllocsPerRun(200, c.run); a != 0 {
			t.Errorf("%s: %.1f allocations per message, want 0", c.name, a)
		}
	}
	if r.loops[0].runs == 0 {
		t.Error("no cross-loop hand-over was run")
	}
}

// TestTPKTPathAllocatesNothing is the same guard for H.248 over TCP.
func TestTPKTPathAllocatesNothing(t *testing.T) {
	r, msgs := newTPKTRig(t)
	for _, c := range tpktPathCases(r, msgs) {
		c.run()
		if a := testing.AllocsPerRun(200, c.run); a != 0 {
			t.Errorf("%s: %.1f allocations per message, want 0", c.name, a)
		}
	}
}
