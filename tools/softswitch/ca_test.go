package softswitch

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// newCAEnv starts the registrar with its CA role on loopback.
func newCAEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, Config{MGCPListen: "127.0.0.1:0"})
}

// registerGW runs the project's MGCP gateway against the CA (or addr when set).
func registerGW(t *testing.T, e *env, id string, kc []byte, offer []string,
	addr *net.UDPAddr) terminal.Report {
	t.Helper()
	if addr == nil {
		addr = e.srv.MGCPAddr()
	}
	return registerGateway(terminal.ProtocolMGCP, id, kc, offer, addr)
}

// TestGWDirectMode registers MGCP gateways straight at the CA: the CA chooses, wraps
// and MACs (PROTOCOL.md §12); the gateway opens SK with its Kc and verifies mac=
// over real UDP. A gateway without an offer registers plain.
func TestGWDirectMode(t *testing.T) {
	e := newCAEnv(t)
	registerDirectCases(t, e, "gw", registerGW)
	st := e.srv.Stats()
	if st.MGCPKeysDistributed != 3 || st.MGCPRegistered != 4 || st.MGCPGateways != 4 {
		t.Errorf("stats %+v: want 3 keys, 4 registered, 4 gateways", st)
	}
	waitFor(t, "gateway responses", func() bool { return e.srv.Stats().MGCPResponses >= 6 })
	waitFor(t, "AC success reports", func() bool { return e.ac.successes() == 3 })
}

// TestGWTamperedKeyDistribution relays the gateway's traffic through a socket that
// changes one character of the success RQNT's mac= or terminal= value: the gateway
// must refuse the registration and answer the RQNT with 510.
func TestGWTamperedKeyDistribution(t *testing.T) {
	e := newCAEnv(t)
	kc := e.ac.addSubscriber(t, "gw-t")
	for _, c := range []struct{ field, reason string }{
		{"mac", "mac mismatch"}, {"terminal", "sk unwrap"},
	} {
		t.Run(c.field, func(t *testing.T) {
			before := e.srv.Stats().MGCPGatewayErrors
			relay := startMGCPRelay(t, e.srv.MGCPAddr(), c.field)
			rep := registerGW(t, e, "gw-t", kc, []string{"hmac-sha256"}, relay)
			if rep.Registered() || rep.MACVerified || rep.Reason() != c.reason {
				t.Fatalf("tampered %s: outcome %q, want failed: %s\n%s", c.field,
					rep.Outcome, c.reason, strings.Join(rep.Steps, "\n"))
			}
			waitFor(t, "the gateway's 510", func() bool {
				return e.srv.Stats().MGCPGatewayErrors == before+1
			})
		})
	}
}

// TestGWRetransmission drops the CA's first answer to each of the gateway's
// commands: the gateway retransmits, the CA answers from its transaction cache (no
// second challenge, no second AC call) and the registration ends secured.
func TestGWRetransmission(t *testing.T) {
	e := newCAEnv(t)
	registerAfterDrops(t, e, "gw-r", startMGCPRelay(t, e.srv.MGCPAddr(), "drop"), registerGW)
	st := e.srv.Stats()
	if st.MGCPRetransmissions != 2 || st.MGCPChallenged != 1 || st.MGCPKeysDistributed != 1 {
		t.Errorf("CA: %d retransmissions, %d challenges, %d keys; want 2, 1, 1",
			st.MGCPRetransmissions, st.MGCPChallenged, st.MGCPKeysDistributed)
	}
}

// startMGCPRelay forwards datagrams between one gateway and the CA, changing one
// character of the named X-SKDKD value ("mac" or "terminal") in the CA's datagrams;
// field "drop" drops the CA's first answer to each gateway command instead.
func startMGCPRelay(t *testing.T, ca *net.UDPAddr, field string) *net.UDPAddr {
	return startRelay(t, ca, field == "drop", func(pkt []byte) []byte {
		return tamperKD(pkt, field)
	}, func(pkt []byte) string {
		first, _, _ := bytes.Cut(pkt, []byte("\n"))
		return string(first)
	})
}

