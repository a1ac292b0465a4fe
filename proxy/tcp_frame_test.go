package proxy

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/panjf2000/gnet/v2"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore"
)

// streamBuf stands in for gnet's inbound buffer: bytes arrive in chunks,
// Peek(-1) sees all of them, Discard consumes from the front and, as in
// gnet, Discard(0) consumes everything.
type streamBuf struct{ b []byte }

func (s *streamBuf) Peek(int) ([]byte, error) { return s.b, nil }
func (s *streamBuf) InboundBuffered() int     { return len(s.b) }
func (s *streamBuf) Discard(n int) (int, error) {
	if n <= 0 || n > len(s.b) {
		n = len(s.b)
	}
	s.b = s.b[n:]
	return n, nil
}

// recordSink keeps what frameStream hands over.
type recordSink struct {
	pings int
	msgs  []string
}

func (r *recordSink) keepAlive(n int) { r.pings += n }
func (r *recordSink) message(msg []byte) bool {
	r.msgs = append(r.msgs, string(msg))
	return true
}

const (
	tcpOptions = "OPTIONS sip:ss@127.0.0.1:5070 SIP/2.0\r\n" +
		"Via: SIP/2.0/TCP 127.0.0.1:40001;branch=z9hG4bK.o1;rport\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:alice@sigproxy.test>;tag=f1\r\n" +
		"To: <sip:ss@127.0.0.1>\r\nCall-ID: opt1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n"
	tcpMessage = "MESSAGE sip:bob@127.0.0.1:5070 SIP/2.0\r\n" +
		"Via: SIP/2.0/TCP 127.0.0.1:40001;branch=z9hG4bK.m1\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:alice@sigproxy.test>;tag=f2\r\n" +
		"To: <sip:bob@sigproxy.test>\r\nCall-ID: msg1@127.0.0.1\r\nCSeq: 1 MESSAGE\r\n" +
		"Content-Type: text/plain\r\nl: 13\r\n\r\nhello\r\n\r\nbob!"
)

// TestFrameStreamEverySplit cuts a stream of two messages and keep-alives at
// every byte boundary and checks that the same messages and pings come out,
// and nothing is left over.
func TestFrameStreamEverySplit(t *testing.T) {
	stream := "\r\n\r\n" + tcpOptions + tcpMessage + "\r\n\r\n" + tcpOptions
	want := []string{tcpOptions, tcpMessage, tcpOptions}
	for cut := 0; cut <= len(stream); cut++ {
		var sb streamBuf
		var sink recordSink
		for _, part := range []string{stream[:cut], stream[cut:]} {
			sb.b = append(sb.b, part...)
			if r := frameStream(&sb, DefaultMaxTCPBuffered, &sink); r != ReasonNone {
				t.Fatalf("cut %d: closed with %v", cut, r)
			}
		}
		if strings.Join(sink.msgs, "|") != strings.Join(want, "|") || sink.pings != 2 {
			t.Fatalf("cut %d: %d messages %d pings, want 3 and 2", cut, len(sink.msgs), sink.pings)
		}
		if len(sb.b) != 0 {
			t.Fatalf("cut %d: %q left buffered", cut, sb.b)
		}
	}
}

// TestFrameStreamByteByByte feeds a stream one byte at a time.
func TestFrameStreamByteByByte(t *testing.T) {
	stream := tcpMessage + "\r\n\r\n\r\n\r\n" + tcpOptions
	var sb streamBuf
	var sink recordSink
	for i := range len(stream) {
		sb.b = append(sb.b, stream[i])
		if r := frameStream(&sb, DefaultMaxTCPBuffered, &sink); r != ReasonNone {
			t.Fatalf("byte %d: closed with %v", i, r)
		}
	}
	if len(sink.msgs) != 2 || sink.msgs[0] != tcpMessage || sink.pings != 2 {
		t.Fatalf("got %d messages, %d pings; want 2 and 2", len(sink.msgs), sink.pings)
	}
}

