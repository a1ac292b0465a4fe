package mitm_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/proxy"
	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/mitm"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// TestSoftswitchDown: the proxy forwards into silence; the terminal times
// out, and the registration the proxy started is swept at its deadline.
func TestSoftswitchDown(t *testing.T) {
	sys := startSystem(t)
	dead := closedUDPAddr(t)
	srv := startProxyWith(t, sys, dead, 300*time.Millisecond)

	rep, err := register(t, sys, proxyAddr(srv))
	if !errors.Is(err, terminal.ErrTimeout) {
		t.Fatalf("outcome %q (%v), want a timeout\n%v", rep.Outcome, err, rep.Steps)
	}
	waitFor(t, 3*time.Second, "registration in progress swept", func() bool {
		return srv.Handler().Stats().Pending == 0
	})
}

// TestSoftswitchSlow delays every softswitch answer past the terminal's first
// retransmission: the proxy handles the retransmitted requests and the
// registration completes with a verified MAC.
func TestSoftswitchSlow(t *testing.T) {
	sys := startSystem(t)
	relay := startRelay(t, sys.SoftswitchAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
		if dir == mitm.ToServer {
			return [][]byte{mitm.AddRPort(pkt)}
		}
		time.Sleep(250 * time.Millisecond) // more than two T1 of the terminal
		return [][]byte{pkt}
	})
	srv := startProxyWith(t, sys, relay.Addr(), 0)

	rep, err := register(t, sys, proxyAddr(srv))
	if err != nil || !rep.MACVerified {
		t.Fatalf("outcome %q (%v), want registered\n%v", rep.Outcome, err, rep.Steps)
	}
	if rep.Retransmissions == 0 {
		t.Error("no retransmission: the delay did not take effect")
	}
}

// TestACDown: the softswitch cannot get a vector; the terminal gets a final
// failure and the proxy keeps no key.
func TestACDown(t *testing.T) {
	sys := startSystem(t)
	if err := sys.AC.Close(); err != nil {
		t.Fatal(err)
	}
	sys.AC = nil // already closed
	rep, err := register(t, sys, sys.ProxyAddr())
	if err == nil || rep.Registered() || rep.Status < 500 {
		t.Fatalf("outcome %q status %d (%v), want a 5xx failure\n%v",
			rep.Outcome, rep.Status, err, rep.Steps)
	}
	wantNoSession(t, sys)
}

// TestBadProxyCopy: a 200 whose proxy copy is missing, or is the copy of an
// earlier registration, fails closed at the proxy with a 500.
func TestBadProxyCopy(t *testing.T) {
	cases := []struct {
		name, reason string
		edit         func(pkt, old []byte) []byte
	}{
		{"missing", "key_distribution_malformed", func(pkt, _ []byte) []byte {
			return proxyParam.ReplaceAll(pkt, nil)
		}},
		{"replayed", "unwrap_failed", func(pkt, old []byte) []byte {
			return proxyParam.ReplaceAll(pkt, proxyParam.Find(old))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sys := startSystem(t)
			var old []byte
			relay := startRelay(t, sys.SoftswitchAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
				switch {
				case dir == mitm.ToServer:
					pkt = mitm.AddRPort(pkt)
				case status(pkt) == "200" && old == nil:
					old = append([]byte(nil), pkt...)
				case status(pkt) == "200":
					pkt = c.edit(pkt, old)
				}
				return [][]byte{pkt}
			})
			srv := startProxyWith(t, sys, relay.Addr(), 0)
			if rep, err := register(t, sys, proxyAddr(srv)); err != nil {
				t.Fatalf("first registration: %q (%v)", rep.Outcome, err)
			}
			rep, err := register(t, sys, proxyAddr(srv))
			if !errors.Is(err, terminal.ErrStatus) || rep.Status != 500 {
				t.Fatalf("outcome %q status %d (%v), want 500\n%v", rep.Outcome, rep.Status,
					err, rep.Steps)
			}
			reasons := srv.Handler().Stats().Reasons
			if reasons[c.reason] == 0 && reasons["key_distribution_missing"] == 0 {
				t.Errorf("reason %q not counted: %v", c.reason, reasons)
			}
		})
	}
}

