package softswitch

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// newMGCEnv starts the registrar with its MGC role on loopback.
func newMGCEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, Config{H248Listen: "127.0.0.1:0"})
}

// registerMG runs the project's media gateway against the MGC (or addr when set).
func registerMG(t *testing.T, e *env, id string, kc []byte, offer []string,
	addr *net.UDPAddr) terminal.Report {
	t.Helper()
	if addr == nil {
		addr = e.srv.H248Addr()
	}
	return registerGateway(terminal.ProtocolH248, id, kc, offer, addr)
}

// registerGateway runs the project's gateway of protocol against addr.
func registerGateway(protocol, id string, kc []byte, offer []string,
	addr *net.UDPAddr) terminal.Report {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return terminal.Run(ctx, terminal.Config{Protocol: protocol, Identity: id,
		Kc: kc, Proxy: addr, Offer: offer, T1: 100 * time.Millisecond})
}

// registerDirectCases registers four gateways (ids prefix0..prefix3) straight at
// the softswitch with register: Ascon, HMAC and HMAC past an unsupported
// mechanism are chosen by preference and must end secured; no offer registers plain.
func registerDirectCases(t *testing.T, e *env, prefix string,
	register func(*testing.T, *env, string, []byte, []string, *net.UDPAddr) terminal.Report) {
	t.Helper()
	cases := []struct {
		offer   []string
		mech    string
		secured bool
	}{
		{[]string{"ascon128a-v12;q=0.9", "hmac-sha256;q=0.5"}, "ascon128a-v12", true},
		{[]string{"hmac-sha256;q=0.7", "ascon128a-v12;q=0.2"}, "hmac-sha256", true},
		{[]string{"ipsec-3gpp;q=1", "hmac-sha256"}, "hmac-sha256", true},
		{nil, "", false},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(c.offer), func(t *testing.T) {
			id := fmt.Sprint(prefix, i)
			rep := register(t, e, id, e.ac.addSubscriber(t, id), c.offer, nil)
			if !rep.Registered() || rep.Secured() != c.secured || rep.Mechanism != c.mech {
				t.Fatalf("outcome %q secured %v mechanism %q, want registered %v %q\n%s",
					rep.Outcome, rep.Secured(), rep.Mechanism, c.secured, c.mech,
					strings.Join(rep.Steps, "\n"))
			}
		})
	}
}

// TestMGDirectMode registers media gateways straight at the MGC: the MGC chooses,
// wraps and MACs (PROTOCOL.md §11.8); the gateway opens SK with its Kc and verifies
// the authentication header over real UDP.
func TestMGDirectMode(t *testing.T) {
	e := newMGCEnv(t)
	registerDirectCases(t, e, "mg", registerMG)
	st := e.srv.Stats()
	if st.H248KeysDistributed != 3 || st.H248Registered != 4 || st.Gateways != 4 {
		t.Errorf("stats %+v: want 3 keys, 4 registered, 4 gateways", st)
	}
	if st.H248Replies < 6 {
		t.Errorf("%d replies from gateways consumed, want at least 6", st.H248Replies)
	}
	waitFor(t, "AC success reports", func() bool { return e.ac.successes() == 3 })
}

// TestGatewayFailures, for H.248 and MGCP gateways: a wrong Kc is refused at the
// Notify (NTFY), an offer without a supported mechanism at the ServiceChange (RSIP),
// an unknown identity by the AC; 402 and 510 are the protocols' refusals.
func TestGatewayFailures(t *testing.T) {
	for _, p := range []struct {
		proto string
		code  int
		newE  func(*testing.T) *env
		addr  func(*env) *net.UDPAddr
		stats func(Stats) (refused uint64, gateways int)
	}{
		{terminal.ProtocolH248, errCodeUnauthorized, newMGCEnv,
			func(e *env) *net.UDPAddr { return e.srv.H248Addr() },
			func(st Stats) (uint64, int) { return st.H248Refused, st.Gateways }},
		{terminal.ProtocolMGCP, mgcpProtocol, newCAEnv,
			func(e *env) *net.UDPAddr { return e.srv.MGCPAddr() },
			func(st Stats) (uint64, int) { return st.MGCPRefused, st.MGCPGateways }},
	} {
		t.Run(p.proto, func(t *testing.T) {
			e := p.newE(t)
			kc := e.ac.addSubscriber(t, "alice")
			other := e.ac.addSubscriber(t, "mallory")
			cases := []struct {
				name, id string
				kc       []byte
				offer    []string
				outcome  string
			}{
				{"wrong kc", "alice", other, []string{"hmac-sha256"}, terminal.OutcomeForbidden},
				{"nothing supported", "alice", kc, []string{"tls;q=0.5"}, terminal.OutcomeRefused},
				{"unknown identity", "nobody", kc, []string{"hmac-sha256"},
					terminal.OutcomeRefused},
			}
			for _, c := range cases {
				rep := registerGateway(p.proto, c.id, c.kc, c.offer, p.addr(e))
				if rep.Outcome != c.outcome || rep.SKOpened || rep.Status != p.code {
					t.Fatalf("%s: outcome %q status %d SK opened %v, want %q with %d\n%s",
						c.name, rep.Outcome, rep.Status, rep.SKOpened, c.outcome, p.code,
						strings.Join(rep.Steps, "\n"))
				}
			}
			if refused, gateways := p.stats(e.srv.Stats()); refused != 3 || gateways != 0 {
				t.Errorf("refused %d, gateways %d; want 3 and 0", refused, gateways)
			}
		})
	}
}