// tamperKD changes the 20th character of the X-SKDKD value name="...".
func tamperKD(pkt []byte, field string) []byte {
	at := bytes.Index(pkt, []byte(field+`="`))
	if at < 0 || !bytes.Contains(pkt, []byte(extKeys)) {
		return pkt
	}
	i := at + len(field) + 2 + 20
	return flipChar(pkt, i)
}

// flipChar changes pkt[i] to another base64 and hex letter, so that a tampered
// value still parses and only its meaning is wrong.
func flipChar(pkt []byte, i int) []byte {
	if pkt[i] == 'A' {
		pkt[i] = 'B'
	} else {
		pkt[i] = 'A'
	}
	return pkt
}

// caConn is a raw UDP socket talking MGCP to the CA, standing in for the proxy.
type caConn struct {
	t    *testing.T
	conn *net.UDPConn
	to   *net.UDPAddr
}

// exchange sends msg and returns the answer, which must parse.
func (c *caConn) exchange(msg string) string {
	c.t.Helper()
	b := roundTrip(c.t, c.conn, c.to, msg, mgcp.MaxMessageSize)
	var d mgcp.Datagram
	var m mgcp.Message
	for d.Reset(b); d.Next(&m); {
	}
	if err := d.Err(); err != nil {
		c.t.Fatalf("answer does not parse: %v\n%s", err, b)
	}
	return string(b)
}

// roundTrip sends msg from conn to to and returns the one datagram that answers
// it (at most size bytes), failing the test when none comes within recvWait.
func roundTrip(t *testing.T, conn *net.UDPConn, to *net.UDPAddr, msg string,
	size int) []byte {
	t.Helper()
	if _, err := conn.WriteToUDP([]byte(msg), to); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, size)
	_ = conn.SetReadDeadline(time.Now().Add(recvWait))
	n, _, err := conn.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no answer to:\n%s\nerror: %v", msg, err)
	}
	return buf[:n]
}

// paramOf returns the value of the first parameter line "name: value" in msg.
func paramOf(msg, name string) string {
	for _, line := range strings.Split(msg, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), name+": "); ok {
			return v
		}
	}
	return ""
}

// rqntTID returns the transaction id of the RQNT piggy-backed in msg.
func rqntTID(t *testing.T, msg string) string {
	t.Helper()
	_, rest, ok := strings.Cut(msg, "RQNT ")
	if !ok {
		t.Fatalf("no RQNT in:\n%s", msg)
	}
	id, _, _ := strings.Cut(rest, " ")
	return id
}

const (
	testRSIP = "RSIP %d aaln/1@[127.0.0.1]:40010 MGCP 1.0\r\nRM: restart\r\nX-SKDID: %s\r\n%s"
	testNTFY = "NTFY %d aaln/1@[127.0.0.1]:40010 MGCP 1.0\r\nX: 1\r\nO: skd/auth\r\n" +
		"X-SKDAU: username=\"%s\", nonce=\"%s\", response=\"%s\"\r\n%s"
)

