//go:build !race

package proxy

import (
	"net"
	"net/netip"
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// TestStepH248AllocatesNothing guards the H.248 step's zero: once tables and
// buffers have warmed up, none of the four registration messages allocates.
func TestStepH248AllocatesNothing(t *testing.T) {
	wd := newStepWorld(t)
	msgs := recordH248(t, wd)
	n := wd.net.(*stepNet)
	for _, c := range []struct {
		name string
		pkt  []byte
		src  string
	}{
		{"service_change", msgs.serviceChange, "mg1"},
		{"challenge_modify", msgs.challenge, "mgc"},
		{"notify", msgs.notify, "mg1"},
		{"success_modify", msgs.success, "mgc"},
		{"malformed", []byte("MEGACO/1 [127.0.0.1]:1 Transaction = {"), "mg1"},
		{"unroutable", []byte("MEGACO/1 [127.0.0.1]:2945\nReply = 4 { Context = - { Modify = ROOT } }"), "mgc"},
	} {
		run := func() { n.w.StepH248(c.pkt, stepAddrs[c.src], n.out) }
		run()
		if a := testing.AllocsPerRun(200, run); a != 0 {
			t.Errorf("%s: %.1f allocations per message, want 0", c.name, a)
		}
	}
}

// fakeConn is the part of a gnet.Conn that OnTraffic uses.
type fakeConn struct {
	gnet.Conn
	pkt           []byte
	local, remote *net.UDPAddr
	sent          int
	sentTo        netip.AddrPort
}

func (c *fakeConn) Next(int) ([]byte, error) { return c.pkt, nil }
func (c *fakeConn) LocalAddr() net.Addr      { return c.local }
func (c *fakeConn) RemoteAddr() net.Addr     { return c.remote }
func (c *fakeConn) SendTo(p []byte, a net.Addr) (int, error) {
	c.sent++
	c.sentTo = a.(*net.UDPAddr).AddrPort()
	return len(p), nil
}

// TestOnTrafficAllocatesNothing measures the socket dispatch: telling the
// H.248 socket from the SIP one, the step and the send allocate nothing.
func TestOnTrafficAllocatesNothing(t *testing.T) {
	wd := newStepWorld(t)
	msgs := recordH248(t, wd)
	s := NewServer(wd.net.handler())
	s.h248Port = int(testH248Proxy.Port())
	h248Sock := &fakeConn{pkt: msgs.serviceChange, local: net.UDPAddrFromAddrPort(testH248Proxy),
		remote: net.UDPAddrFromAddrPort(testMG1)}
	options := "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKok\r\n" +
		"From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: alive\r\nCSeq: 1 OPTIONS\r\n" +
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	sipSock := &fakeConn{pkt: []byte(options),
		local: net.UDPAddrFromAddrPort(testProxyAddr), remote: net.UDPAddrFromAddrPort(testTerminal)}
	for _, c := range []*fakeConn{h248Sock, sipSock} {
		s.OnTraffic(c)
		if a := testing.AllocsPerRun(200, func() { s.OnTraffic(c) }); a != 0 {
			t.Errorf("%v: %.1f allocations per datagram, want 0", c.local, a)
		}
	}
	if h248Sock.sentTo != testMGC {
		t.Errorf("H.248 datagram sent to %v, want the MGC", h248Sock.sentTo)
	}
	if sipSock.sentTo != testSoftswitch {
		t.Errorf("SIP datagram sent to %v, want the softswitch", sipSock.sentTo)
	}
}
