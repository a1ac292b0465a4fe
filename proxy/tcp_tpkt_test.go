package proxy

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// tpkt frames msg as a gateway does.
func tpkt(msg string) string {
	var h [4]byte
	h[0] = tpktVersion
	binary.BigEndian.PutUint16(h[2:], uint16(len(msg)+4))
	return string(h[:]) + msg
}

// TestFrameTPKTEverySplit cuts two TPKT packets at every byte boundary.
func TestFrameTPKTEverySplit(t *testing.T) {
	a, b := serviceChange(10, "Restart", ""), serviceChange(11, "Forced", "")
	stream := tpkt(a) + tpkt(b)
	for cut := 0; cut <= len(stream); cut++ {
		var sb streamBuf
		var sink recordSink
		for _, part := range []string{stream[:cut], stream[cut:]} {
			sb.b = append(sb.b, part...)
			if r := frameTPKT(&sb, DefaultMaxTCPBuffered, &sink); r != ReasonNone {
				t.Fatalf("cut %d: closed with %v", cut, r)
			}
		}
		if len(sink.msgs) != 2 || sink.msgs[0] != a || sink.msgs[1] != b || len(sb.b) != 0 {
			t.Fatalf("cut %d: %d messages, %d bytes left", cut, len(sink.msgs), len(sb.b))
		}
	}
}

// TestFrameTPKTErrors names the reason each broken stream is closed for.
func TestFrameTPKTErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		stream string
		maxBuf int
		want   Reason
	}{
		{"text without TPKT", "MEGACO/1 [127.0.0.1]:1\r\n", DefaultMaxTCPBuffered, ReasonTCPBadFraming},
		{"empty packet", "\x03\x00\x00\x04", DefaultMaxTCPBuffered, ReasonTCPBadFraming},
		{"over the limit", "\x03\x00\x10\x00", 1000, ReasonTCPTooLarge},
		{"incomplete", tpkt("MEGACO/1")[:7], DefaultMaxTCPBuffered, ReasonNone},
	} {
		var sink recordSink
		if got := frameTPKT(&streamBuf{b: []byte(c.stream)}, c.maxBuf, &sink); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if len(sink.msgs) != 0 {
			t.Errorf("%s: a message was handed over", c.name)
		}
	}
}

// TestTPKTWrap checks the header and the size limit.
func TestTPKTWrap(t *testing.T) {
	s := NewServer(&Handler{})
	out, ok := s.tpktWrap([]byte("MEGACO/1"))
	if !ok || string(out) != tpkt("MEGACO/1") {
		t.Fatalf("wrapped %q, %v", out, ok)
	}
	if _, ok := s.tpktWrap(make([]byte, tpktMax-3)); ok {
		t.Fatal("a message over one TPKT was wrapped")
	}
}

// tcpH248Net runs a real Server with H.248 over TCP: the gateways are TCP
// connections speaking TPKT, the MGC a UDP socket.
type tcpH248Net struct {
	srv   *Server
	mgc   *net.UDPConn
	conns map[string]*net.TCPConn
	udp   *net.UDPAddr
}

func (n *tcpH248Net) handler() *Handler { return n.srv.Handler() }

func (n *tcpH248Net) send(t testing.TB, from, pkt string) (string, string) {
	t.Helper()
	h := n.handler()
	before := h.Stats()
	var err error
	if from == "mgc" {
		_, err = n.mgc.WriteToUDP([]byte(pkt), n.udp)
	} else {
		_, err = n.conns[from].Write([]byte(tpkt(pkt)))
	}
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for h.Stats().Handled == before.Handled {
		if time.Now().After(deadline) {
			t.Fatal("the proxy did not take the message")
		}
		time.Sleep(200 * time.Microsecond)
	}
	if h.Stats().H248.MessagesOut == before.H248.MessagesOut {
		return "", ""
	}
	for name, c := range n.conns {
		if msg, ok := readTPKT(t, c); ok {
			return msg, name
		}
	}
	buf := make([]byte, 70000)
	_ = n.mgc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if k, fromAddr, err := n.mgc.ReadFromUDPAddrPort(buf); err == nil {
		if fromAddr != n.srv.H248Addr() {
			t.Errorf("H.248 arrived from %v, want the proxy's H.248 socket", fromAddr)
		}
		return string(buf[:k]), "mgc"
	}
	t.Fatal("the proxy counted a message out but none arrived")
	return "", ""
}