// TestMGTamperedAuthentication relays the MG's traffic through a socket that changes
// one hex digit of the success Modify's AuthData: the gateway must refuse the
// registration and tell the MGC so in its Reply.
func TestMGTamperedAuthentication(t *testing.T) {
	e := newMGCEnv(t)
	kc := e.ac.addSubscriber(t, "mg-t")
	for _, field := range []string{"authdata", "spi", "term"} {
		t.Run(field, func(t *testing.T) {
			relay := startTamperRelay(t, e.srv.H248Addr(), field)
			rep := registerMG(t, e, "mg-t", kc, []string{"hmac-sha256"}, relay)
			if rep.Registered() || rep.MACVerified {
				t.Fatalf("tampered %s accepted: %q\n%s", field, rep.Outcome,
					strings.Join(rep.Steps, "\n"))
			}
			t.Logf("%s: %s", field, rep.Outcome)
		})
	}
}

// registerAfterDrops registers gateway id offering Ascon with register through
// relay, which drops the server's first answer to each command: the gateway must
// end secured after exactly two retransmissions.
func registerAfterDrops(t *testing.T, e *env, id string, relay *net.UDPAddr,
	register func(*testing.T, *env, string, []byte, []string, *net.UDPAddr) terminal.Report) {
	t.Helper()
	kc := e.ac.addSubscriber(t, id)
	rep := register(t, e, id, kc, []string{"ascon128a-v12"}, relay)
	if !rep.Secured() || rep.Retransmissions != 2 {
		t.Fatalf("outcome %q secured %v after %d retransmissions, want secured after 2\n%s",
			rep.Outcome, rep.Secured(), rep.Retransmissions, strings.Join(rep.Steps, "\n"))
	}
}

// TestMGRetransmission drops the MGC's first answer to each of the gateway's
// requests: the gateway retransmits, the MGC answers from its transaction cache (no
// second challenge, no second AC call) and the registration ends secured.
func TestMGRetransmission(t *testing.T) {
	e := newMGCEnv(t)
	registerAfterDrops(t, e, "mg-r", startTamperRelay(t, e.srv.H248Addr(), "drop"), registerMG)
	st := e.srv.Stats()
	if st.H248Retransmissions != 2 || st.H248Challenged != 1 || st.H248KeysDistributed != 1 {
		t.Errorf("MGC: %d retransmissions, %d challenges, %d keys; want 2, 1, 1",
			st.H248Retransmissions, st.H248Challenged, st.H248KeysDistributed)
	}
}

// startTamperRelay forwards datagrams between one gateway and the MGC, changing the
// named part of any message that carries an authentication header; field "drop"
// drops the first MGC message answering each gateway transaction instead.
func startTamperRelay(t *testing.T, mgc *net.UDPAddr, field string) *net.UDPAddr {
	return startRelay(t, mgc, field == "drop", func(pkt []byte) []byte { return tamper(pkt, field) },
		replyLine)
}

