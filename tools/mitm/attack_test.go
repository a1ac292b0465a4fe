package mitm_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/proxy"
	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/mitm"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// offer is what every attacked terminal sends: Ascon preferred, HMAC allowed.
const offer = "ascon128a-v12;q=0.9, hmac-sha256;q=0.5"

// aor is the address of record the proxy keys alice's session by.
var aor = []byte("sip:alice@" + loopback.DefaultRealm)

func startSystem(t *testing.T) *loopback.System {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sys, err := loopback.Start(ctx, loopback.Options{Subscribers: []string{"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sys.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return sys
}

func startRelay(t *testing.T, server *net.UDPAddr, tamper mitm.Tamper) *mitm.Relay {
	t.Helper()
	r, err := mitm.New(server, tamper)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// register runs alice's registration towards to and returns the report.
func register(t *testing.T, sys *loopback.System, to *net.UDPAddr) (terminal.Report, error) {
	t.Helper()
	term, err := terminal.New(terminal.Config{
		Identity: "alice", Kc: sys.Kc("alice"), Proxy: to,
		Offer: terminal.SplitOffer(offer), T1: 100 * time.Millisecond,
		Timeout: 3 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	return term.Register(context.Background())
}

// isRequest reports whether pkt is a REGISTER; second reports whether it is
// the second one (it carries Security-Verify).
func isRegister(pkt []byte) (ok, second bool) {
	return bytes.HasPrefix(pkt, []byte("REGISTER ")),
		bytes.Contains(pkt, []byte("\r\nSecurity-Verify:"))
}

// status returns the status code of a response, "" for a request.
func status(pkt []byte) string {
	if !bytes.HasPrefix(pkt, []byte("SIP/2.0 ")) || len(pkt) < 11 {
		return ""
	}
	return string(pkt[8:11])
}

// replaceHeader swaps the whole line of header name (first occurrence) for
// line; it fails the test when the header is missing, so an attack that did
// not happen cannot pass.
func replaceHeader(t *testing.T, pkt []byte, name, line string) []byte {
	loc := headerLoc(pkt, name)
	if loc == nil {
		t.Errorf("no %s header to tamper with in:\n%s", name, pkt)
		return pkt
	}
	out := append([]byte(nil), pkt[:loc[0]]...)
	out = append(out, line...)
	return append(out, pkt[loc[1]:]...)
}

// headerLine returns the first line of header name, without CRLF.
func headerLine(pkt []byte, name string) []byte {
	if loc := headerLoc(pkt, name); loc != nil {
		return pkt[loc[0]:loc[1]]
	}
	return nil
}

// headerLoc locates the first line of header name, without CRLF.
func headerLoc(pkt []byte, name string) []int {
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `:[^\r\n]*`).FindIndex(pkt)
}

// flipParam changes one base64 character in the middle of param="..." of
// the Key-Distribution header.
func flipParam(t *testing.T, pkt []byte, param string) []byte {
	re := regexp.MustCompile(`\b` + param + `="([A-Za-z0-9+/=]+)"`)
	loc := re.FindSubmatchIndex(pkt)
	if loc == nil {
		t.Errorf("no %s= in:\n%s", param, pkt)
		return pkt
	}
	out := bytes.Clone(pkt)
	i := (loc[2] + loc[3]) / 2
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

func wantNoSession(t *testing.T, sys *loopback.System) {
	t.Helper()
	if _, ok := sys.Proxy.Handler().Session(aor); ok {
		t.Error("the proxy holds a session key for a registration that was attacked")
	}
}

func wantReason(t *testing.T, sys *loopback.System, reason string) {
	t.Helper()
	if n := sys.Proxy.Handler().Stats().Reasons[reason]; n == 0 {
		t.Errorf("proxy reason %q not counted; counters: %v", reason,
			sys.Proxy.Handler().Stats().Reasons)
	}
}

// TestBiddingDownFirstOffer removes the preferred mechanism from the first
// REGISTER only: the proxy chooses the weaker one, then sees the terminal's
// repeated offer differ and refuses (PROTOCOL.md §5.3).
func TestBiddingDownFirstOffer(t *testing.T) {
	sys := startSystem(t)
	relay := startRelay(t, sys.ProxyAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
		if reg, second := isRegister(pkt); dir == mitm.ToServer && reg && !second {
			pkt = replaceHeader(t, pkt, "Security-Client", "Security-Client: hmac-sha256;q=0.5")
		}
		return [][]byte{pkt}
	})
	rep, err := register(t, sys, relay.Addr())
	if !errors.Is(err, terminal.ErrRefused) {
		t.Fatalf("outcome %q (%v), want refused\n%v", rep.Outcome, err, rep.Steps)
	}
	wantReason(t, sys, "client_mismatch")
	wantNoSession(t, sys)
}

// TestBiddingDownBothOffers rewrites the offer in both REGISTERs, so the
// proxy's own check sees nothing; the MAC covers the offer as the proxy
// received it and the terminal detects the change (PROTOCOL.md §8).
func TestBiddingDownBothOffers(t *testing.T) {
	for name, forged := range map[string]string{
		"removed":   "Security-Client: hmac-sha256;q=0.5",
		"reordered": "Security-Client: ascon128a-v12;q=0.1, hmac-sha256;q=0.5",
	} {
		t.Run(name, func(t *testing.T) {
			sys := startSystem(t)
			relay := startRelay(t, sys.ProxyAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
				if reg, _ := isRegister(pkt); dir == mitm.ToServer && reg {
					pkt = replaceHeader(t, pkt, "Security-Client", forged)
				}
				return [][]byte{pkt}
			})
			rep, err := register(t, sys, relay.Addr())
			if !errors.Is(err, terminal.ErrMACMismatch) {
				t.Fatalf("outcome %q (%v), want mac mismatch\n%v", rep.Outcome, err, rep.Steps)
			}
			if rep.Mechanism != "hmac-sha256" {
				t.Errorf("mechanism %q: the forged offer did not steer the choice", rep.Mechanism)
			}
		})
	}
}

// TestAlteredSecurityServer changes the proxy's choice on the 401: the
// terminal echoes the forged value and the proxy refuses it.
func TestAlteredSecurityServer(t *testing.T) {
	sys := startSystem(t)
	relay := startRelay(t, sys.ProxyAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
		if dir == mitm.ToClient && status(pkt) == "401" {
			pkt = replaceHeader(t, pkt, "Security-Server", "Security-Server: hmac-sha256;q=0.5")
		}
		return [][]byte{pkt}
	})
	rep, err := register(t, sys, relay.Addr())
	if !errors.Is(err, terminal.ErrRefused) {
		t.Fatalf("outcome %q (%v), want refused\n%v", rep.Outcome, err, rep.Steps)
	}
	wantReason(t, sys, "verify_mismatch")
	wantNoSession(t, sys)
}

// TestTamperedKeyDistribution flips bits in what the terminal receives.
func TestTamperedKeyDistribution(t *testing.T) {
	cases := []struct {
		param string
		want  error
	}{
		{"mac", terminal.ErrMACMismatch},
		{"terminal", terminal.ErrKeyUnwrap},
	}
	for _, c := range cases {
		t.Run(c.param, func(t *testing.T) {
			sys := startSystem(t)
			relay := startRelay(t, sys.ProxyAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
				if dir == mitm.ToClient && status(pkt) == "200" {
					pkt = flipParam(t, pkt, c.param)
				}
				return [][]byte{pkt}
			})
			rep, err := register(t, sys, relay.Addr())
			if !errors.Is(err, c.want) {
				t.Fatalf("outcome %q (%v), want %v\n%v", rep.Outcome, err, c.want, rep.Steps)
			}
		})
	}
}

// TestReplayedKeyDistribution puts the key material of an earlier
// registration into a later 200: the wrap binds the challenge nonce, so the
// old terminal copy does not open.
func TestReplayedKeyDistribution(t *testing.T) {
	sys := startSystem(t)
	var (
		mu  sync.Mutex
		old []byte
	)
	relay := startRelay(t, sys.ProxyAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
		if dir != mitm.ToClient || status(pkt) != "200" {
			return [][]byte{pkt}
		}
		mu.Lock()
		defer mu.Unlock()
		if old == nil {
			old = bytes.Clone(headerLine(pkt, "Key-Distribution"))
			return [][]byte{pkt}
		}
		return [][]byte{replaceHeader(t, pkt, "Key-Distribution", string(old))}
	})
	if rep, err := register(t, sys, relay.Addr()); err != nil {
		t.Fatalf("first registration: %q (%v)\n%v", rep.Outcome, err, rep.Steps)
	}
	rep, err := register(t, sys, relay.Addr())
	if !errors.Is(err, terminal.ErrKeyUnwrap) {
		t.Fatalf("replayed key: outcome %q (%v), want session key does not open\n%v",
			rep.Outcome, err, rep.Steps)
	}
}

// TestReplayedSecondRegister sends the second REGISTER again after the
// registration finished: it must not change the proxy's session key.
func TestReplayedSecondRegister(t *testing.T) {
	sys := startSystem(t)
	var (
		mu     sync.Mutex
		second []byte
	)
	relay := startRelay(t, sys.ProxyAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
		if reg, sec := isRegister(pkt); dir == mitm.ToServer && reg && sec {
			mu.Lock()
			second = bytes.Clone(pkt)
			mu.Unlock()
		}
		return [][]byte{pkt}
	})
	if rep, err := register(t, sys, relay.Addr()); err != nil {
		t.Fatalf("registration: %q (%v)\n%v", rep.Outcome, err, rep.Steps)
	}
	before, ok := sys.Proxy.Handler().Session(aor)
	if !ok {
		t.Fatal("no session after a registration")
	}
	mu.Lock()
	replay := second
	mu.Unlock()
	for range 3 {
		if err := relay.Inject(mitm.ToServer, replay); err != nil {
			t.Fatal(err)
		}
	}
	waitHandled(t, sys, 3)

	after, ok := sys.Proxy.Handler().Session(aor)
	if !ok {
		t.Fatal("the replay removed the session")
	}
	if subtle.ConstantTimeCompare(before.SK[:], after.SK[:]) != 1 || before.Mech != after.Mech {
		t.Error("a replayed second REGISTER changed the session key")
	}
}

