//go:build !race

package proxy

import "testing"

// TestStepMGCPAllocatesNothing guards the MGCP step's zero: once tables and
// buffers have warmed up, no registration datagram allocates, nor a
// routed command, a refusal or a drop.
func TestStepMGCPAllocatesNothing(t *testing.T) {
	wd := newMGCPStepWorld(t, nil)
	r := recordMGCP(t, wd)
	n := wd.net.(*mgcpStepNet)
	for _, c := range []struct {
		name string
		pkt  []byte
		src  string
		side MGCPSide
	}{
		{"rsip", r.rsip, "gw1", MGCPFromGateway},
		{"challenge", r.challenge, "ca", MGCPFromCallAgent},
		{"gateway_200", r.ack, "gw1", MGCPFromGateway},
		{"ntfy", r.ntfy, "gw1", MGCPFromGateway},
		{"success", r.success, "ca", MGCPFromCallAgent},
		{"command_by_domain", r.command, "ca", MGCPFromCallAgent},
		{"refused_510", []byte(mgcpRegRSIP(12, testDomain1, "kerberos")), "gw1", MGCPFromGateway},
		{"malformed", []byte("RSIP 1 x MGCP 1.0\r\n"), "gw1", MGCPFromGateway},
		{"unroutable", []byte("200 999999 OK\r\n"), "ca", MGCPFromCallAgent},
		{"not_from_ca", r.challenge, "gw2", MGCPFromCallAgent},
	} {
		run := func() { n.w.StepMGCP(c.pkt, mgcpAddrs[c.src], c.side, n.out) }
		run()
		if a := testing.AllocsPerRun(200, run); a != 0 {
			t.Errorf("%s: %.1f allocations per datagram, want 0", c.name, a)
		}
	}
}
