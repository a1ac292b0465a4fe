package main

import (
	"bytes"
	"context"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestRunH248InProcess drives every gateway kind through the proxy's H.248 side to
// the softswitch's MGC on real sockets, and checks that every offering gateway's
// session key opened and its authentication header verified.
func TestRunH248InProcess(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "s.json")
	var stdout, stderr bytes.Buffer
	args := append([]string{"-protocol", "h248", "-terminals", "12", "-count", "36",
		"-concurrency", "6", "-mix", "hmac-sha256=1,ascon128a-v12=1,plain=1",
		"-progress", "never", "-duration", "30s", "-json", jsonPath}, testTimers...)
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "(h248, closed-loop") ||
		!strings.Contains(stdout.String(), "36 succeeded, 0 failed") {
		t.Errorf("summary:\n%s", stdout.String())
	}
	var s Summary
	readJSON(t, jsonPath, &s)
	// An offering registration is two transactions (ServiceChange, Notify), four
	// messages sent (both with a Reply to the MGC's Modify) and two received; a plain
	// one is one transaction, one message each way. Which kind registers how often
	// depends on completion order, but the first 12 take every gateway once: 8
	// offering, 4 plain.
	keyed, plain := s.KeysVerified, s.Succeeded-s.KeysVerified
	if s.Protocol != protoH248 || s.Succeeded != 36 || s.Failed != 0 || keyed < 8 || plain < 4 ||
		s.Transactions != 2*keyed+plain || s.MessagesSent != 4*keyed+plain ||
		s.MessagesReceived != 2*keyed+plain || s.Stray != 0 || s.Registration.Count != 36 ||
		s.Registration.P99 <= 0 {
		t.Fatalf("summary %+v", s)
	}
}

// runBroken runs 8 registrations of 4 terminals, two at a time, with the first
// terminal broken by brk, against the system started in-process.
func runBroken(t *testing.T, flags []string, brk func(*term)) *Summary {
	t.Helper()
	o, sys, ctx := testSystem(t, append(append([]string{"-terminals", "4", "-count", "8",
		"-concurrency", "2", "-progress", "never"}, flags...), testTimers...))
	e, err := newEngine(o, o.protocol, sys.target[o.protocol], sys.keys)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	brk(e.terms[0])
	return summarize(e, e.drive(ctx, o))
}

