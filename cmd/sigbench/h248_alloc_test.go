//go:build !race

package main

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/tools/loopback"
)

// replay holds one gateway and the proxy's two messages of a real registration,
// to run the gateway's side of it again without the proxy: the per-message path
// sigbench itself spends CPU on.
type replay struct {
	e                  *engine
	t                  *term
	r                  *rx
	sc                 uint32 // the ServiceChange's (RSIP's) transaction id
	challenge, success []byte
	word               []byte // the answer to the worded request, with -after 1
	handle             func(*term, *rx, []byte)
}

// captureH248 registers one ascon gateway through the proxy started in-process.
func captureH248(tb testing.TB) *replay {
	return captureGateway(tb, protoH248, 0, func(ls *loopback.System) netip.AddrPort {
		return ls.H248ProxyAddr().AddrPort()
	})
}

// captureGateway registers one ascon gateway of proto at the address target names
// in the system started in-process, with the engine's handler reading what the
// socket receives, and then points the engine at a socket nobody reads. With
// after 1 the gateway sends one worded request after registering, and its answer
// is kept too.
func captureGateway(tb testing.TB, proto string, after int,
	target func(*loopback.System) netip.AddrPort) *replay {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ls, err := loopback.Start(ctx, loopback.Options{Subscribers: []string{"mg1"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ls.Close() })
	socks, err := openSockets(2, []netip.Addr{netip.MustParseAddr("127.0.0.1")}, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { closeSockets(socks) })
	e := &engine{
		target: target(ls), proto: proto, realm: "sigproxy.test",
		timeout: time.Minute, t1: time.Minute, digest: []string{"SHA-256", "MD5"},
		socks: socks[:1], idle: make(chan *term, 1), rec: newRecorder(time.Hour),
		after: after,
	}
	t := newTerm(0, newRunTag(), "mg1", e.realm, ls.Kc("mg1"), []string{"ascon128a-v12"},
		socks[0])
	t.mg, socks[0].mg = newMGTerm(t), t
	t.timer = time.AfterFunc(time.Hour, func() {})
	t.timer.Stop()
	e.terms = []*term{t}
	rp := &replay{e: e, t: t, r: newRx(), sc: t.mg.nextTxn, handle: e.handleH248}
	if proto == protoMGCP {
		rp.handle = e.handleMGCP
	}
	e.inflight.Add(1)
	e.begin(t, time.Now())
	rp.challenge = readOne(tb, socks[0].conn)
	rp.handle(t, rp.r, rp.challenge)
	rp.success = readOne(tb, socks[0].conn)
	rp.handle(t, rp.r, rp.success)
	if after > 0 {
		rp.word = readOne(tb, socks[0].conn)
		rp.handle(t, rp.r, rp.word)
	}
	<-e.idle
	if e.verified.Load() != 1 || e.wordsVerified.Load() != uint64(after) {
		tb.Fatalf("captured registration not verified: %v", e.rec.failures)
	}
	e.target = socks[1].conn.LocalAddr().(*net.UDPAddr).AddrPort()
	return rp
}

func readOne(tb testing.TB, c *net.UDPConn) []byte {
	tb.Helper()
	buf := make([]byte, 8192)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		tb.Fatal(err)
	}
	return buf[:n]
}

// once runs the gateway's side of the captured registration again: challenge
// (Reply and Notify sent) and success (key opened, MAC verified, Reply sent).
func (rp *replay) once() {
	t, e := rp.t, rp.e
	t.mu.Lock()
	t.mg.nextTxn = rp.sc + 1
	t.mg.txn = rp.sc
	t.state = stateWait401
	now := time.Now()
	t.started, t.txStart, t.deadline = now, now, now.Add(time.Minute)
	t.mu.Unlock()
	e.inflight.Add(1)
	rp.handle(t, rp.r, rp.challenge)
	rp.handle(t, rp.r, rp.success)
	if rp.word != nil {
		rp.handle(t, rp.r, rp.word)
	}
	<-e.idle
}

// TestH248GatewayPathAllocs guards sigbench's own per-message path for H.248: once
// the buffers have grown, a whole gateway registration (parse two messages, digest,
// unwrap, SPI, MAC, three sends) allocates nothing.
func TestH248GatewayPathAllocs(t *testing.T) {
	rp := captureH248(t)
	before := rp.e.verified.Load()
	if n := testing.AllocsPerRun(50, rp.once); n != 0 {
		t.Errorf("%.1f allocations per registration, want 0", n)
	}
	if got := rp.e.verified.Load() - before; got != 51 || rp.e.rec.failed.Load() != 0 {
		t.Fatalf("replays verified %d, failures %v", got, rp.e.rec.failures)
	}
}

// BenchmarkH248Gateway measures what one gateway registration costs sigbench itself
// (both messages handled, three datagrams sent), the load side's share of a run.
func BenchmarkH248Gateway(b *testing.B) {
	rp := captureH248(b)
	b.ReportAllocs()
	for b.Loop() {
		rp.once()
	}
}

// TestGatewayWordPathAllocs guards the worded transaction -after adds, for
// H.248 and MGCP: a registration followed by a worded request (word computed
// with the kept word key, answer's word verified) still allocates nothing.
func TestGatewayWordPathAllocs(t *testing.T) {
	addrs := map[string]func(*loopback.System) netip.AddrPort{
		protoH248: func(ls *loopback.System) netip.AddrPort { return ls.H248ProxyAddr().AddrPort() },
		protoMGCP: func(ls *loopback.System) netip.AddrPort { return ls.MGCPProxyAddr().AddrPort() },
	}
	for proto, addr := range addrs {
		t.Run(proto, func(t *testing.T) {
			rp := captureGateway(t, proto, 1, addr)
			before := rp.e.wordsVerified.Load()
			if n := testing.AllocsPerRun(50, rp.once); n != 0 {
				t.Errorf("%.1f allocations per registration and word, want 0", n)
			}
			if got := rp.e.wordsVerified.Load() - before; got != 51 || len(rp.e.rec.words) != 0 {
				t.Fatalf("replays verified %d words, failures %v", got, rp.e.rec.words)
			}
		})
	}
}