// TestCAProxyMode plays the proxy's side: an RSIP carrying X-SKDPX gets the challenge
// without X-SKDSV, the NTFY without X-SKDVF/X-SKDOF gets both wrapped copies, and the
// proxy's copy opens with Ksp. Retransmissions get the same bytes; a spent nonce 510.
func TestCAProxyMode(t *testing.T) {
	e := newCAEnv(t)
	kc := e.ac.addSubscriber(t, "gw1")
	kid, ksp := e.ac.proxyKey(t, "sp1")
	c := &caConn{t: t, conn: e.conn, to: e.srv.MGCPAddr()}
	rsip := fmt.Sprintf(testRSIP, 7001, "gw1", "X-SKDPX: sp1;wrap=ascon128a-v12\r\n")
	ch := c.exchange(rsip)
	if again := c.exchange(rsip); again != ch {
		t.Fatalf("retransmission answered differently:\n%s\n---\n%s", ch, again)
	}
	chv := []byte(paramOf(ch, extChallenge))
	nonce, _ := sip.ListParam(chv, "nonce")
	alg, _ := sip.ListParam(chv, "algorithm")
	if !strings.HasPrefix(ch, "200 7001 OK\r\n.\r\nRQNT ") || paramOf(ch, "R") != authEvent ||
		paramOf(ch, extServer) != "" || string(alg) != AlgSHA256 || len(nonce) == 0 ||
		!strings.Contains(ch, " aaln/1@[127.0.0.1]:40010 MGCP 1.0\r\n") {
		t.Fatalf("challenge:\n%s", ch)
	}
	ha1, _ := skd.HA1(AlgSHA256, "gw1", testRealm, skd.DigestPassword(kc))
	resp, _ := skd.DigestResponse(AlgSHA256, ha1, string(nonce), "NTFY", "mgcp:gw1", "", "",
		"")
	ok := c.exchange(fmt.Sprintf(testNTFY, 7002, "gw1", nonce, resp, ""))
	kd := []byte(paramOf(ok, extKeys))
	gotKID, _ := sip.ListParam(kd, "kid")
	wrap, _ := sip.ListParam(kd, "wrap")
	proxyBlob, _ := sip.ListParam(kd, "proxy")
	if !strings.HasPrefix(ok, "200 7002 OK\r\n.\r\nRQNT ") || string(gotKID) != kid ||
		string(wrap) != "ascon128a-v12" || bytes.Contains(kd, []byte("mac=")) {
		t.Fatalf("success:\n%s", ok)
	}
	blob, _ := base64.StdEncoding.DecodeString(string(proxyBlob))
	kek := skd.ProxyKEK(ksp)
	ad := &skd.WrapAD{Recipient: []byte(skd.RecipientProxy), Identity: []byte("gw1"),
		Realm: []byte(testRealm), Nonce: nonce, KID: []byte(kid)}
	if _, err := skd.UnwrapKey(skd.WrapAscon128aV12, &kek, ad, blob); err != nil {
		t.Fatalf("proxy copy does not open: %v", err)
	}
	again := c.exchange(fmt.Sprintf(testNTFY, 7003, "gw1", nonce, resp, ""))
	if !strings.HasPrefix(again, "510 7003 ") {
		t.Fatalf("replayed nonce accepted:\n%s", again)
	}
	if st := e.srv.Stats(); st.MGCPRetransmissions != 1 || st.MGCPChallenged != 1 ||
		st.MGCPKeysDistributed != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestCARefusals checks the error responses to commands that cannot be served, and
// that forced RSIP removes a plain gateway.
func TestCARefusals(t *testing.T) {
	e := newCAEnv(t)
	e.ac.addSubscriber(t, "gw2")
	c := &caConn{t: t, conn: e.conn, to: e.srv.MGCPAddr()}
	cases := []struct{ name, msg, want string }{
		{"unsupported verb", "AUEP 1 aaln/1@[127.0.0.1]:40010 MGCP 1.0\r\n", "504 1 "},
		{"offer without identity", "RSIP 2 aaln/1@gw MGCP 1.0\r\nX-SKDOF: hmac-sha256\r\n",
			"510 2 no X-SKDID"},
		{"twice", fmt.Sprintf(testRSIP, 3, "gw2", "X-SKDOF: a\r\nX-SKDOF: b\r\n"), "510 3 X-SKD"},
		{"bad proxy", fmt.Sprintf(testRSIP, 4, "gw2", "X-SKDPX: sp1;wrap=rot13\r\n"), "510 4 "},
		{"nothing supported", fmt.Sprintf(testRSIP, 5, "gw2", "X-SKDOF: tls\r\n"),
			"510 5 no acceptable mechanism"},
		{"no auth values", fmt.Sprintf(testNTFY, 6, "", "", "", ""), "510 6 X-SKDAU lacks"},
		{"unknown nonce", fmt.Sprintf(testNTFY, 7, "gw2", "n", "00", ""), "510 7 nonce"},
		{"plain", "RSIP 8 aaln/1@gw9.example.net MGCP 1.0\r\nRM: restart\r\n", "200 8 OK"},
		{"plain ntfy", "NTFY 9 aaln/1@gw9.example.net MGCP 1.0\r\nO: L/hd\r\n", "200 9 OK"},
		{"forced", "RSIP 10 aaln/1@gw9.example.net MGCP 1.0\r\nRM: forced\r\n", "200 10 OK"},
	}
	for _, tc := range cases {
		if got := c.exchange(tc.msg); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: got %q, want prefix %q", tc.name, got, tc.want)
		}
	}
	if st := e.srv.Stats(); st.MGCPGateways != 0 || st.MGCPRegistered != 1 ||
		st.MGCPErrors != 1 || st.MGCPRefused != 6 {
		t.Errorf("stats %+v: want 0 gateways after forced, 1 registered, 1 error, 6 refused",
			st)
	}
}

