package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// tcpWorld is a running proxy with SIP over TCP on loopback, a UDP socket
// standing in for the softswitch, and the rig's keys.
type tcpWorld struct {
	r          *rig
	srv        *Server
	softswitch *net.UDPConn
	proxyUDP   *net.UDPAddr
}

func startTCPWorld(t testing.TB, adjust func(*Config)) *tcpWorld {
	t.Helper()
	ss, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	wd := &tcpWorld{r: newRig(t), softswitch: ss}
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: wd.r.ksp}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		ProxyID:    "sp1",
		Listen:     netip.MustParseAddrPort("127.0.0.1:0"),
		TCPListen:  netip.MustParseAddrPort("127.0.0.1:0"),
		Softswitch: wd.softswitch.LocalAddr().(*net.UDPAddr).AddrPort(),
		Keyring:    ring,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wd.srv = startServer(t, h)
	wd.proxyUDP = net.UDPAddrFromAddrPort(h.Addr())
	return wd
}

// startServer runs a Server for h until the test ends.
func startServer(t testing.TB, h *Handler) *Server {
	t.Helper()
	srv := NewServer(h)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(ctx)
	})
	return srv
}

// tcpTerm is a terminal connected to the proxy over TCP.
type tcpTerm struct {
	c   *net.TCPConn
	buf []byte
}

