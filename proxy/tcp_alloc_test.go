//go:build !race

package proxy

import (
	"strings"
	"testing"
)

// TestTCPPathAllocatesNothing guards the TCP per-message path in our code:
// framing, the step, and the send (UDP to the softswitch, the connection
// for a local answer, the response routed back from the UDP side on the
// owner loop and from another loop). gnet's own costs (its read, and the
// task of a cross-loop hand-over) are outside this measure.
func TestTCPPathAllocatesNothing(t *testing.T) {
	r := newTCPRig(t)
	hop0 := strings.Replace(tcpOptions, "Max-Forwards: 70", "Max-Forwards: 0", 1)
	resp := []byte(tcpResponse(t, r))
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"request_to_softswitch", r.feed([]byte("\r\n\r\n" + tcpOptions + tcpMessage))},
		{"local_answer", r.feed([]byte(hop0))},
		{"response_same_loop", r.datagram(resp, 0)},
		{"response_other_loop", r.datagram(resp, 1)},
	} {
		c.run()
		if a := testing.AllocsPerRun(200, c.run); a != 0 {
			t.Errorf("%s: %.1f allocations per message, want 0", c.name, a)
		}
	}
	if r.loops[0].runs == 0 {
		t.Error("no cross-loop hand-over was run")
	}
}