// readTPKT reads one TPKT packet from c if one arrives within 50 ms.
func readTPKT(t testing.TB, c *net.TCPConn) (string, bool) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var h [4]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return "", false
		}
		t.Fatalf("reading a TPKT header: %v", err)
	}
	n := int(binary.BigEndian.Uint16(h[2:]))
	if h[0] != tpktVersion || n <= 4 {
		t.Fatalf("bad TPKT header % x", h)
	}
	body := make([]byte, n-4)
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := io.ReadFull(c, body); err != nil {
		t.Fatalf("reading a TPKT body: %v", err)
	}
	return string(body), true
}

// newTCPH248World starts a proxy with H.248 over TCP and connects two
// gateways to it.
func newTCPH248World(t *testing.T) *h248World {
	t.Helper()
	ksp := randBytes(t, skd.KspSize)
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: ksp}})
	if err != nil {
		t.Fatal(err)
	}
	mgc := listenUDP(t)
	any0 := netip.MustParseAddrPort("127.0.0.1:0")
	h, err := NewHandler(Config{ProxyID: "sp1", Listen: any0, Softswitch: testSoftswitch,
		H248Listen: any0, H248TCPListen: any0, TCPListen: any0,
		H248Softswitch: mgc.LocalAddr().(*net.UDPAddr).AddrPort(), Keyring: ring})
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, h)
	n := &tcpH248Net{srv: srv, mgc: mgc, conns: map[string]*net.TCPConn{},
		udp: net.UDPAddrFromAddrPort(srv.H248Addr())}
	for _, name := range []string{"mg1", "mg2"} {
		c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(srv.H248TCPAddr()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		n.conns[name] = c
	}
	wd := &h248World{t: t, ksp: ksp, kc: randBytes(t, skd.KcSize), net: n}
	copy(wd.sk[:], randBytes(t, skd.SessionKeySize))
	return wd
}

// TestH248OverTCP runs an H.248 registration with key distribution from a
// gateway connected over TCP (TPKT, H.248.1 Annex D.2): the MGC gets it
// over UDP from the H.248 port, and the challenge and the MACed success
// come back in TPKT on the gateway's connection, not the other one's.
func TestH248OverTCP(t *testing.T) {
	wd := newTCPH248World(t)
	values, term := wd.keyValues(skd.WrapAscon128aV12, testKID)
	out, ok, _ := wd.toSuccess(values)
	if err := wd.verifyH248MAC(ok, skd.MechAscon128aV12, term); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, found := wd.net.handler().Session([]byte("h248:mg1")); !found {
		t.Error("session key not stored under h248:mg1")
	}
	_, fwd := wd.expect("mg2", serviceChange(10, "Restart", ""), "mgc")
	id := txnIDs(fwd, h248.TokTransaction)[0]
	reply := "MEGACO/1 " + testMGCID + "\r\nReply = " + strconv.FormatUint(uint64(id), 10) +
		" { Context = - { ServiceChange = ROOT } }\r\n"
	if _, m := wd.expect("mgc", reply, "mg2"); txnIDs(m, h248.TokReply)[0] != 10 {
		t.Fatal("the MGC's Reply did not reach mg2 with its own id")
	}
	if st := wd.net.handler().Stats(); st.TCPConns != 2 {
		t.Fatalf("%d connections, want 2", st.TCPConns)
	}
}

