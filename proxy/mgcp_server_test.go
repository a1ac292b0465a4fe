package proxy

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

func init() { newMGCPUDPWorld = startMGCPUDPWorld }

// mgcpUDPNet runs a real Server on loopback with SIP, H.248 and MGCP on one
// engine; the call agent and the gateways are UDP sockets.
type mgcpUDPNet struct {
	srv   *Server
	socks map[string]*net.UDPConn
}

func (n *mgcpUDPNet) handler() *Handler { return n.srv.Handler() }

// send writes pkt from the endpoint to the proxy's socket of side, waits
// until the proxy has handled it, and reads what arrived where. Datagrams
// for the call agent must come from the call-agent-side socket, those for
// gateways from the gateway-side socket.
func (n *mgcpUDPNet) send(t testing.TB, from string, side MGCPSide, pkt string) (string,
	string) {
	t.Helper()
	h := n.handler()
	before := h.Stats()
	to := n.srv.MGCPGatewayAddr()
	if side == MGCPFromCallAgent {
		to = n.srv.MGCPCallAgentAddr()
	}
	if _, err := n.socks[from].WriteToUDPAddrPort([]byte(pkt), to); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for h.Stats().Handled == before.Handled {
		if time.Now().After(deadline) {
			t.Fatal("the proxy did not take the datagram")
		}
		time.Sleep(200 * time.Microsecond)
	}
	if h.Stats().MGCP.MessagesOut == before.MGCP.MessagesOut {
		return "", ""
	}
	buf := make([]byte, 70000)
	for range 100 {
		for name, c := range n.socks {
			_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
			k, fromAddr, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				continue
			}
			want := n.srv.MGCPGatewayAddr()
			if name == "ca" {
				want = n.srv.MGCPCallAgentAddr()
			}
			if fromAddr != want {
				t.Errorf("datagram for %s came from %v, want %v", name, fromAddr, want)
			}
			return string(buf[:k]), name
		}
	}
	t.Fatal("the proxy counted a datagram out but none arrived")
	return "", ""
}

// startMGCPServer runs a Server with every protocol on 127.0.0.1, ports 0,
// and MGCP's call agent at ca.
func startMGCPServer(t testing.TB, ksp []byte, ca netip.AddrPort, loops ...int) *Server {
	t.Helper()
	cfg := mgcpConfig(t, ksp)
	if len(loops) > 0 {
		cfg.EventLoops = loops[0]
	}
	any0 := netip.MustParseAddrPort("127.0.0.1:0")
	cfg.Listen, cfg.H248Listen, cfg.H248Softswitch = any0, any0, testMGC
	cfg.MGCPGatewayListen, cfg.MGCPCallAgentListen, cfg.MGCPCallAgent = any0, any0, ca
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(ctx)
	})
	return srv
}

func startMGCPUDPWorld(t *testing.T) *mgcpWorld { return startMGCPUDPWorldLoops(t, 1) }

func startMGCPUDPWorldLoops(t *testing.T, loops int) *mgcpWorld {
	t.Helper()
	ca := listenUDP(t)
	ksp := randBytes(t, skd.KspSize)
	srv := startMGCPServer(t, ksp, ca.LocalAddr().(*net.UDPAddr).AddrPort(), loops)
	n := &mgcpUDPNet{srv: srv, socks: map[string]*net.UDPConn{
		"gw1": listenUDP(t), "gw2": listenUDP(t), "ca": ca}}
	wd := &mgcpWorld{t: t, ksp: ksp, kc: randBytes(t, skd.KcSize), net: n}
	copy(wd.sk[:], randBytes(t, skd.SessionKeySize))
	return wd
}

