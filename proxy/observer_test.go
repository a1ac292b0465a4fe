//go:build !race

// (Allocation counts under the race detector are not meaningful, and
// fakeConn lives with the allocation guards.)

package proxy

import (
	"net"
	"testing"
)

// countingObserver counts observations and keeps the largest.
type countingObserver struct {
	n   int
	max float64
}

func (o *countingObserver) Observe(v float64) {
	o.n++
	o.max = max(o.max, v)
}

// TestHandlingObserver: with an observer set, every datagram handled is
// observed once, with a plausible time, and handling still allocates
// nothing; without one nothing is observed.
func TestHandlingObserver(t *testing.T) {
	wd := newStepWorld(t)
	s := NewServer(wd.net.handler())
	options := "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKob\r\n" +
		"From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: observed\r\n" +
		"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	c := &fakeConn{pkt: []byte(options), local: net.UDPAddrFromAddrPort(testProxyAddr),
		remote: net.UDPAddrFromAddrPort(testTerminal)}

	o := &countingObserver{}
	s.h.SetHandlingObserver(o)
	for range 3 {
		s.OnTraffic(c)
	}
	if o.n != 3 || o.max <= 0 || o.max > 1 {
		t.Fatalf("%d observations, largest %v s; want 3 between 0 and 1 s", o.n, o.max)
	}
	if a := testing.AllocsPerRun(200, func() { s.OnTraffic(c) }); a != 0 {
		t.Errorf("%.1f allocations per observed datagram, want 0", a)
	}

	s.h.SetHandlingObserver(nil)
	before := o.n
	s.OnTraffic(c)
	if o.n != before {
		t.Error("observed after the observer was removed")
	}
}