// FuzzTPKTStream feeds an arbitrary byte stream, cut where cuts says, to
// the TPKT framing and steps each payload as H.248 from a gateway.
// Properties: no panic; the payloads and the closing reason do not depend
// on where the stream was cut; a payload is never empty.
func FuzzTPKTStream(f *testing.F) {
	f.Add([]byte(tpkt(serviceChange(10, "Restart", ""))+tpkt(regServiceChange(11, testOffer))),
		[]byte{5, 200, 3})
	f.Add([]byte("\x03\x00\x00\x04MEGACO"), []byte{1})
	f.Add([]byte(tpkt("MEGACO/1 [127.0.0.1]:1\r\nReply = 1 {}")), []byte{0, 0, 0})
	wd := newStepWorld(f)
	n := wd.net.(*stepNet)
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		var whole recordSink
		wholeReason := frameTPKT(&streamBuf{b: stream}, DefaultMaxTCPBuffered, &whole)
		var parts recordSink
		reason := feedCut(stream, cuts, frameTPKT, &parts)
		if reason != wholeReason || len(parts.msgs) != len(whole.msgs) {
			t.Fatalf("cut stream: %v, %d messages; whole: %v, %d",
				reason, len(parts.msgs), wholeReason, len(whole.msgs))
		}
		for i, m := range parts.msgs {
			if m != whole.msgs[i] || m == "" {
				t.Fatalf("payload %d differs or is empty: %q vs %q", i, m, whole.msgs[i])
			}
			n.w.StepH248([]byte(m), testMG1, n.out)
		}
	})
}

// newTPKTRig is a tcpRig for H.248 over TCP: a handler with a gateway
// registered from testMG1, whose connection the rig holds, and the
// messages of that registration.
func newTPKTRig(t testing.TB) (*tcpRig, h248Messages) {
	t.Helper()
	ksp := randBytes(t, skd.KspSize)
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: ksp}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch,
		H248Listen: testH248Proxy, H248Softswitch: testMGC, H248TCPListen: testTCPProxy,
		Keyring: ring})
	if err != nil {
		t.Fatal(err)
	}
	wd := &h248World{t: t, ksp: ksp, kc: randBytes(t, skd.KcSize),
		net: &stepNet{h: h, w: h.NewWorker(), out: make([]byte, 0, 8192)}}
	copy(wd.sk[:], randBytes(t, skd.SessionKeySize))
	msgs := recordH248(t, wd)
	tc := &tcpConn{remote: testMG1, h: h, idx: -1, h248: true}
	if err := h.tcp.add(tc); err != nil {
		t.Fatal(err)
	}
	r := rigAround(h, tc)
	r.s.h248UDPFD, r.s.h248Listen = udpSocketFD(t), testH248Proxy
	r.s.h248Port, r.s.h248IP = int(testH248Proxy.Port()), net.IP(testH248Proxy.Addr().AsSlice())
	return r, msgs
}

// tpktPathCases are the H.248 TCP path's kinds of message: a ServiceChange
// read in TPKT from the gateway's connection and sent to the MGC by UDP,
// and the MGC's challenge wrapped in TPKT for the connection from the
// owner loop or handed to it from another loop.
func tpktPathCases(r *tcpRig, msgs h248Messages) []tcpPathCase {
	fromMGC := func(loop int) func() {
		c := &fakeDatagram{pkt: msgs.challenge, loop: r.loops[loop],
			local:  net.UDPAddrFromAddrPort(testH248Proxy),
			remote: net.UDPAddrFromAddrPort(testMGC)}
		return func() { r.s.OnTraffic(c) }
	}
	return []tcpPathCase{
		{"tpkt_request", r.feed([]byte(tpkt(string(msgs.serviceChange))))},
		{"tpkt_reply_same_loop", fromMGC(0)},
		{"tpkt_reply_other_loop", fromMGC(1)},
	}
}

// TestTPKTPathRoutes checks where the H.248 TCP path sends: the MGC's
// reply reaches the gateway's connection in TPKT, from either loop.
func TestTPKTPathRoutes(t *testing.T) {
	r, msgs := newTPKTRig(t)
	for _, c := range tpktPathCases(r, msgs) {
		r.conn.written = r.conn.written[:0]
		c.run()
		if c.name == "tpkt_request" {
			continue
		}
		if len(r.conn.written) < 5 || r.conn.written[0] != tpktVersion ||
			int(binary.BigEndian.Uint16(r.conn.written[2:])) != len(r.conn.written) {
			t.Errorf("%s: the gateway's connection got %q", c.name, r.conn.written)
		}
	}
	if st := r.s.h.Stats(); st.H248.MessagesOut < 3 || len(st.Reasons) != 0 {
		t.Errorf("sent %d, reasons %v", st.H248.MessagesOut, st.Reasons)
	}
}
