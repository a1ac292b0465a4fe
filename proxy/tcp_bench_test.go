package proxy

import (
	"bytes"
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
