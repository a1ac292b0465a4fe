package proxy

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore"
)

// h248Loopback is a running proxy with SIP and H.248 on 127.0.0.1, a fake
// MGC and a fake softswitch socket.
type h248Loopback struct {
	srv        *Server
	mgc        *net.UDPConn
	softswitch *net.UDPConn
	h248Addr   *net.UDPAddr
	sipAddr    *net.UDPAddr
	ksp        []byte
}

func startH248Loopback(t *testing.T) *h248Loopback {
	t.Helper()
	lb := &h248Loopback{mgc: listenUDP(t), softswitch: listenUDP(t), ksp: randBytes(t, 32)}
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: lb.ksp}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{
		ProxyID:        "sp1",
		Listen:         netip.MustParseAddrPort("127.0.0.1:0"),
		Softswitch:     lb.softswitch.LocalAddr().(*net.UDPAddr).AddrPort(),
		H248Listen:     netip.MustParseAddrPort("127.0.0.1:0"),
		H248Softswitch: lb.mgc.LocalAddr().(*net.UDPAddr).AddrPort(),
		Keyring:        ring,
	})
	if err != nil {
		t.Fatal(err)
	}
	lb.srv = NewServer(h)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lb.srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = lb.srv.Stop(ctx)
	})
	lb.h248Addr = net.UDPAddrFromAddrPort(lb.srv.H248Addr())
	lb.sipAddr = net.UDPAddrFromAddrPort(h.Addr())
	return lb
}

// recv reads one datagram from c within a second; nil on timeout.
func recv(t *testing.T, c *net.UDPConn, wait time.Duration) ([]byte, netip.AddrPort) {
	t.Helper()
	buf := make([]byte, 70000)
	_ = c.SetReadDeadline(time.Now().Add(wait))
	n, from, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		return nil, netip.AddrPort{}
	}
	return buf[:n], from
}

func send(t *testing.T, c *net.UDPConn, pkt string, to *net.UDPAddr) {
	t.Helper()
	if _, err := c.WriteToUDP([]byte(pkt), to); err != nil {
		t.Fatal(err)
	}
}

// TestServerBindsSIPAndH248 runs both protocols on one engine: each
// datagram is handled by its protocol's step and leaves from the socket it
// came in on.
func TestServerBindsSIPAndH248(t *testing.T) {
	lb := startH248Loopback(t)
	if lb.h248Addr.Port == 0 || lb.h248Addr.Port == lb.sipAddr.Port {
		t.Fatalf("H.248 bound to %v, SIP to %v", lb.h248Addr, lb.sipAddr)
	}
	mg := listenUDP(t)
	sc := "MEGACO/1 [127.0.0.1]:40010\nTransaction = 10 { Context = - { ServiceChange = ROOT {" +
		" Services { Method = Restart, Reason = \"901 Cold Boot\" } } } }\n"
	send(t, mg, sc, lb.h248Addr)
	got, from := recv(t, lb.mgc, 2*time.Second)
	if got == nil {
		t.Fatal("the ServiceChange did not reach the MGC")
	}
	if from != lb.srv.H248Addr() {
		t.Errorf("H.248 left from %v, want the H.248 socket %v", from, lb.srv.H248Addr())
	}

	options := "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKok\r\n" +
		"From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: both\r\nCSeq: 1 OPTIONS\r\n" +
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	send(t, mg, options, lb.sipAddr)
	got, from = recv(t, lb.softswitch, 2*time.Second)
	if got == nil {
		t.Fatal("the SIP request did not reach the softswitch")
	}
	if from != lb.srv.Handler().Addr() {
		t.Errorf("SIP left from %v, want %v", from, lb.srv.Handler().Addr())
	}
	st := lb.srv.Handler().Stats()
	if st.H248.MessagesIn != 1 || st.H248.MessagesOut != 1 || st.MessagesIn != 2 {
		t.Errorf("stats: %+v", st)
	}
}

// TestH248Config checks the H.248 settings: the MGC is required with a
// listen address, SIP and H.248 cannot share one, and the defaults apply.
func TestH248Config(t *testing.T) {
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: randBytes(t, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	base := Config{ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch, Keyring: ring,
		SessionCapacity: 16}
	for _, c := range []struct {
		name string
		edit func(*Config)
		want error
	}{
		{"no MGC", func(c *Config) { c.H248Listen = testH248Proxy }, ErrNoH248Softswitch},
		{"same address", func(c *Config) {
			c.H248Listen, c.H248Softswitch = testProxyAddr, testMGC
		}, ErrSameListen},
	} {
		cfg := base
		c.edit(&cfg)
		if _, err := NewHandler(cfg); err != c.want {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	h, err := NewHandler(base)
	if err != nil || h.h248 != nil {
		t.Fatalf("without H248Listen: %v, H.248 state %v", err, h.h248 != nil)
	}
	if _, _, ok := h.NewWorker().StepH248([]byte("x"), testMG1, nil); ok ||
		h.Stats().Reasons[ReasonH248Disabled.String()] != 1 {
		t.Error("a datagram reached a proxy without H.248")
	}
	cfg := base
	cfg.H248Listen = netip.MustParseAddrPort("0.0.0.0:2944")
	cfg.H248Softswitch = testMGC
	if h, err = NewHandler(cfg); err != nil {
		t.Fatal(err)
	}
	if mid := string(h.h248.self.Load().mid); mid != "[127.0.0.1]:2944" {
		t.Errorf("mId for a wildcard H.248 address: %q, want the SIP address's", mid)
	}
	if h.cfg.H248TxnCapacity != DefaultH248TxnCapacity {
		t.Errorf("transaction capacity %d", h.cfg.H248TxnCapacity)
	}
}