// waitHandled waits until the proxy has handled n more datagrams than when
// called, plus the answers they cause, or a second has passed.
func waitHandled(t *testing.T, sys *loopback.System, n uint64) {
	t.Helper()
	h := sys.Proxy.Handler()
	start := h.Stats().Handled
	deadline := time.Now().Add(time.Second)
	for h.Stats().Handled < start+2*n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTamperedProxyCopy flips bits in the proxy's wrapped copy between the
// softswitch and the proxy: the proxy fails closed with a 500 and stores
// nothing (PROTOCOL.md §5.4).
func TestTamperedProxyCopy(t *testing.T) {
	sys := startSystem(t)
	var srv *proxy.Server
	relay := startRelay(t, sys.SoftswitchAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
		switch {
		case dir == mitm.ToServer:
			pkt = mitm.AddRPort(pkt)
		case status(pkt) == "200":
			pkt = flipParam(t, pkt, "proxy")
		}
		return [][]byte{pkt}
	})
	srv = startProxyWith(t, sys, relay.Addr(), 0)

	rep, err := register(t, sys, net.UDPAddrFromAddrPort(srv.Handler().Addr()))
	if !errors.Is(err, terminal.ErrStatus) || rep.Status != 500 {
		t.Fatalf("outcome %q status %d (%v), want a 500\n%v", rep.Outcome, rep.Status, err, rep.Steps)
	}
	if n := srv.Handler().Stats().Reasons["unwrap_failed"]; n == 0 {
		t.Errorf("unwrap failure not counted: %v", srv.Handler().Stats().Reasons)
	}
	if _, ok := srv.Handler().Session(aor); ok {
		t.Error("the proxy stored a session key from a tampered copy")
	}
}
