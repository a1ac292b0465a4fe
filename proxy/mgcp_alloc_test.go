//go:build !race

package proxy

import (
	"net"
	"net/netip"
	"testing"
)

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

// TestOnTrafficMGCPAllocatesNothing measures the MGCP dispatch: telling
// the two MGCP sockets from the others, the step and the send from the
// other socket allocate nothing.
func TestOnTrafficMGCPAllocatesNothing(t *testing.T) {
	wd := newMGCPStepWorld(t, nil)
	r := recordMGCP(t, wd)
	s := NewServer(wd.net.handler())
	for _, c := range []struct {
		sock *mgcpSocket
		addr netip.AddrPort
	}{{&s.mgcp.gw, testMGCPGWSide}, {&s.mgcp.ca, testMGCPCASide}} {
		conn := listenUDP(t)
		f, err := conn.File()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		c.sock.listen, c.sock.ip = c.addr, net.IP(c.addr.Addr().AsSlice())
		c.sock.fd, c.sock.duped = int(f.Fd()), true
	}
	for _, c := range []*fakeConn{
		{pkt: r.rsip, local: net.UDPAddrFromAddrPort(testMGCPGWSide),
			remote: net.UDPAddrFromAddrPort(testGW1)},
		{pkt: r.command, local: net.UDPAddrFromAddrPort(testMGCPCASide),
			remote: net.UDPAddrFromAddrPort(testCA)},
	} {
		before := s.h.Stats().MGCP.MessagesOut
		s.OnTraffic(c)
		if a := testing.AllocsPerRun(200, func() { s.OnTraffic(c) }); a != 0 {
			t.Errorf("%v: %.1f allocations per datagram, want 0", c.local, a)
		}
		if c.sent != 0 || s.h.Stats().MGCP.MessagesOut == before {
			t.Errorf("%v: sent %d by gnet, MGCP out %d", c.local, c.sent, before)
		}
	}
	if n := s.h.Stats().Reasons[ReasonSendFailed.String()]; n != 0 {
		t.Errorf("%d sends failed", n)
	}
}