// startRelay forwards datagrams between one gateway and server, passing the
// server's through edit; with drop, the first server datagram of each key is
// dropped instead of forwarded.
func startRelay(t *testing.T, server *net.UDPAddr, drop bool, edit func([]byte) []byte,
	key func([]byte) string) *net.UDPAddr {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	go func() {
		buf := make([]byte, h248.MaxMessageSize)
		var gw *net.UDPAddr
		dropped := map[string]bool{}
		for {
			n, src, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			pkt := append([]byte(nil), buf[:n]...)
			dst := server
			if src.Port == server.Port {
				dst, pkt = gw, edit(pkt)
				if drop && !dropped[key(pkt)] {
					dropped[key(pkt)] = true
					continue
				}
			} else {
				gw = src
			}
			if dst != nil {
				_, _ = conn.WriteToUDP(pkt, dst)
			}
		}
	}()
	return conn.LocalAddr().(*net.UDPAddr)
}

// replyLine returns the N of "Reply = N" in an MGC message.
func replyLine(pkt []byte) string {
	_, rest, _ := strings.Cut(string(pkt), "Reply = ")
	id, _, _ := strings.Cut(rest, " ")
	return id
}

// tamper changes one character of the authentication header's AuthData or SPI, or
// of the skd/term blob.
func tamper(pkt []byte, field string) []byte {
	if field == "drop" || !bytes.HasPrefix(pkt, []byte("AU=")) {
		return pkt
	}
	var i int
	switch field {
	case "authdata":
		i = bytes.IndexByte(pkt, '\n') - 1
	case "spi":
		i = len("AU=0x")
	case "term":
		i = bytes.Index(pkt, []byte(`skd/term = "`)) + len(`skd/term = "`) + 20
	}
	return flipChar(pkt, i)
}

// mgcConn is a raw UDP socket talking H.248 to the MGC, standing in for the proxy.
type mgcConn struct {
	t    *testing.T
	conn *net.UDPConn
	to   *net.UDPAddr
}

// exchange sends msg and returns the answer, which must parse.
func (c *mgcConn) exchange(msg string) string {
	c.t.Helper()
	b := roundTrip(c.t, c.conn, c.to, msg, h248.MaxMessageSize)
	var m h248.Message
	if err := m.Parse(b); err != nil {
		c.t.Fatalf("answer does not parse: %v\n%s", err, b)
	}
	return string(b)
}