// TestCATablesBounded fills the CA's gateway table (MaxBindings 1: a second plain
// gateway gets 409, the first one again is accepted) and its transaction cache
// (MaxTransactions 2: the oldest response is forgotten, so its retransmission is a
// new command).
func TestCATablesBounded(t *testing.T) {
	e := newEnv(t, Config{MGCPListen: "127.0.0.1:0", MaxBindings: 1, MaxTransactions: 2})
	c := &caConn{t: t, conn: e.conn, to: e.srv.MGCPAddr()}
	plain := "RSIP %d aaln/1@%s MGCP 1.0\r\nRM: restart\r\n"
	for i, tc := range []struct{ domain, want string }{
		{"gw-a.example.net", "200 "}, {"gw-b.example.net", "409 "},
		{"gw-a.example.net", "200 "},
	} {
		if got := c.exchange(fmt.Sprintf(plain, 100+i, tc.domain)); !strings.HasPrefix(got,
			tc.want) {
			t.Errorf("%s: got %q, want %q", tc.domain, got, tc.want)
		}
	}
	c.exchange(fmt.Sprintf(plain, 100, "gw-a.example.net"))
	if st := e.srv.Stats(); st.MGCPGateways != 1 || st.MGCPUnavailable != 1 ||
		st.MGCPRetransmissions != 0 || st.MGCPRequests != 4 {
		t.Errorf("stats %+v: want 1 gateway, 1 unavailable, no retransmission, 4 requests",
			st)
	}
}

// TestCAGatewaysAddress sends what the CA writes for a gateway registering through
// the proxy (X-SKDPX) to Config.MGCPGateways, the proxy's call-agent-facing socket,
// and answers a direct-mode gateway at its source address.
func TestCAGatewaysAddress(t *testing.T) {
	side, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer side.Close()
	e := newEnv(t, Config{MGCPListen: "127.0.0.1:0",
		MGCPGateways: side.LocalAddr().String()})
	e.ac.addSubscriber(t, "gw1")
	e.ac.proxyKey(t, "sp1")
	c := &caConn{t: t, conn: e.conn, to: e.srv.MGCPAddr()}
	if _, err := e.conn.WriteToUDP([]byte(fmt.Sprintf(testRSIP, 1, "gw1",
		"X-SKDPX: sp1;wrap=aes128gcm\r\n")), e.srv.MGCPAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, mgcp.MaxMessageSize)
	_ = side.SetReadDeadline(time.Now().Add(recvWait))
	n, _, err := side.ReadFromUDP(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "200 1 OK\r\n.\r\nRQNT ") {
		t.Fatalf("proxy-mode challenge not at MGCPGateways: %v %q", err, buf[:n])
	}
	direct := c.exchange(fmt.Sprintf(testRSIP, 2, "gw1", "X-SKDOF: hmac-sha256\r\n"))
	if !strings.HasPrefix(direct, "200 2 OK\r\n.\r\nRQNT ") {
		t.Fatalf("direct-mode challenge not at the source: %q", direct)
	}
}
