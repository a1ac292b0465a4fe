//go:build !race

package main

import (
	"net/netip"
	"testing"

	"github.com/sigproxy/sigproxy/tools/loopback"
)

// captureMGCP registers one ascon MGCP gateway through the proxy started
// in-process.
func captureMGCP(tb testing.TB) *replay {
	return captureGateway(tb, protoMGCP, 0, func(ls *loopback.System) netip.AddrPort {
		return ls.MGCPProxyAddr().AddrPort()
	})
}

// TestMGCPGatewayPathAllocs guards sigbench's own per-datagram path for MGCP: once
// the buffers have grown, a whole gateway registration (parse two datagrams,
// digest, unwrap, MAC, three sends) allocates nothing.
func TestMGCPGatewayPathAllocs(t *testing.T) {
	rp := captureMGCP(t)
	before := rp.e.verified.Load()
	if n := testing.AllocsPerRun(50, rp.once); n != 0 {
		t.Errorf("%.1f allocations per registration, want 0", n)
	}
	if got := rp.e.verified.Load() - before; got != 51 || rp.e.rec.failed.Load() != 0 {
		t.Fatalf("replays verified %d, failures %v", got, rp.e.rec.failures)
	}
}

// BenchmarkMGCPGateway measures what one MGCP gateway registration costs sigbench
// itself (both datagrams handled, three datagrams sent).
func BenchmarkMGCPGateway(b *testing.B) {
	rp := captureMGCP(b)
	b.ReportAllocs()
	for b.Loop() {
		rp.once()
	}
}