// propValue returns the quoted value of skd/<name> in a message, "" when absent.
func propValue(msg, name string) string {
	_, rest, ok := strings.Cut(msg, "skd/"+name+` = "`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// txnOf returns the TransactionID of the first "Transaction = " in msg.
func txnOf(t *testing.T, msg string) string {
	t.Helper()
	_, rest, ok := strings.Cut(msg, "Transaction = ")
	if !ok {
		t.Fatalf("no transaction in:\n%s", msg)
	}
	id, _, _ := strings.Cut(rest, " ")
	return id
}

const (
	testSC = "MEGACO/1 [127.0.0.1]:40010\nTransaction = %d { Context = - { ServiceChange = ROOT {" +
		" Services { Method = Restart, X-SKDID = \"%s\"%s } } } }\n"
	testNotify = "MEGACO/1 [127.0.0.1]:40010\nTransaction = %d { Context = - { Notify = ROOT {" +
		" ObservedEvents = 1 { skd/auth { id = \"%s\", nonce = \"%s\", resp = \"%s\"%s } } } } }\n"
)

// TestMGProxyMode plays the proxy's side: a ServiceChange carrying X-SKDPX gets the
// challenge without skd/server, the Notify without verify/offer gets both wrapped
// copies, and the proxy's copy opens with Ksp. Retransmissions get the same bytes.
func TestMGProxyMode(t *testing.T) {
	e := newMGCEnv(t)
	kc := e.ac.addSubscriber(t, "gw1")
	kid, ksp := e.ac.proxyKey(t, "sp1")
	c := &mgcConn{t: t, conn: e.conn, to: e.srv.H248Addr()}
	sc := fmt.Sprintf(testSC, 7001, "gw1", `, X-SKDPX = "sp1;wrap=ascon128a-v12"`)
	ch := c.exchange(sc)
	if again := c.exchange(sc); again != ch {
		t.Fatalf("retransmission answered differently:\n%s\n---\n%s", ch, again)
	}
	nonce := propValue(ch, "nonce")
	if !strings.HasPrefix(ch, "MEGACO/1 [127.0.0.1]:") || !strings.Contains(ch, "Reply = 7001") ||
		propValue(ch, "server") != "" || propValue(ch, "alg") != AlgSHA256 || nonce == "" ||
		!strings.Contains(ch, "Events = 1 { skd/auth }") {
		t.Fatalf("challenge:\n%s", ch)
	}
	c.exchangeNone(fmt.Sprintf("MEGACO/1 [127.0.0.1]:40010\n"+
		"Reply = %s { Context = - { Modify = ROOT } }\n", txnOf(t, ch)))
	ha1, _ := skd.HA1(AlgSHA256, "gw1", testRealm, skd.DigestPassword(kc))
	resp, _ := skd.DigestResponse(AlgSHA256, ha1, nonce, "Notify", "megaco:gw1", "", "", "")
	ok := c.exchange(fmt.Sprintf(testNotify, 7002, "gw1", nonce, resp, ""))
	if !strings.Contains(ok, "Reply = 7002 { Context = - { Notify = ROOT } }") ||
		propValue(ok, "kid") != kid || propValue(ok, "wrap") != "ascon128a-v12" ||
		strings.HasPrefix(ok, "AU") {
		t.Fatalf("success:\n%s", ok)
	}
	blob, _ := base64.StdEncoding.DecodeString(propValue(ok, "proxy"))
	kek := skd.ProxyKEK(ksp)
	ad := &skd.WrapAD{Recipient: []byte(skd.RecipientProxy), Identity: []byte("gw1"),
		Realm: []byte(testRealm), Nonce: []byte(nonce), KID: []byte(kid)}
	if _, err := skd.UnwrapKey(skd.WrapAscon128aV12, &kek, ad, blob); err != nil {
		t.Fatalf("proxy copy does not open: %v", err)
	}
	// A second Notify with the same nonce is a new transaction: the nonce is spent.
	again := c.exchange(fmt.Sprintf(testNotify, 7003, "gw1", nonce, resp, ""))
	if !strings.Contains(again, "Error = 402") {
		t.Fatalf("replayed nonce accepted:\n%s", again)
	}
	if st := e.srv.Stats(); st.H248Retransmissions != 1 || st.H248Challenged != 1 ||
		st.H248KeysDistributed != 1 {
		t.Errorf("stats %+v", st)
	}
}

// exchangeNone sends a message that must get no answer (a Reply to the MGC's own
// transaction).
func (c *mgcConn) exchangeNone(msg string) {
	c.t.Helper()
	if _, err := c.conn.WriteToUDP([]byte(msg), c.to); err != nil {
		c.t.Fatal(err)
	}
	buf := make([]byte, 512)
	_ = c.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := c.conn.ReadFromUDP(buf); err == nil {
		c.t.Fatalf("reply was answered:\n%s", buf[:n])
	}
}

// TestMGCRefusals checks the Error replies to requests that cannot be served.
func TestMGCRefusals(t *testing.T) {
	e := newMGCEnv(t)
	kc := e.ac.addSubscriber(t, "gw2")
	c := &mgcConn{t: t, conn: e.conn, to: e.srv.H248Addr()}
	cases := []struct {
		name, msg, want string
	}{
		{"offer without identity", "MEGACO/1 [127.0.0.1]:40010\nTransaction = 1 { Context = - {" +
			` ServiceChange = ROOT { Services { Method = Restart, X-SKDOF = "hmac-sha256" } } } }`,
			"Error = 402"},
		{"empty offer entry", fmt.Sprintf(testSC, 9, "gw2", `, X-SKDOF = "hmac-sha256,,tls"`),
			"Error = 402"},
		{"identity twice", fmt.Sprintf(testSC, 10, "gw2", `, X-SKDID = "gw3"`), "Error = 402"},
		{"offer too long", fmt.Sprintf(testSC, 11, "gw2",
			`, X-SKDOF = "hmac-sha256;x=`+strings.Repeat("a", maxOfferBytes)+`"`), "Error = 402"},
		{"bad proxy marker", fmt.Sprintf(testSC, 2, "gw2", `, X-SKDPX = "sp1;wrap=rot13"`),
			"Error = 400"},
		{"unknown proxy", fmt.Sprintf(testSC, 3, "gw2", `, X-SKDPX = "sp9;wrap=aes128gcm"`),
			"Error = 402"},
		{"stale nonce", fmt.Sprintf(testNotify, 4, "gw2", "00ff", "00", ""), "Error = 402"},
		{"auth without resp", "MEGACO/1 [127.0.0.1]:40010\nTransaction = 5 { Context = - {" +
			` Notify = ROOT { ObservedEvents = 1 { skd/auth { id = "gw2" } } } } }`, "Error = 400"},
		{"other command", "MEGACO/1 [127.0.0.1]:40010\nTransaction = 6 { Context = - {" +
			" Add = ROOT { } } }", "Error = 501"},
		{"plain restart", fmt.Sprintf(testSC, 7, "gw2", ""),
			"Reply = 7 { Context = - { ServiceChange = ROOT } }"},
		{"graceful", "MEGACO/1 [127.0.0.1]:40010\nTransaction = 8 { Context = - {" +
			` ServiceChange = ROOT { Services { Method = Graceful, X-SKDID = "gw2" } } } }`,
			"Reply = 8 {"},
	}
	for _, tc := range cases {
		if got := c.exchange(tc.msg); !strings.Contains(got, tc.want) {
			t.Errorf("%s: want %q in\n%s", tc.name, tc.want, got)
		}
	}
	// Direct mode: a Notify whose verify differs from skd/server is refused.
	ch := c.exchange(fmt.Sprintf(testSC, 20, "gw2", `, X-SKDOF = "hmac-sha256;q=0.5"`))
	nonce := propValue(ch, "nonce")
	if propValue(ch, "server") != "hmac-sha256;q=0.5" {
		t.Fatalf("direct challenge without skd/server:\n%s", ch)
	}
	ha1, _ := skd.HA1(AlgSHA256, "gw2", testRealm, skd.DigestPassword(kc))
	resp, _ := skd.DigestResponse(AlgSHA256, ha1, nonce, "Notify", "megaco:gw2", "", "", "")
	got := c.exchange(fmt.Sprintf(testNotify, 21, "gw2", nonce, resp,
		`, verify = "hmac-sha256", offer = "hmac-sha256;q=0.5"`))
	if !strings.Contains(got, "Error = 402") || !strings.Contains(got, errMGAgreement.Error()) {
		t.Errorf("changed verify accepted:\n%s", got)
	}
	if st := e.srv.Stats(); st.Gateways != 0 {
		t.Errorf("%d gateways registered after plain restart and graceful, want 0", st.Gateways)
	}
}

// TestMGCMessagesParse checks the MGC's message builders against the codec.
func TestMGCMessagesParse(t *testing.T) {
	s := &Server{mid: "[127.0.0.1]:2945"}
	body := appendReply(nil, 10, h248.TokServiceChange)
	body, err := appendModify(body, 90001, []skdProp{{"realm", "r"}, {"nonce", "n"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	body = appendErrorReply(body, 11, 402, "no")
	var m h248.Message
	if err := m.Parse(s.mgcMessage([]byte("AU=0x00000001:0x00000001:0x000000000000000000000000"),
		body)); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	w := m.Walker()
	var ids []uint32
	for tx, err := w.Transaction(); err == nil; tx, err = w.Transaction() {
		ids = append(ids, tx.ID())
	}
	hdr := m.Header()
	if fmt.Sprint(ids) != "[10 90001 11]" || !hdr.Auth || string(hdr.MID) != s.mid {
		t.Errorf("ids %v, header %+v", ids, hdr)
	}
	ts := m.Root().Find(h248.TokTerminationState)
	if string(ts.FindParam("skd", "nonce").Value()) != "n" ||
		!m.Root().Find(h248.TokEvents).FindParam("skd", "auth").Valid() {
		t.Errorf("modify lost its properties:\n%s", m.Bytes())
	}
	if _, err := appendModify(nil, 1, []skdProp{{"realm", `a"b`}}, false); err == nil {
		t.Error("a value with a quote was written")
	}
}

// TestMGCGatewayTableBounded: with room for one gateway, a second one gets Error 503
// while the first may register again.
func TestMGCGatewayTableBounded(t *testing.T) {
	e := newEnv(t, Config{H248Listen: "127.0.0.1:0", MaxBindings: 1})
	c := &mgcConn{t: t, conn: e.conn, to: e.srv.H248Addr()}
	for i, tc := range []struct{ id, want string }{
		{"gw-a", "ServiceChange = ROOT"}, {"gw-b", "Error = 503"}, {"gw-a", "ServiceChange = ROOT"},
	} {
		if got := c.exchange(fmt.Sprintf(testSC, 100+i, tc.id, "")); !strings.Contains(got, tc.want) {
			t.Errorf("%s: want %q in\n%s", tc.id, tc.want, got)
		}
	}
	if st := e.srv.Stats(); st.Gateways != 1 || st.H248Unavailable != 1 {
		t.Errorf("%d gateways, %d unavailable; want 1 and 1", st.Gateways, st.H248Unavailable)
	}
}