// TestFrameStreamErrors names the reason each broken stream is closed for.
func TestFrameStreamErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		stream string
		maxBuf int
		want   Reason
	}{
		{"no content-length", "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n",
			DefaultMaxTCPBuffered, ReasonTCPBadFraming},
		{"two content-lengths", "OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab",
			DefaultMaxTCPBuffered, ReasonTCPBadFraming},
		{"body too large", "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999\r\n\r\n",
			DefaultMaxTCPBuffered, ReasonTCPTooLarge},
		{"header without end", strings.Repeat("A", sip.MaxMessageSize),
			DefaultMaxTCPBuffered, ReasonTCPTooLarge},
		{"over the buffer limit", tcpMessage[:200], 100, ReasonTCPBufferFull},
		{"message after garbage", "GARBAGE\r\n\r\n" + tcpOptions,
			DefaultMaxTCPBuffered, ReasonTCPBadFraming},
	} {
		sb := streamBuf{b: []byte(c.stream)}
		var sink recordSink
		if got := frameStream(&sb, c.maxBuf, &sink); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if len(sink.msgs) != 0 {
			t.Errorf("%s: %d messages handed over from a broken stream", c.name, len(sink.msgs))
		}
	}
}

// TestKeepAlives checks the ping count and the bytes kept for a ping that
// is still arriving.
func TestKeepAlives(t *testing.T) {
	for _, c := range []struct {
		run         string
		atEnd       bool
		pings, keep int
	}{
		{"", true, 0, 0},
		{"\r", true, 0, 1},
		{"\r\n", true, 0, 2},
		{"\r\n\r", true, 0, 3},
		{"\r\n\r\n", true, 1, 0},
		{"\r\n\r\n\r\n", true, 1, 2},
		{"\r\n\r\n\r\n", false, 1, 0},
		{"\n\n", true, 0, 0},
		{"\n\r\n", true, 0, 2},
		{"\r\n\r\n\r\n\r\n", true, 2, 0},
		{"\r\r\n\r\n", true, 1, 0},
	} {
		p, k := keepAlives([]byte(c.run), c.atEnd)
		if p != c.pings || k != c.keep {
			t.Errorf("%q atEnd=%v: %d pings keep %d, want %d and %d",
				c.run, c.atEnd, p, k, c.pings, c.keep)
		}
	}
}

// testTCPProxy is the proxy's TCP address in the step tests, on a port of
// its own so that the Via tells the transports apart.
var testTCPProxy = netip.MustParseAddrPort("127.0.0.1:5062")

// tcpHandler returns a handler with TCP on, and one connection from
// testTerminal in its table (no socket behind it).
func tcpHandler(t testing.TB) (*Handler, *tcpConn) {
	t.Helper()
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: randBytes(t, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{ProxyID: "sp1", Listen: testProxyAddr,
		Softswitch: testSoftswitch, Keyring: ring, TCPListen: testTCPProxy})
	if err != nil {
		t.Fatal(err)
	}
	tc := &tcpConn{remote: testTerminal, h: h, idx: -1}
	if err := h.tcp.add(tc); err != nil {
		t.Fatal(err)
	}
	return h, tc
}

// stepSink steps each framed message, as the server's sink does, and
// checks what the step returns.
type stepSink struct {
	t     testing.TB
	w     *Worker
	tc    *tcpConn
	out   []byte
	res   sip.Message
	sent  int
	back  int // answers that go back on tc
	pings int
}

func (s *stepSink) keepAlive(n int) { s.pings += n }
func (s *stepSink) message(msg []byte) bool {
	res, dst, ok := s.w.stepStream(msg, s.tc, s.out)
	if !ok {
		return true
	}
	s.sent++
	if s.w.outConn == s.tc {
		s.back++
		if dst != s.tc.remote {
			s.t.Fatalf("an answer on the connection is addressed to %v", dst)
		}
	} else if dst != testSoftswitch {
		s.t.Fatalf("a message from a terminal went to %v by UDP", dst)
	}
	if bytes.HasPrefix(res, []byte("SIP/2.0 400 Bad Request\r\n")) {
		return true // may copy header lines that do not parse
	}
	if err := s.res.Parse(res); err != nil {
		s.t.Fatalf("the proxy sent a message that does not parse: %v\n%q", err, res)
	}
	return true
}