// testSystem parses args and starts the system in-process; the test's cleanup
// stops it.
func testSystem(t *testing.T, args []string) (*options, *system, context.Context) {
	t.Helper()
	o, err := parseFlags(args, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	sys, err := openSystem(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.close)
	return o, sys, ctx
}

// TestMGDigestMatchesSkd checks the gateway's cached, reused-state digest against
// skd's reference computation, for both algorithms and a second registration.
func TestMGDigestMatchesSkd(t *testing.T) {
	s := &sock{host: "127.0.0.7:40001"}
	tm := newTerm(0, "0123abcd", "mg1", "sigproxy.test", bytes.Repeat([]byte{7}, 32), nil, s)
	tm.mg = newMGTerm(tm)
	if tm.mg.mid != "[127.0.0.7]:40001" {
		t.Errorf("mid %q", tm.mg.mid)
	}
	d := newDigester()
	for _, alg := range []string{skd.DigestSHA256, skd.DigestMD5, skd.DigestSHA256} {
		for _, nonce := range []string{"n1", "3q2+7w", "n1"} {
			realm := "sigproxy.test"
			if nonce == "n1" {
				realm = "other.test" // a new realm must not hit the cached H(A1)
			}
			tm.ch.alg, tm.ch.realm, tm.ch.nonce = alg, []byte(realm), []byte(nonce)
			got, err := tm.appendMGDigest(nil, d, notifyURI)
			if err != nil {
				t.Fatal(err)
			}
			ha1, _ := skd.HA1(alg, "mg1", realm, tm.password)
			want, _ := skd.DigestResponse(alg, ha1, nonce, "Notify", "megaco:mg1", "", "", "")
			if string(got) != want {
				t.Errorf("%s %s: %s, want %s", alg, nonce, got, want)
			}
		}
	}
	tm.ch.alg = "SHA-512"
	tm.ha1Key = ""
	if _, err := tm.appendMGDigest(nil, d, notifyURI); err == nil {
		t.Error("SHA-512 accepted")
	}
}

// TestRunBoth runs SIP terminals and H.248 gateways at once against one in-process
// system and checks both summaries, the measured process and one chart each.
func TestRunBoth(t *testing.T) {
	dir := t.TempDir()
	jsonPath, svgPath := filepath.Join(dir, "b.json"), filepath.Join(dir, "b.svg")
	var stdout, stderr bytes.Buffer
	args := append([]string{"-protocol", "both", "-terminals", "6", "-count", "12",
		"-concurrency", "3", "-mix", "hmac-sha256=1,ascon128a-v12=1", "-progress", "never",
		"-duration", "30s", "-json", jsonPath, "-plot", svgPath}, testTimers...)
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	var out Outcome
	readJSON(t, jsonPath, &out)
	if len(out.Runs) != 2 || out.Runs[0].Protocol != protoSIP || out.Runs[1].Protocol != protoH248 {
		t.Fatalf("runs %+v", out.Runs)
	}
	for _, s := range out.Runs {
		// Every terminal offers: each registration verified a key and MAC.
		if s.Succeeded != 12 || s.Failed != 0 || s.KeysVerified != 12 || s.Transactions != 24 {
			t.Errorf("%s: %+v", s.Protocol, s)
		}
		if _, err := os.Stat(filepath.Join(dir, "b-"+s.Protocol+".svg")); err != nil {
			t.Errorf("%s chart: %v", s.Protocol, err)
		}
	}
	if len(out.Processes) != 1 || out.Processes[0].Name != "sigbench+system" ||
		out.Processes[0].CPUSec <= 0 ||
		math.Abs(out.Processes[0].CPUPerTxnUS-out.Processes[0].CPUSec*1e6/48) > 1e-6 {
		t.Errorf("processes %+v", out.Processes)
	}
	if n := strings.Count(stdout.String(), "registrations/s"); n != 2 {
		t.Errorf("%d summaries printed:\n%s", n, stdout.String())
	}
}

// TestH248Retransmission puts a lossy relay between the gateways and the proxy: it
// drops each gateway's first ServiceChange and the first success Modify sent to
// it. Every registration must still complete with its MAC verified, the second
// from a success the proxy repeats for the retransmitted Notify (§11.7).
func TestH248Retransmission(t *testing.T) {
	o, sys, ctx := testSystem(t, []string{"-protocol", "h248", "-terminals", "4",
		"-count", "8", "-concurrency", "4", "-mix", "hmac-sha256=1,ascon128a-v12=1",
		"-progress", "never", "-t1", "100ms", "-timeout", "20s"})
	relay := startLossyRelay(t, sys.target[protoH248])
	e, err := newEngine(o, protoH248, relay, sys.keys)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	s := summarize(e, e.drive(ctx, o))
	// Two drops per gateway: its ServiceChange and its success, each retransmitted.
	if s.Succeeded != 8 || s.Failed != 0 || s.KeysVerified != 8 || s.Retransmissions < 8 {
		t.Fatalf("succeeded %d failed %d verified %d retransmitted %d failures %v",
			s.Succeeded, s.Failed, s.KeysVerified, s.Retransmissions, s.Failures)
	}
}

// startLossyRelay relays between gateways and the proxy at target, one upstream
// socket per gateway (the proxy tells gateways apart by address), dropping the
// first datagram from each gateway and the first one to it with an authentication
// header.
func startLossyRelay(t *testing.T, target netip.AddrPort) netip.AddrPort {
	t.Helper()
	front, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(
		netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	var wg, back sync.WaitGroup
	ups := map[netip.AddrPort]*net.UDPConn{} // owned by the front goroutine until it ends
	t.Cleanup(func() {
		_ = front.Close()
		wg.Wait()
		for _, u := range ups {
			_ = u.Close()
		}
		back.Wait()
	})
	wg.Go(func() {
		buf := make([]byte, 65536)
		for {
			n, mg, err := front.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			up, seen := ups[mg]
			if !seen {
				if up, err = net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(target)); err != nil {
					return
				}
				ups[mg] = up
				back.Go(func() { relayBack(front, up, mg) })
				continue // the gateway's first datagram is lost
			}
			_, _ = up.Write(buf[:n])
		}
	})
	return front.LocalAddr().(*net.UDPAddr).AddrPort()
}

// relayBack sends what the proxy answers on up to gateway mg, except the first
// message with an authentication header.
func relayBack(front, up *net.UDPConn, mg netip.AddrPort) {
	buf := make([]byte, 65536)
	dropped := false
	for {
		n, err := up.Read(buf)
		if err != nil {
			return
		}
		if !dropped && bytes.HasPrefix(buf[:n], []byte("Authentication")) {
			dropped = true
			continue
		}
		_, _ = front.WriteToUDPAddrPort(buf[:n], mg)
	}
}