// TestProxyRestartMidRegistration restarts the proxy between the 401 and the
// second REGISTER: the new proxy holds no agreement, refuses the
// Security-Verify, and the terminal's next registration succeeds.
func TestProxyRestartMidRegistration(t *testing.T) {
	sys := startSystem(t)
	first := startProxyWith(t, sys, sys.SoftswitchAddr(), 0)
	addr := first.Handler().Addr()
	// The relay holds the 401 while the test goroutine restarts the proxy.
	var once sync.Once
	held, release := make(chan struct{}), make(chan struct{})
	relay := startRelay(t, proxyAddr(first), func(dir mitm.Direction, pkt []byte) [][]byte {
		if dir == mitm.ToClient && status(pkt) == "401" {
			once.Do(func() {
				close(held)
				<-release
			})
		}
		return [][]byte{pkt}
	})
	var (
		rep  terminal.Report
		err  error
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		rep, err = register(t, sys, relay.Addr())
	}()
	<-held
	stopProxy(t, first)
	second := startProxyAt(t, sys, addr)
	close(release)
	<-done

	if !errors.Is(err, terminal.ErrRefused) {
		t.Fatalf("outcome %q (%v), want refused by the restarted proxy\n%v",
			rep.Outcome, err, rep.Steps)
	}
	if n := second.Handler().Stats().Reasons["no_agreement"]; n == 0 {
		t.Errorf("the restarted proxy did not count the orphan Security-Verify: %v",
			second.Handler().Stats().Reasons)
	}
	rep, err = register(t, sys, relay.Addr())
	if err != nil || !rep.MACVerified {
		t.Fatalf("registration after restart: %q (%v)\n%v", rep.Outcome, err, rep.Steps)
	}
}

// proxyParam matches the proxy= parameter of Key-Distribution with its comma.
var proxyParam = regexp.MustCompile(`proxy="[^"]*", `)

func proxyAddr(srv *proxy.Server) *net.UDPAddr {
	return net.UDPAddrFromAddrPort(srv.Handler().Addr())
}

// closedUDPAddr returns a loopback address nothing listens on.
func closedUDPAddr(t *testing.T) *net.UDPAddr {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	a := c.LocalAddr().(*net.UDPAddr)
	c.Close()
	return a
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startProxyWith runs a proxy of the system's keys towards softswitch; a
// non-zero ttl shortens how long unfinished registrations are kept.
func startProxyWith(t *testing.T, sys *loopback.System, softswitch *net.UDPAddr,
	ttl time.Duration) *proxy.Server {
	t.Helper()
	return runProxy(t, sys, netip.MustParseAddrPort("127.0.0.1:0"), softswitch.AddrPort(), ttl)
}

// startProxyAt runs a proxy on addr towards the system's softswitch.
func startProxyAt(t *testing.T, sys *loopback.System, addr netip.AddrPort) *proxy.Server {
	t.Helper()
	return runProxy(t, sys, addr, sys.SoftswitchAddr().AddrPort(), 0)
}

func runProxy(t *testing.T, sys *loopback.System, listen, softswitch netip.AddrPort,
	ttl time.Duration) *proxy.Server {
	t.Helper()
	id := loopback.DefaultProxyID
	ring, err := keystore.LoadProxyKeyring(filepath.Join(sys.Dir, id+".keys"),
		filepath.Join(sys.Dir, "proxy-master.key"), id)
	if err != nil {
		t.Fatal(err)
	}
	h, err := proxy.NewHandler(proxy.Config{
		ProxyID: id, Listen: listen, Softswitch: softswitch, Keyring: ring, PendingTTL: ttl,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := proxy.NewServer(h)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopProxy(t, srv) })
	return srv
}

// stopProxy stops srv; stopping twice is harmless.
func stopProxy(t *testing.T, srv *proxy.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Stop(ctx)
}