func (wd *tcpWorld) dial(t testing.TB) *tcpTerm {
	t.Helper()
	c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(wd.srv.TCPAddr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &tcpTerm{c: c}
}

// port is the terminal's side of the connection.
func (tt *tcpTerm) port() string {
	return strconv.Itoa(tt.c.LocalAddr().(*net.TCPAddr).Port)
}

// localize rewrites one of the rig's terminal messages for this terminal:
// a TCP Via and Contact with the connection's own port.
func (tt *tcpTerm) localize(msg string) string {
	msg = strings.ReplaceAll(msg, "SIP/2.0/UDP 127.0.0.1:40001", "SIP/2.0/TCP 127.0.0.1:"+tt.port())
	return strings.ReplaceAll(msg, "127.0.0.1:40001>", "127.0.0.1:"+tt.port()+";transport=tcp>")
}

func (tt *tcpTerm) write(t testing.TB, s string) {
	t.Helper()
	if _, err := tt.c.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// read returns the next SIP message on the connection.
func (tt *tcpTerm) read(t testing.TB) *sip.Message {
	t.Helper()
	_ = tt.c.SetReadDeadline(time.Now().Add(3 * time.Second))
	chunk := make([]byte, 4096)
	for {
		skip, n, err := sip.StreamFrame(tt.buf)
		if err != nil {
			t.Fatalf("the proxy sent a stream that does not frame: %v", err)
		}
		if n > 0 {
			msg := bytes.Clone(tt.buf[skip : skip+n])
			tt.buf = tt.buf[skip+n:]
			m := new(sip.Message)
			if err := m.Parse(msg); err != nil {
				t.Fatalf("the proxy sent a message that does not parse: %v\n%s", err, msg)
			}
			return m
		}
		k, err := tt.c.Read(chunk)
		if err != nil {
			t.Fatalf("reading from the proxy: %v", err)
		}
		tt.buf = append(tt.buf, chunk[:k]...)
	}
}

// closedByProxy reports whether the proxy closes the connection within 3 s.
func (tt *tcpTerm) closedByProxy() bool {
	_ = tt.c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err := io.Copy(io.Discard, tt.c)
	return err == nil || errors.Is(err, net.ErrClosed) || isReset(err)
}

func isReset(err error) bool { return err != nil && strings.Contains(err.Error(), "reset") }

// recv returns the next datagram the softswitch receives from the proxy.
func (wd *tcpWorld) recv(t testing.TB) *sip.Message {
	t.Helper()
	pkt := make([]byte, 70000)
	_ = wd.softswitch.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, from, err := wd.softswitch.ReadFromUDPAddrPort(pkt)
	if err != nil {
		t.Fatalf("the softswitch received nothing: %v", err)
	}
	pkt = pkt[:n]
	if from != wd.proxyUDP.AddrPort() {
		t.Fatalf("softswitch received from %v, want the proxy's SIP port", from)
	}
	m := new(sip.Message)
	if err := m.Parse(pkt); err != nil {
		t.Fatalf("forwarded message does not parse: %v", err)
	}
	return m
}

func (wd *tcpWorld) send(t *testing.T, msg string) {
	t.Helper()
	send(t, wd.softswitch, msg, wd.proxyUDP)
}

// waitReason waits until reason has been counted n times.
func (wd *tcpWorld) waitReason(t *testing.T, r Reason, n uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for wd.srv.Handler().Stats().Reasons[r.String()] < n {
		if time.Now().After(deadline) {
			t.Fatalf("%v counted %d times, want %d", r,
				wd.srv.Handler().Stats().Reasons[r.String()], n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitConns waits until the proxy counts n open connections.
func (wd *tcpWorld) waitConns(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for wd.srv.Handler().Stats().TCPConns != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open, want %d", wd.srv.Handler().Stats().TCPConns, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTCPRegistration runs a registration with key distribution from a
// terminal over TCP: requests reach the softswitch by UDP with the
// connection recorded in the terminal's Via, and the 401 and the MACed 200
// come back over the connection.
func TestTCPRegistration(t *testing.T) {
	wd := startTCPWorld(t, nil)
	r := wd.r
	term := wd.dial(t)
	term.write(t, term.localize(r.firstRegister()))
	fwd1 := wd.recv(t)
	second := fwd1.Header(fwd1.Index(sip.HdrVia, fwd1.Index(sip.HdrVia, 0)+1)).Value
	v, err := sip.ParseVia(second)
	if err != nil || string(v.Transport) != "TCP" || string(v.Received) != "127.0.0.1" ||
		strconv.Itoa(v.RPort) != term.port() {
		t.Fatalf("terminal Via %q does not record the connection", second)
	}
	wd.send(t, answer(fwd1, "401 Unauthorized", challenge()))
	resp401 := term.read(t)
	server, ok := resp401.Get(sip.HdrSecurityServer)
	if resp401.StatusCode() != 401 || !ok {
		t.Fatalf("got %d without Security-Server", resp401.StatusCode())
	}
	term.write(t, term.localize(r.secondRegister(string(server))))
	fwd2 := wd.recv(t)
	kd, terminal := r.keyDistribution(skd.WrapAES128GCM, testKID)
	wd.send(t, answer(fwd2, "200 OK",
		"Contact: <sip:alice@127.0.0.1:"+term.port()+";transport=tcp>;expires=3600\r\n"+kd))
	resp := term.read(t)
	if resp.StatusCode() != 200 {
		t.Fatalf("got %d, want 200", resp.StatusCode())
	}
	got, _ := resp.Get(sip.HdrKeyDistribution)
	if v, _ := sip.ListParam(got, "terminal"); string(v) != terminal {
		t.Errorf("terminal copy changed: %q", v)
	}
	if !r.verifyMAC(resp, "hmac-sha256;q=0.9", skd.MechHMACSHA256) {
		t.Error("MAC does not verify with SK")
	}
	s, ok := wd.srv.Handler().Session([]byte("sip:alice@sigproxy.test"))
	if !ok || s.SK != r.sk {
		t.Error("session key not stored for the AOR")
	}
	if st := wd.srv.Handler().Stats(); st.Registered != 1 || st.TCPConns != 1 {
		t.Errorf("registered %d, connections %d; want 1 and 1", st.Registered, st.TCPConns)
	}
}

// options is an OPTIONS from a terminal connected on port, with a body so
// that Content-Length framing is exercised.
func options(port, callID string) string {
	body := "probe " + callID
	return "OPTIONS sip:ss@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/TCP 127.0.0.1:" + port + ";branch=z9hG4bK." + callID + "\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:alice@sigproxy.test>;tag=f1\r\n" +
		"To: <sip:ss@127.0.0.1>\r\nCall-ID: " + callID + "\r\nCSeq: 1 OPTIONS\r\n" +
		"Content-Type: text/plain\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// TestTCPSplitAndBatched: a message written in two parts, cut at points
// across the start line, the header end and the body, one written a byte
// at a time, and several written at once all reach the softswitch whole.
func TestTCPSplitAndBatched(t *testing.T) {
	wd := startTCPWorld(t, nil)
	term := wd.dial(t)
	msg := options(term.port(), "split")
	hdrEnd := strings.Index(msg, "\r\n\r\n")
	for _, cut := range []int{1, 7, hdrEnd + 1, hdrEnd + 3, hdrEnd + 4, len(msg) - 1} {
		term.write(t, msg[:cut])
		time.Sleep(20 * time.Millisecond) // let the proxy read the first part alone
		term.write(t, msg[cut:])
		if body := wd.recv(t).Body(); string(body) != "probe split" {
			t.Fatalf("cut %d: body %q", cut, body)
		}
	}
	for i := range len(msg) {
		term.write(t, msg[i:i+1])
	}
	if body := wd.recv(t).Body(); string(body) != "probe split" {
		t.Fatalf("byte by byte: body %q", body)
	}
	batch := options(term.port(), "b1") + "\r\n" + options(term.port(), "b2") +
		options(term.port(), "b3")
	term.write(t, batch)
	for _, want := range []string{"b1", "b2", "b3"} {
		if id, _ := wd.recv(t).Get(sip.HdrCallID); string(id) != want {
			t.Fatalf("batched: got %q, want %q", id, want)
		}
	}
}

// TestTCPKeepAlive: a double-CRLF ping gets a CRLF pong (RFC 5626 §3.5.1),
// also when it arrives in two parts, and messages still flow after it.
func TestTCPKeepAlive(t *testing.T) {
	wd := startTCPWorld(t, nil)
	term := wd.dial(t)
	pong := func() {
		t.Helper()
		_ = term.c.SetReadDeadline(time.Now().Add(3 * time.Second))
		b := make([]byte, 2)
		if _, err := io.ReadFull(term.c, b); err != nil || string(b) != "\r\n" {
			t.Fatalf("pong %q, %v", b, err)
		}
	}
	term.write(t, "\r\n\r\n")
	pong()
	term.write(t, "\r\n")
	time.Sleep(20 * time.Millisecond)
	term.write(t, "\r\n")
	pong()
	term.write(t, "\r\n\r\n"+options(term.port(), "after"))
	pong()
	if id, _ := wd.recv(t).Get(sip.HdrCallID); string(id) != "after" {
		t.Fatalf("message after a ping: %q", id)
	}
}

// TestTCPBadStreamCloses: garbage, a message over the size limit, and a
// header section that never ends close the connection, each counted; the
// proxy serves other connections afterwards.
func TestTCPBadStreamCloses(t *testing.T) {
	wd := startTCPWorld(t, nil)
	for _, c := range []struct {
		stream string
		reason Reason
		n      uint64 // times counted so far
	}{
		{"GARBAGE\r\n\r\n", ReasonTCPBadFraming, 1},
		{"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n", ReasonTCPTooLarge, 1},
		{"OPTIONS sip:a@b SIP/2.0\r\nX: " + strings.Repeat("a", 70000), ReasonTCPTooLarge, 2},
	} {
		term := wd.dial(t)
		_, _ = term.c.Write([]byte(c.stream)) // the proxy may reset before all is written
		if !term.closedByProxy() {
			t.Fatalf("%v: connection still open", c.reason)
		}
		wd.waitReason(t, c.reason, c.n)
	}
	term := wd.dial(t)
	term.write(t, options(term.port(), "still"))
	if id, _ := wd.recv(t).Get(sip.HdrCallID); string(id) != "still" {
		t.Fatalf("after bad streams: %q", id)
	}
}

// TestTCPConnectionLimit: past MaxTCPConns a connection is closed at once
// and counted; once one closes, a new one is admitted.
func TestTCPConnectionLimit(t *testing.T) {
	wd := startTCPWorld(t, func(c *Config) { c.MaxTCPConns = 2 })
	a, _ := wd.dial(t), wd.dial(t)
	extra := wd.dial(t)
	if !extra.closedByProxy() {
		t.Fatal("a third connection stayed open")
	}
	wd.waitReason(t, ReasonTCPConnLimit, 1)
	a.c.Close()
	wd.waitConns(t, 1)
	c := wd.dial(t)
	c.write(t, options(c.port(), "admitted"))
	if id, _ := wd.recv(t).Get(sip.HdrCallID); string(id) != "admitted" {
		t.Fatalf("after a close: %q", id)
	}
}

// TestTCPIdleClose: a connection without messages or pings is closed by
// the sweep after TCPIdleTimeout and counted; one that pings stays.
func TestTCPIdleClose(t *testing.T) {
	wd := startTCPWorld(t, func(c *Config) { c.TCPIdleTimeout = 1500 * time.Millisecond })
	idle, busy := wd.dial(t), wd.dial(t)
	stop := time.Now().Add(3500 * time.Millisecond)
	for time.Now().Before(stop) {
		busy.write(t, "\r\n\r\n")
		time.Sleep(300 * time.Millisecond)
	}
	if !idle.closedByProxy() {
		t.Fatal("the idle connection is still open")
	}
	wd.waitReason(t, ReasonTCPIdle, 1)
	if st := wd.srv.Handler().Stats(); st.TCPConns != 1 || st.Reasons["tcp_idle_timeout"] != 1 {
		t.Fatalf("connections %d, idle closes %d; want 1 and 1",
			st.TCPConns, st.Reasons["tcp_idle_timeout"])
	}
}

// TestTCPResponsesToTheRightConnection: two terminals send requests; the
// softswitch answers in the other order and each answer reaches the
// terminal whose request it answers. A request from the softswitch reaches
// a terminal over its connection, a local answer goes back on the
// connection, and an answer for a closed connection is dropped and counted.
func TestTCPResponsesToTheRightConnection(t *testing.T) {
	wd := startTCPWorld(t, nil)
	a, b := wd.dial(t), wd.dial(t)
	a.write(t, options(a.port(), "from-a"))
	fa := wd.recv(t)
	b.write(t, options(b.port(), "from-b"))
	fb := wd.recv(t)
	wd.send(t, answer(fb, "200 OK", ""))
	wd.send(t, answer(fa, "200 OK", ""))
	if id, _ := b.read(t).Get(sip.HdrCallID); string(id) != "from-b" {
		t.Fatalf("b got the answer to %q", id)
	}
	if id, _ := a.read(t).Get(sip.HdrCallID); string(id) != "from-a" {
		t.Fatalf("a got the answer to %q", id)
	}

	wd.send(t, "OPTIONS sip:alice@127.0.0.1:"+a.port()+";transport=tcp SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP "+wd.softswitch.LocalAddr().String()+";branch=z9hG4bK.s1\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:ss@sigproxy.test>;tag=s1\r\n"+
		"To: <sip:alice@sigproxy.test>\r\nCall-ID: to-a\r\nCSeq: 1 OPTIONS\r\n"+
		"Content-Length: 0\r\n\r\n")
	req := a.read(t)
	if !req.IsRequest() || string(mustGet(t, req, sip.HdrCallID)) != "to-a" {
		t.Fatal("the softswitch's request did not reach a")
	}
	if via, _ := sip.ParseVia(mustGet(t, req, sip.HdrVia)); string(via.Transport) != "TCP" ||
		via.Port != int(wd.srv.TCPAddr().Port()) {
		t.Fatalf("the proxy's Via on a request over TCP: %s %d", via.Transport, via.Port)
	}
	a.write(t, answer(req, "200 OK", ""))
	if resp := wd.recv(t); resp.StatusCode() != 200 || string(mustGet(t, resp, sip.HdrCallID)) != "to-a" {
		t.Fatal("a's answer did not reach the softswitch")
	}

	hop0 := strings.Replace(options(b.port(), "hop0"), "Max-Forwards: 70", "Max-Forwards: 0", 1)
	b.write(t, hop0)
	if resp := b.read(t); resp.StatusCode() != 483 {
		t.Fatalf("local answer %d, want 483", resp.StatusCode())
	}

	a.write(t, options(a.port(), "late"))
	late := wd.recv(t)
	a.c.Close()
	wd.waitConns(t, 1)
	wd.send(t, answer(late, "200 OK", ""))
	wd.waitReason(t, ReasonTCPNoConn, 1)
}

// freePort returns a loopback address with a port free for network now.
func freePort(t *testing.T, network string) netip.AddrPort {
	t.Helper()
	var a netip.AddrPort
	switch network {
	case "tcp":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a = l.Addr().(*net.TCPAddr).AddrPort()
		l.Close()
	default:
		c := listenUDP(t)
		a = c.LocalAddr().(*net.UDPAddr).AddrPort()
		c.Close()
	}
	return a
}

// TestTCPAcrossEventLoops runs two event loops, so that connections and
// the softswitch's datagrams land on different loops: each response still
// reaches its terminal, handed to the connection's own loop when needed.
func TestTCPAcrossEventLoops(t *testing.T) {
	wd := startTCPWorld(t, func(c *Config) {
		c.EventLoops = 2
		c.Listen, c.TCPListen = freePort(t, "udp"), freePort(t, "tcp")
	})
	terms := make([]*tcpTerm, 8)
	fwd := make([]*sip.Message, len(terms))
	for i := range terms {
		terms[i] = wd.dial(t)
		terms[i].write(t, options(terms[i].port(), "loop"+strconv.Itoa(i)))
		fwd[i] = wd.recv(t)
	}
	for i := len(terms) - 1; i >= 0; i-- {
		wd.send(t, answer(fwd[i], "200 OK", ""))
	}
	for i, term := range terms {
		want := string(mustGet(t, fwd[i], sip.HdrCallID))
		if id, _ := term.read(t).Get(sip.HdrCallID); string(id) != want {
			t.Fatalf("terminal %d got the answer to %q, want %q", i, id, want)
		}
	}
}
