package proxy

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// feed returns a function that buffers stream on the rig's connection and
// runs the server's TCP read path over it, checking nothing is left over.
func (r *tcpRig) feed(stream []byte) func() {
	return func() {
		r.conn.in.b = stream
		if act := r.s.tcpTraffic(r.conn, r.tc); act != 0 || len(r.conn.in.b) != 0 {
			panic("the TCP read path did not consume the stream")
		}
	}
}

// datagram returns a function that runs pkt through the server's UDP
// path as from the softswitch, on loop i of the rig.
func (r *tcpRig) datagram(pkt []byte, i int) func() {
	c := &fakeDatagram{pkt: pkt, loop: r.loops[i]}
	return func() { r.s.OnTraffic(c) }
}

// tcpResponse is the softswitch's 200 to tcpOptions forwarded by r.
func tcpResponse(t testing.TB, r *tcpRig) string {
	t.Helper()
	w := r.s.h.NewWorker()
	res, _, ok := w.stepStream([]byte(tcpOptions), r.tc, nil)
	if !ok {
		t.Fatal("OPTIONS not forwarded")
	}
	var fwd sip.Message
	if err := fwd.Parse(bytes.Clone(res)); err != nil {
		t.Fatal(err)
	}
	return answer(&fwd, "200 OK", "")
}

// tcpPathCase is one kind of message on the TCP path.
type tcpPathCase struct {
	name string
	run  func()
}

// tcpPathCases are the TCP path's kinds of message: request (stream read
// from the connection and sent to the softswitch by UDP), local_answer (a
// 483 written back on the connection), response_same_loop and
// response_other_loop (the softswitch's 200 routed to the connection from
// its owner loop, or handed to it from another loop).
func tcpPathCases(t testing.TB, r *tcpRig, stream string) []tcpPathCase {
	hop0 := strings.Replace(tcpOptions, "Max-Forwards: 70", "Max-Forwards: 0", 1)
	resp := []byte(tcpResponse(t, r))
	return []tcpPathCase{
		{"request", r.feed([]byte(stream))},
		{"local_answer", r.feed([]byte(hop0))},
		{"response_same_loop", r.datagram(resp, 0)},
		{"response_other_loop", r.datagram(resp, 1)},
	}
}

// BenchmarkTCPMessage measures the TCP per-message path through the server
// minus gnet: framing, step and send (a real sendto for the request), for
// each of tcpPathCases.
func BenchmarkTCPMessage(b *testing.B) {
	r := newTCPRig(b)
	for _, c := range tcpPathCases(b, r, tcpOptions) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.run()
			}
		})
	}
}

// BenchmarkTCPLoopback measures messages through a running server on
// loopback, gnet included: OPTIONS written by a terminal over TCP, read by
// the softswitch over UDP (request), and the softswitch's 200 sent over
// UDP and read by the terminal from its connection (response). batch
// messages go out before the first is read back. Allocations count the
// whole process, so gnet's own per-message costs show here.
func BenchmarkTCPLoopback(b *testing.B) {
	for _, batch := range []int{1, 32} {
		b.Run("request/batch="+strconv.Itoa(batch), func(b *testing.B) {
			wd := startTCPWorld(b, nil)
			term := wd.dial(b)
			msg := []byte(options(term.port(), "bench"))
			stream := bytes.Repeat(msg, batch)
			buf := make([]byte, 70000)
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for i := 0; b.Loop(); i++ {
				if i%batch == 0 {
					if _, err := term.c.Write(stream); err != nil {
						b.Fatal(err)
					}
				}
				if _, _, err := wd.softswitch.ReadFromUDPAddrPort(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("response", func(b *testing.B) {
		wd := startTCPWorld(b, nil)
		term := wd.dial(b)
		term.write(b, options(term.port(), "bench"))
		resp := []byte(answer(wd.recv(b), "200 OK", ""))
		// What the terminal gets is resp without the proxy's Via line.
		own := bytes.Index(resp, []byte("Via: SIP/2.0/UDP"))
		buf := make([]byte, len(resp)-(bytes.IndexByte(resp[own:], '\n')+1))
		b.ReportAllocs()
		b.SetBytes(int64(len(resp)))
		for b.Loop() {
			if _, err := wd.softswitch.WriteToUDPAddrPort(resp, wd.proxyUDP.AddrPort()); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(term.c, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTPKTMessage is BenchmarkTCPMessage for H.248 over TCP, for each
// of tpktPathCases.
func BenchmarkTPKTMessage(b *testing.B) {
	r, msgs := newTPKTRig(b)
	for _, c := range tpktPathCases(r, msgs) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.run()
			}
		})
	}
}