// TestServerBindsMGCP: the two MGCP sockets bind ephemeral ports of their
// own beside SIP and H.248 on one engine.
func TestServerBindsMGCP(t *testing.T) {
	srv := startMGCPServer(t, randBytes(t, skd.KspSize), testCA)
	gw, ca := srv.MGCPGatewayAddr(), srv.MGCPCallAgentAddr()
	if !gw.IsValid() || !ca.IsValid() || gw.Port() == 0 || ca.Port() == 0 || gw == ca ||
		gw == srv.H248Addr() || ca == srv.H248Addr() {
		t.Fatalf("MGCP sockets %v and %v (H.248 %v)", gw, ca, srv.H248Addr())
	}
}

// TestMGCPConfig: the MGCP addresses come together, each socket on an
// address of its own, and the defaults fill the table size.
func TestMGCPConfig(t *testing.T) {
	base := mgcpConfig(t, randBytes(t, skd.KspSize))
	for i, c := range []struct {
		edit func(*Config)
		want error
	}{
		{func(c *Config) { c.MGCPCallAgent = netip.AddrPort{} }, ErrNoMGCPCallAgent},
		{func(c *Config) { c.MGCPCallAgentListen = netip.AddrPort{} }, ErrNoMGCPCallAgent},
		{func(c *Config) { c.MGCPCallAgentListen = c.MGCPGatewayListen }, ErrMGCPSameListen},
		{func(c *Config) { c.MGCPGatewayListen = c.Listen }, ErrMGCPSameListen},
		{func(c *Config) {
			c.H248Listen, c.H248Softswitch = testMGCPCASide, testMGC
		}, ErrMGCPSameListen},
	} {
		cfg := base
		c.edit(&cfg)
		if _, err := NewHandler(cfg); err != c.want {
			t.Errorf("case %d: got %v, want %v", i, err, c.want)
		}
	}
	h, err := NewHandler(base)
	if err != nil {
		t.Fatal(err)
	}
	if h.cfg.MGCPTxnCapacity != DefaultMGCPTxnCapacity || h.mgcp == nil {
		t.Errorf("defaults: %d", h.cfg.MGCPTxnCapacity)
	}
	off := base
	off.MGCPGatewayListen = netip.AddrPort{}
	if h, err := NewHandler(off); err != nil || h.mgcp != nil {
		t.Errorf("MGCP off: %v", err)
	}
	w := h.NewWorker()
	h.mgcp = nil
	if _, _, ok := w.StepMGCP([]byte("200 1 OK\r\n"), testCA, MGCPFromCallAgent, nil); ok ||
		h.Stats().Reasons["mgcp_disabled"] != 1 {
		t.Error("a datagram with MGCP off was not dropped as mgcp_disabled")
	}
}

// TestMGCPTwoEventLoops runs a registration through two event loops on
// SO_REUSEPORT sockets: whichever loop takes a datagram, the state is
// shared and the answer leaves from the socket its receiver knows.
func TestMGCPTwoEventLoops(t *testing.T) {
	wd := startMGCPUDPWorldLoops(t, 2)
	testMGCPRegistration(t, wd, testOffer, skd.MechAscon128aV12, "ascon128a-v12;q=0.9")
}

// TestMGCPMappedCallAgentAddress: a dual-stack socket reports the call
// agent as an IPv4-mapped address, which is still the call agent.
func TestMGCPMappedCallAgentAddress(t *testing.T) {
	wd := newMGCPStepWorld(t, nil)
	n := wd.net.(*mgcpStepNet)
	id := wd.fromGW("gw1", mgcpRSIP(5, testDomain1, "restart", ""), "ca")[0].TransactionID()
	mapped := netip.AddrPortFrom(netip.AddrFrom16(testCA.Addr().As16()), testCA.Port())
	resp := []byte("200 " + strconv.FormatUint(uint64(id), 10) + " OK\r\n")
	if _, dst, ok := n.w.StepMGCP(resp, mapped, MGCPFromCallAgent, n.out); !ok || dst != testGW1 {
		t.Errorf("response from %v: sent %v to %v (%v)", mapped, ok, dst,
			n.h.Stats().Reasons)
	}
}