// TestStepStreamRoutesAnswersBack: a request from a TCP terminal goes to
// the softswitch with the connection's address recorded in its Via; a local
// answer goes back on the connection; the softswitch's response comes back
// to the same connection, found by that Via.
func TestStepStreamRoutesAnswersBack(t *testing.T) {
	h, tc := tcpHandler(t)
	w := h.NewWorker()
	out := make([]byte, 0, 8192)
	noRPort := strings.Replace(tcpOptions, ";rport", "", 1)
	res, dst, ok := w.stepStream([]byte(noRPort), tc, out)
	if !ok || dst != testSoftswitch || w.outConn != nil {
		t.Fatalf("request: ok=%v dst=%v conn=%v", ok, dst, w.outConn)
	}
	var fwd sip.Message
	if err := fwd.Parse(bytes.Clone(res)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(res, []byte("SIP/2.0/TCP 127.0.0.1:40001;branch=z9hG4bK.o1;"+
		"received=127.0.0.1;rport=40001")) {
		t.Fatalf("the terminal's Via does not record the connection:\n%s", res)
	}
	resp := answer(&fwd, "200 OK", "")
	res, dst, ok = w.Step([]byte(resp), testSoftswitch, out)
	if !ok || dst != testTerminal || w.outConn != tc {
		t.Fatalf("response: ok=%v dst=%v conn=%p want %p", ok, dst, w.outConn, tc)
	}
	if !bytes.HasPrefix(res, []byte("SIP/2.0 200 OK\r\n")) {
		t.Fatalf("response: %q", res)
	}
	hop0 := strings.Replace(tcpOptions, "Max-Forwards: 70", "Max-Forwards: 0", 1)
	res, dst, ok = w.stepStream([]byte(hop0), tc, out)
	if !ok || dst != testTerminal || w.outConn != tc || !bytes.HasPrefix(res, []byte("SIP/2.0 483")) {
		t.Fatalf("local answer: ok=%v dst=%v conn=%v %q", ok, dst, w.outConn, res)
	}
	h.tcp.remove(tc)
	if _, _, ok := w.Step([]byte(resp), testSoftswitch, out); ok {
		t.Fatal("a response for a closed connection was sent")
	}
	if n := h.Stats().Reasons[ReasonTCPNoConn.String()]; n != 1 {
		t.Fatalf("tcp_no_connection counted %d times, want 1", n)
	}
}

// TestRequestToTCPTerminal: a request from the softswitch goes over the
// connection from its Request-URI's address; with transport=tcp and no
// such connection it is dropped and counted; without transport=tcp it
// goes by UDP.
func TestRequestToTCPTerminal(t *testing.T) {
	h, tc := tcpHandler(t)
	w := h.NewWorker()
	out := make([]byte, 0, 8192)
	req := func(uri string) []byte {
		return []byte("OPTIONS " + uri + " SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK.s1\r\nMax-Forwards: 70\r\n" +
			"From: <sip:ss@sigproxy.test>;tag=s1\r\nTo: <sip:alice@sigproxy.test>\r\n" +
			"Call-ID: s1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	}
	for _, c := range []struct {
		uri  string
		conn *tcpConn
		ok   bool
		via  string // the proxy's Via
	}{
		{"sip:alice@127.0.0.1:40001;transport=tcp", tc, true, "SIP/2.0/TCP 127.0.0.1:5062"},
		{"sip:alice@127.0.0.1:40001", tc, true, "SIP/2.0/TCP 127.0.0.1:5062"},
		{"sip:alice@127.0.0.1:40002", nil, true, "SIP/2.0/UDP 127.0.0.1:5060"},
		{"sip:alice@127.0.0.1:40002;transport=TCP", nil, false, ""},
	} {
		res, _, ok := w.Step(req(c.uri), testSoftswitch, out)
		if ok != c.ok || (ok && w.outConn != c.conn) {
			t.Errorf("%s: ok=%v conn=%p, want %v %p", c.uri, ok, w.outConn, c.ok, c.conn)
		}
		if ok && !bytes.Contains(res, []byte("\r\nVia: "+c.via+";branch="+branchPrefix)) {
			t.Errorf("%s: the proxy's Via is not %q:\n%s", c.uri, c.via, res)
		}
		if !ok || c.conn == nil {
			continue
		}
		var fwd sip.Message
		if err := fwd.Parse(bytes.Clone(res)); err != nil {
			t.Fatal(err)
		}
		resp := answer(&fwd, "200 OK", "")
		if _, dst, ok := w.stepStream([]byte(resp), tc, out); !ok || dst != testSoftswitch {
			t.Errorf("%s: the terminal's answer over TCP went to %v (%v)", c.uri, dst, ok)
		}
	}
	if n := h.Stats().Reasons[ReasonTCPNoConn.String()]; n != 1 {
		t.Fatalf("tcp_no_connection counted %d times, want 1", n)
	}
}

// TestTCPTableBounds: the table refuses connections past MaxTCPConns and
// the idle sweep looks at a bounded number of entries per call.
func TestTCPTableBounds(t *testing.T) {
	tab := newTCPTable(&Config{MaxTCPConns: 3, TCPIdleTimeout: 10, MaxTCPBuffered: 1})
	conns := make([]*tcpConn, 3)
	for i := range conns {
		conns[i] = &tcpConn{remote: netip.AddrPortFrom(netip.MustParseAddr("::ffff:10.0.0.1"),
			uint16(1000+i))}
		if err := tab.add(conns[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.add(&tcpConn{}); err != errTCPFull {
		t.Fatalf("fourth connection: %v, want errTCPFull", err)
	}
	if tab.get(netip.MustParseAddrPort("10.0.0.1:1001")) != conns[1] {
		t.Fatal("a mapped peer address is not found by its IPv4 form")
	}
	conns[1].last.Store(100)
	idle := tab.idleConns(nil, 105)
	if len(idle) != 2 || tab.idleConns(nil, 105) != nil {
		t.Fatalf("idle sweep found %d, then again more", len(idle))
	}
	tab.remove(conns[0])
	tab.remove(conns[0])
	if tab.len() != 2 || tab.get(conns[2].remote) != conns[2] || conns[2].idx != 0 {
		t.Fatalf("after remove: len %d, last moved to %d", tab.len(), conns[2].idx)
	}
}

// fakeStream is a gnet.Conn with a buffered stream, for driving the
// server's TCP path without gnet.
type fakeStream struct {
	gnet.Conn
	in       streamBuf
	written  []byte
	loop     gnet.EventLoop
	closed   int
	outbound int // bytes gnet would hold unsent
}

func (f *fakeStream) Peek(n int) ([]byte, error) { return f.in.Peek(n) }
func (f *fakeStream) Discard(n int) (int, error) { return f.in.Discard(n) }
func (f *fakeStream) InboundBuffered() int       { return f.in.InboundBuffered() }
func (f *fakeStream) OutboundBuffered() int      { return 0 }
func (f *fakeStream) EventLoop() gnet.EventLoop  { return f.loop }
func (f *fakeStream) Close() error               { f.closed++; return nil }
func (f *fakeStream) LocalAddr() net.Addr        { return net.TCPAddrFromAddrPort(testProxyAddr) }
func (f *fakeStream) Context() any               { return nil }
func (f *fakeStream) Write(p []byte) (int, error) {
	f.written = append(f.written[:0], p...)
	return len(p), nil
}

// The fakes' addresses, made once as gnet makes a listener's.
var (
	fakeLocalTCP      = net.TCPAddrFromAddrPort(testProxyAddr)
	fakeLocalUDP      = net.UDPAddrFromAddrPort(testProxyAddr)
	fakeSoftswitchUDP = net.UDPAddrFromAddrPort(testSoftswitch)
)

// fakeDatagram is a gnet.Conn for one datagram on a UDP socket: the SIP
// one from the softswitch unless local and remote say otherwise.
type fakeDatagram struct {
	gnet.Conn
	pkt           []byte
	loop          gnet.EventLoop
	sentTo        netip.AddrPort
	local, remote *net.UDPAddr
}

func (f *fakeDatagram) Next(int) ([]byte, error)  { return f.pkt, nil }
func (f *fakeDatagram) EventLoop() gnet.EventLoop { return f.loop }
func (f *fakeDatagram) LocalAddr() net.Addr {
	if f.local != nil {
		return f.local
	}
	return fakeLocalUDP
}
func (f *fakeDatagram) RemoteAddr() net.Addr {
	if f.remote != nil {
		return f.remote
	}
	return fakeSoftswitchUDP
}
func (f *fakeDatagram) SendTo(p []byte, a net.Addr) (int, error) {
	f.sentTo = a.(*net.UDPAddr).AddrPort()
	return len(p), nil
}

// fakeLoop runs Execute at once, as if it were the owner loop's turn.
type fakeLoop struct {
	gnet.EventLoop
	runs int
}

func (l *fakeLoop) Execute(ctx context.Context, r gnet.Runnable) error {
	l.runs++
	return r.Run(ctx)
}

// tcpRig is a Server whose TCP path is driven through fakes: one terminal
// connection on loop 1, UDP sockets on loop 1 or 2, and a real UDP socket
// standing in for the softswitch's.
type tcpRig struct {
	s     *Server
	tc    *tcpConn
	conn  *fakeStream
	loops [2]*fakeLoop
}

func newTCPRig(t testing.TB) *tcpRig {
	t.Helper()
	h, tc := tcpHandler(t)
	r := rigAround(h, tc)
	r.s.udpFD = udpSocketFD(t)
	return r
}

// rigAround puts tc on loop 1 of a new rig for h.
func rigAround(h *Handler, tc *tcpConn) *tcpRig {
	r := &tcpRig{s: NewServer(h), tc: tc, loops: [2]*fakeLoop{{}, {}}}
	r.conn = &fakeStream{loop: r.loops[0]}
	tc.conn, tc.loop = r.conn, r.loops[0]
	return r
}

// udpSocketFD returns the descriptor of a UDP socket on loopback, as the
// server's duplicated sockets are.
func udpSocketFD(t testing.TB) int {
	t.Helper()
	sock, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	f, err := sock.File()
	sock.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return int(f.Fd())
}

// TestTCPWriteOverflow: a peer that does not read is closed once
// MaxTCPBuffered bytes would wait for it, on the owner loop and when
// another loop hands bytes over, and counted once.
func TestTCPWriteOverflow(t *testing.T) {
	r := newTCPRig(t)
	resp := []byte(tcpResponse(t, r))
	r.s.h.tcp.maxBuf = 100
	hop0 := strings.Replace(tcpOptions, "Max-Forwards: 70", "Max-Forwards: 0", 1)
	r.feed([]byte(hop0))()
	r.datagram(resp, 0)()
	r.datagram(resp, 1)()
	if r.conn.closed != 1 || len(r.conn.written) != 0 {
		t.Fatalf("closed %d times, %d bytes written; want 1 and 0", r.conn.closed, len(r.conn.written))
	}
	if n := r.s.h.Stats().Reasons[ReasonTCPBufferFull.String()]; n != 1 {
		t.Fatalf("tcp_buffer_full counted %d times, want 1", n)
	}
}
