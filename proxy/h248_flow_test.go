package proxy

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// The H.248 test world: the proxy, the MGC and two gateways.
var (
	testH248Proxy = netip.MustParseAddrPort("127.0.0.1:2944")
	testMGC       = netip.MustParseAddrPort("127.0.0.1:2945")
	testMG1       = netip.MustParseAddrPort("127.0.0.1:40010")
	testMG2       = netip.MustParseAddrPort("127.0.0.1:40020")
)

const (
	testOffer = "ascon128a-v12;q=0.9, hmac-sha256;q=0.5"
	testMGCID = "[127.0.0.1]:2945"
)

// h248Net carries one datagram from an endpoint to the proxy and reports
// what the proxy sent and to whom ("" when it sent nothing).
type h248Net interface {
	send(t testing.TB, from string, pkt string) (out string, to string)
	handler() *Handler
}

// stepNet drives a Worker directly: the endpoints are the fixed addresses.
type stepNet struct {
	h   *Handler
	w   *Worker
	out []byte
}

var stepAddrs = map[string]netip.AddrPort{"mg1": testMG1, "mg2": testMG2, "mgc": testMGC}

func (n *stepNet) send(t testing.TB, from, pkt string) (string, string) {
	t.Helper()
	res, dst, ok := n.w.StepH248([]byte(pkt), stepAddrs[from], n.out)
	if !ok {
		return "", ""
	}
	for name, a := range stepAddrs {
		if a == dst {
			return string(res), name
		}
	}
	t.Fatalf("sent to %v, no endpoint there", dst)
	return "", ""
}

func (n *stepNet) handler() *Handler { return n.h }

// udpNet runs a real Server on loopback; the endpoints are UDP sockets.
type udpNet struct {
	lb    *h248Loopback
	socks map[string]*net.UDPConn
}

func (n *udpNet) handler() *Handler { return n.lb.srv.Handler() }

func (n *udpNet) send(t testing.TB, from, pkt string) (string, string) {
	t.Helper()
	h := n.handler()
	before := h.Stats()
	if _, err := n.socks[from].WriteToUDP([]byte(pkt), n.lb.h248Addr); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for h.Stats().Handled == before.Handled {
		if time.Now().After(deadline) {
			t.Fatal("the proxy did not take the datagram")
		}
		time.Sleep(200 * time.Microsecond)
	}
	if h.Stats().H248.MessagesOut == before.H248.MessagesOut {
		return "", ""
	}
	buf := make([]byte, 70000)
	for name, c := range n.socks {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if k, fromAddr, err := c.ReadFromUDPAddrPort(buf); err == nil {
			if fromAddr != n.lb.srv.H248Addr() {
				t.Errorf("H.248 arrived from %v, want the proxy's H.248 socket", fromAddr)
			}
			return string(buf[:k]), name
		}
	}
	t.Fatal("the proxy counted a datagram out but none arrived")
	return "", ""
}

// h248World is a proxy with its key, the gateways' session key, and the
// network the test talks over.
type h248World struct {
	t   testing.TB
	net h248Net
	ksp []byte
	kc  []byte
	sk  [skd.SessionKeySize]byte
}

func newStepWorld(t testing.TB) *h248World {
	t.Helper()
	ksp := randBytes(t, skd.KspSize)
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: ksp}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{
		ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch,
		H248Listen: testH248Proxy, H248Softswitch: testMGC, Keyring: ring,
	})
	if err != nil {
		t.Fatal(err)
	}
	wd := &h248World{t: t, ksp: ksp, kc: randBytes(t, skd.KcSize),
		net: &stepNet{h: h, w: h.NewWorker(), out: make([]byte, 0, 8192)}}
	copy(wd.sk[:], randBytes(t, skd.SessionKeySize))
	return wd
}

func newUDPWorld(t *testing.T) *h248World {
	t.Helper()
	lb := startH248Loopback(t)
	n := &udpNet{lb: lb, socks: map[string]*net.UDPConn{
		"mg1": listenUDP(t), "mg2": listenUDP(t), "mgc": lb.mgc}}
	wd := &h248World{t: t, ksp: lb.ksp, kc: randBytes(t, skd.KcSize), net: n}
	copy(wd.sk[:], randBytes(t, skd.SessionKeySize))
	return wd
}

// worlds runs f over a Worker and over a real Server on loopback.
func worlds(t *testing.T, f func(t *testing.T, wd *h248World)) {
	t.Run("step", func(t *testing.T) { f(t, newStepWorld(t)) })
	t.Run("udp", func(t *testing.T) { f(t, newUDPWorld(t)) })
}

// Messages of PROTOCOL.md §11, with the ids and values the tests vary.

func serviceChange(txn uint32, method, extra string) string {
	return fmt.Sprintf("MEGACO/1 [127.0.0.1]:40010\r\nTransaction = %d {\r\n"+
		"  Context = - {\r\n    ServiceChange = ROOT {\r\n      Services {\r\n"+
		"        Method = %s, Reason = \"901 Cold Boot\"%s\r\n      }\r\n    }\r\n  }\r\n}\r\n",
		txn, method, extra)
}

func regServiceChange(txn uint32, offer string) string {
	return serviceChange(txn, "Restart",
		fmt.Sprintf(",\r\n        X-SKDID = \"mg1\",\r\n        X-SKDOF = %q", offer))
}

func challengeModify(reply, txn uint32) string {
	return fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = - { ServiceChange = ROOT } }\r\n"+
		"Transaction = %d {\r\n  Context = - {\r\n    Modify = ROOT {\r\n"+
		"      Media { TerminationState {\r\n        skd/realm = %q, skd/nonce = %q, "+
		"skd/alg = \"SHA-256\"\r\n      } },\r\n      Events = 1 { skd/auth }\r\n    }\r\n  }\r\n}\r\n",
		testMGCID, reply, txn, testRealm, testNonce)
}

func authNotify(txn uint32, verify, offer string) string {
	params := `id = "mg1", nonce = "` + testNonce + `", resp = "5f0c"`
	if verify != "" {
		params += fmt.Sprintf(",\r\n          verify = %q", verify)
	}
	if offer != "" {
		params += fmt.Sprintf(",\r\n          offer = %q", offer)
	}
	return fmt.Sprintf("MEGACO/1 [127.0.0.1]:40010\r\nTransaction = %d {\r\n  Context = - {\r\n"+
		"    Notify = ROOT {\r\n      ObservedEvents = 1 {\r\n        skd/auth { %s }\r\n"+
		"      }\r\n    }\r\n  }\r\n}\r\n", txn, params)
}

func successModify(reply, txn uint32, values string) string {
	return fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = - { Notify = ROOT } }\r\n"+
		"Transaction = %d {\r\n  Context = - {\r\n    Modify = ROOT {\r\n"+
		"      Media { TerminationState {\r\n        %s\r\n      } }\r\n    }\r\n  }\r\n}\r\n",
		testMGCID, reply, txn, values)
}

// keyValues wraps the world's SK for the proxy under Ksp[kid] and for the
// gateway, as the AC does, and returns the success Modify's values and the
// gateway's skd/term text.
func (wd *h248World) keyValues(alg skd.WrapAlg, kid string) (values, term string) {
	wd.t.Helper()
	pkek, tkek := skd.ProxyKEK(wd.ksp), skd.TerminalKEK(wd.kc)
	base := skd.WrapAD{Identity: []byte("mg1"), Realm: []byte(testRealm), Nonce: []byte(testNonce)}
	pad, tad := base, base
	pad.Recipient, pad.KID = []byte(skd.RecipientProxy), []byte(kid)
	tad.Recipient = []byte(skd.RecipientTerminal)
	pb, err := skd.WrapKey(alg, &pkek, &pad, wd.sk[:], rand.Reader)
	if err != nil {
		wd.t.Fatal(err)
	}
	tb, err := skd.WrapKey(alg, &tkek, &tad, wd.sk[:], rand.Reader)
	if err != nil {
		wd.t.Fatal(err)
	}
	term = base64.StdEncoding.EncodeToString(tb)
	values = fmt.Sprintf("skd/term = %q, skd/proxy = %q, skd/kid = %q, skd/wrap = %q",
		term, base64.StdEncoding.EncodeToString(pb), kid, alg)
	return values, term
}

// parse parses what the proxy sent; it must always parse.
func parse(t testing.TB, out string) *h248.Message {
	t.Helper()
	m := new(h248.Message)
	if err := m.Parse([]byte(out)); err != nil {
		t.Fatalf("the proxy sent a message that does not parse: %v\n%s", err, out)
	}
	return m
}

// txnIDs returns the ids of the message's items of kind tok.
func txnIDs(m *h248.Message, tok h248.Token) []uint32 {
	var ids []uint32
	for tx := m.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		if tx.Token() == tok {
			ids = append(ids, tx.ID())
		}
	}
	return ids
}

// expect sends pkt and checks where the result went.
func (wd *h248World) expect(from, pkt, wantTo string) (string, *h248.Message) {
	wd.t.Helper()
	out, to := wd.net.send(wd.t, from, pkt)
	if to != wantTo {
		wd.t.Fatalf("sent to %q, want %q; reasons %v\n%s", to, wantTo,
			wd.net.handler().Stats().Reasons, out)
	}
	if out == "" {
		return "", nil
	}
	return out, parse(wd.t, out)
}

// errorReply checks that m is the proxy's Reply = id with Error code.
func errorReply(t testing.TB, m *h248.Message, id uint32, code uint32) string {
	t.Helper()
	tx := m.Root().FirstChild()
	e := tx.Child(h248.TokError)
	if tx.Token() != h248.TokReply || tx.ID() != id || e.ID() != code {
		t.Fatalf("want Reply = %d { Error = %d }, got %s", id, code, m.Bytes())
	}
	if got := string(m.Header().MID); got != "[127.0.0.1]:2944" && !strings.HasPrefix(got, "[127.0.0.1]:") {
		t.Errorf("the proxy wrote mId %q", got)
	}
	return string(e.ErrorText())
}

// registration is one gateway's run through §11.2 to §11.5.
type h248Reg struct {
	proxySC, proxyNotify uint32 // proxy ids the MGC saw
	server               string // skd/server the gateway got
}

// toChallenge runs §11.2 and §11.3 for mg1 and returns the proxy's ids.
func (wd *h248World) toChallenge(offer string) h248Reg {
	wd.t.Helper()
	var reg h248Reg
	_, fwd := wd.expect("mg1", regServiceChange(10, offer), "mgc")
	reg.proxySC = txnIDs(fwd, h248.TokTransaction)[0]
	_, ch := wd.expect("mgc", challengeModify(reg.proxySC, 90001), "mg1")
	reg.server = string(ch.Root().FindParam("skd", "server").Value())
	return reg
}

// toSuccess runs the whole flow up to the MGC's success Modify and returns
// the message the gateway gets.
func (wd *h248World) toSuccess(values string) (string, *h248.Message, h248Reg) {
	wd.t.Helper()
	reg := wd.toChallenge(testOffer)
	_, fwd := wd.expect("mg1", authNotify(11, reg.server, testOffer), "mgc")
	reg.proxyNotify = txnIDs(fwd, h248.TokTransaction)[0]
	out, to := wd.net.send(wd.t, "mgc", successModify(reg.proxyNotify, 90002, values))
	if to != "mg1" {
		wd.t.Fatalf("success went to %q", to)
	}
	return out, parse(wd.t, out), reg
}

// verifyH248MAC checks the success message as the gateway would, with the
// SK the test wrapped: SPI, SeqNum and the tag over the §11.5 input.
func (wd *h248World) verifyH248MAC(m *h248.Message, mech skd.Mechanism, term string) error {
	hdr := m.Header()
	if !hdr.Auth {
		return fmt.Errorf("no authentication header")
	}
	spi, err := skd.H248SPI(wd.sk[:])
	if err != nil {
		return err
	}
	if hdr.SPI != spi || hdr.Seq != 1 {
		return fmt.Errorf("SPI %08x seq %d, want %08x seq 1", hdr.SPI, hdr.Seq, spi)
	}
	raw := string(hdr.AuthRaw)
	seq := raw[strings.IndexByte(raw, '=')+1 : strings.LastIndexByte(raw, ':')]
	seq = strings.TrimSpace(seq)
	if want := fmt.Sprintf("0x%08x:0x%08x", spi, 1); seq != want {
		return fmt.Errorf("SPI:SeqNum written %q, want %q", seq, want)
	}
	var txn uint32
	for tx := m.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		if tx.Token() == h248.TokTransaction {
			txn = tx.ID()
		}
	}
	entries := strings.Split(testOffer, ",")
	offered := make([][]byte, len(entries))
	for i, e := range entries {
		offered[i] = []byte(strings.TrimSpace(e))
	}
	f := skd.RegFields{
		Protocol: "h248", Status: []byte("Modify"), TxnID: []byte(fmt.Sprint(txn)),
		Seq: []byte(seq), FromTag: []byte("mg1"), ToTag: hdr.MID, Nonce: []byte(testNonce),
		Chosen: []byte(strings.TrimSpace(entries[0])), Offered: offered,
		Terminal: []byte(term), Wrap: []byte(mech.Wrap().String()),
	}
	in, err := skd.AppendMACInput(nil, &f)
	if err != nil {
		return err
	}
	tag := m.AppendAuthData(nil)
	if !skd.NewMACer().Verify(mech, wd.sk[:], in, tag) {
		return fmt.Errorf("the MAC does not verify")
	}
	return nil
}

// TestH248Registration runs PROTOCOL.md §11.2 to §11.5: choice, stripping,
// X-SKDPX, skd/server, id translation both ways, and a success Modify whose
// MAC the gateway verifies, without the proxy's copy of the key.
func TestH248Registration(t *testing.T) {
	worlds(t, func(t *testing.T, wd *h248World) {
		_, fwd := wd.expect("mg1", regServiceChange(10, testOffer), "mgc")
		svc := fwd.Root().Find(h248.TokServices)
		if svc.FindParam("", "X-SKDOF").Valid() {
			t.Error("X-SKDOF reached the MGC")
		}
		if px := string(svc.FindParam("", "X-SKDPX").Value()); px != "sp1;wrap=ascon128a-v12" {
			t.Errorf("X-SKDPX = %q", px)
		}
		if id := string(svc.FindParam("", "X-SKDID").Value()); id != "mg1" {
			t.Errorf("X-SKDID = %q", id)
		}
		proxySC := txnIDs(fwd, h248.TokTransaction)[0]
		if proxySC == 10 {
			t.Error("the gateway's transaction id reached the MGC untranslated")
		}

		_, ch := wd.expect("mgc", challengeModify(proxySC, 90001), "mg1")
		if ids := txnIDs(ch, h248.TokReply); len(ids) != 1 || ids[0] != 10 {
			t.Errorf("challenge Reply ids %v, want [10]", ids)
		}
		if ids := txnIDs(ch, h248.TokTransaction); len(ids) != 1 || ids[0] != 90001 {
			t.Errorf("the MGC's own transaction id changed: %v", ids)
		}
		server := string(ch.Root().FindParam("skd", "server").Value())
		if server != "ascon128a-v12;q=0.9" {
			t.Errorf("skd/server = %q", server)
		}
		// The gateway's Reply to the challenge goes to the MGC unchanged.
		ack := "MEGACO/1 [127.0.0.1]:40010\r\nReply = 90001 { Context = - { Modify = ROOT } }\r\n"
		if out, _ := wd.expect("mg1", ack, "mgc"); out != ack {
			t.Errorf("gateway Reply changed on the way:\n%s", out)
		}

		_, nf := wd.expect("mg1", authNotify(11, server, testOffer), "mgc")
		ev := nf.Root().FindParam("skd", "auth")
		if ev.FindParam("", "verify").Valid() || ev.FindParam("", "offer").Valid() {
			t.Error("verify or offer reached the MGC")
		}
		if !ev.FindParam("", "resp").Valid() {
			t.Error("the digest response was removed")
		}
		proxyNotify := txnIDs(nf, h248.TokTransaction)[0]

		values, term := wd.keyValues(skd.WrapAscon128aV12, testKID)
		out, ok := wd.expect("mgc", successModify(proxyNotify, 90002, values), "mg1")
		if ids := txnIDs(ok, h248.TokReply); len(ids) != 1 || ids[0] != 11 {
			t.Errorf("success Reply ids %v, want [11]", ids)
		}
		ts := ok.Root().FindParam("skd", "term").Parent()
		if ts.FindParam("skd", "proxy").Valid() || ts.FindParam("skd", "kid").Valid() {
			t.Errorf("the proxy's copy reached the gateway:\n%s", out)
		}
		if err := wd.verifyH248MAC(ok, skd.MechAscon128aV12, term); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		h := wd.net.handler()
		s, found := h.Session([]byte("h248:mg1"))
		if !found || s.SK != wd.sk || s.Mech != skd.MechAscon128aV12 {
			t.Error("session key not stored under h248:mg1")
		}
		if st := h.Stats(); st.H248.Registered != 1 {
			t.Errorf("registered %d, want 1", st.H248.Registered)
		}
	})
}

// TestH248HMACRegistration chooses hmac-sha256 when the gateway prefers it.
func TestH248HMACRegistration(t *testing.T) {
	wd := newStepWorld(t)
	offer := "hmac-sha256;q=0.9, ascon128a-v12;q=0.5"
	_, fwd := wd.expect("mg1", regServiceChange(10, offer), "mgc")
	if px := string(fwd.Root().FindParam("", "X-SKDPX").Value()); px != "sp1;wrap=aes128gcm" {
		t.Fatalf("X-SKDPX = %q", px)
	}
}

// TestH248TwoGatewaysSameID sends the same transaction id from two
// gateways: the MGC sees two ids, and each Reply goes back to its gateway
// with the gateway's id.
func TestH248TwoGatewaysSameID(t *testing.T) {
	worlds(t, func(t *testing.T, wd *h248World) {
		sc := serviceChange(10, "Restart", "")
		_, f1 := wd.expect("mg1", sc, "mgc")
		_, f2 := wd.expect("mg2", sc, "mgc")
		id1, id2 := txnIDs(f1, h248.TokTransaction)[0], txnIDs(f2, h248.TokTransaction)[0]
		if id1 == id2 {
			t.Fatalf("both gateways got proxy id %d", id1)
		}
		reply := func(id uint32) string {
			return fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = - { ServiceChange = ROOT } }\r\n",
				testMGCID, id)
		}
		for _, c := range []struct {
			id uint32
			mg string
		}{{id2, "mg2"}, {id1, "mg1"}} {
			_, m := wd.expect("mgc", reply(c.id), c.mg)
			if ids := txnIDs(m, h248.TokReply); len(ids) != 1 || ids[0] != 10 {
				t.Errorf("%s got Reply ids %v, want [10]", c.mg, ids)
			}
		}
		// A Pending restores the id too.
		_, m := wd.expect("mgc", fmt.Sprintf("MEGACO/1 %s\r\nPending = %d { }\r\n", testMGCID, id1), "mg1")
		if ids := txnIDs(m, h248.TokPending); len(ids) != 1 || ids[0] != 10 {
			t.Errorf("Pending ids %v, want [10]", ids)
		}
	})
}

// TestH248Retransmissions repeats each step: the same gateway transaction
// keeps its proxy id, a retransmitted ServiceChange after the challenge
// keeps the nonce, and a retransmitted Notify and success Modify are handled
// again with a MAC that verifies.
func TestH248Retransmissions(t *testing.T) {
	worlds(t, func(t *testing.T, wd *h248World) {
		values, term := wd.keyValues(skd.WrapAscon128aV12, testKID)
		_, _, reg := wd.toSuccess(values)
		_, again := wd.expect("mg1", regServiceChange(10, testOffer), "mgc")
		if id := txnIDs(again, h248.TokTransaction)[0]; id != reg.proxySC {
			t.Errorf("retransmitted ServiceChange got proxy id %d, want %d", id, reg.proxySC)
		}
		_, nf := wd.expect("mg1", authNotify(11, reg.server, testOffer), "mgc")
		if id := txnIDs(nf, h248.TokTransaction)[0]; id != reg.proxyNotify {
			t.Errorf("retransmitted Notify got proxy id %d, want %d", id, reg.proxyNotify)
		}
		out, ok := wd.expect("mgc", successModify(reg.proxyNotify, 90002, values), "mg1")
		if err := wd.verifyH248MAC(ok, skd.MechAscon128aV12, term); err != nil {
			t.Fatalf("retransmitted success: %v\n%s", err, out)
		}
	})
}

// TestH248Refusals covers the 402s of §11.2 and §11.4, built by the proxy
// with the gateway's transaction id; nothing reaches the MGC.
func TestH248Refusals(t *testing.T) {
	worlds(t, func(t *testing.T, wd *h248World) {
		_, m := wd.expect("mg1", regServiceChange(10, "digest;q=0.9, ipsec-3gpp"), "mg1")
		text := errorReply(t, m, 10, 402)
		if !strings.Contains(text, "hmac-sha256") || !strings.Contains(text, "ascon128a-v12") {
			t.Errorf("402 text %q does not list the proxy's mechanisms", text)
		}

		reg := wd.toChallenge(testOffer)
		_, m = wd.expect("mg1", authNotify(11, "hmac-sha256;q=0.5", testOffer), "mg1")
		if text := errorReply(t, m, 11, 402); !strings.Contains(text, "verify") {
			t.Errorf("verify changed: text %q", text)
		}
		reg = wd.toChallenge(testOffer)
		_, m = wd.expect("mg1", authNotify(12, reg.server, "ascon128a-v12;q=0.9"), "mg1")
		if text := errorReply(t, m, 12, 402); !strings.Contains(text, "offer") {
			t.Errorf("offer changed: text %q", text)
		}
		// The refused Notify ended the agreement: verify without one is 402.
		_, m = wd.expect("mg1", authNotify(13, reg.server, testOffer), "mg1")
		errorReply(t, m, 13, 402)

		st := wd.net.handler().Stats()
		for _, r := range []Reason{ReasonH248NoMechanism, ReasonH248VerifyMismatch,
			ReasonH248OfferMismatch, ReasonH248NoAgreement} {
			if st.Reasons[r.String()] != 1 {
				t.Errorf("%s counted %d times, want 1", r, st.Reasons[r.String()])
			}
		}
		if st.H248.LocalReplies != 4 {
			t.Errorf("local replies %d, want 4", st.H248.LocalReplies)
		}
	})
}

// TestH248KeyDistributionFailsClosed replaces the success with Error 500
// for the gateway's Notify whenever the proxy cannot vouch for the key.
func TestH248KeyDistributionFailsClosed(t *testing.T) {
	good, _ := newStepWorld(t).keyValues(skd.WrapAscon128aV12, testKID)
	for _, c := range []struct {
		name   string
		values func(wd *h248World) string
		reason Reason
	}{
		{"unknown kid", func(wd *h248World) string {
			v, _ := wd.keyValues(skd.WrapAscon128aV12, "99")
			return v
		}, ReasonH248UnknownKID},
		{"wrong key", func(*h248World) string { return good }, ReasonH248Unwrap},
		{"missing proxy copy", func(wd *h248World) string {
			v, _ := wd.keyValues(skd.WrapAscon128aV12, testKID)
			return v[:strings.Index(v, ", skd/proxy")] + `, skd/kid = "7", skd/wrap = "ascon128a-v12"`
		}, ReasonH248KeyDistMissing},
		{"wrong wrap", func(wd *h248World) string {
			v, _ := wd.keyValues(skd.WrapAES128GCM, testKID)
			return v
		}, ReasonH248KeyDistMalformed},
		{"no keys at all", func(*h248World) string { return `skd/other = "1"` },
			ReasonH248KeyDistMissing},
	} {
		t.Run(c.name, func(t *testing.T) {
			worlds(t, func(t *testing.T, wd *h248World) {
				out, m, _ := wd.toSuccess(c.values(wd))
				text := errorReply(t, m, 11, 500)
				want := "sigproxy: key distribution failed: "
				if !strings.HasPrefix(text, want) {
					t.Errorf("500 text %q", text)
				}
				if strings.Contains(out, "skd/") {
					t.Errorf("skd values reached the gateway:\n%s", out)
				}
				st := wd.net.handler().Stats()
				if st.Reasons[c.reason.String()] != 1 || st.H248.Registered != 0 {
					t.Errorf("reasons %v, registered %d", st.Reasons, st.H248.Registered)
				}
				if _, ok := wd.net.handler().Session([]byte("h248:mg1")); ok {
					t.Error("a session key was stored")
				}
			})
		})
	}
}

// TestH248ProxyCopyNeverPasses sends keys on a Reply the proxy holds no
// agreement for: they fail closed instead of reaching the gateway.
func TestH248ProxyCopyNeverPasses(t *testing.T) {
	wd := newStepWorld(t)
	_, fwd := wd.expect("mg1", serviceChange(10, "Restart", ""), "mgc")
	id := txnIDs(fwd, h248.TokTransaction)[0]
	values, _ := wd.keyValues(skd.WrapAscon128aV12, testKID)
	out, m := wd.expect("mgc", successModify(id, 90002, values), "mg1")
	errorReply(t, m, 10, 500)
	if strings.Contains(out, "skd/proxy") {
		t.Fatal("the proxy copy passed")
	}
}

// TestH248Unroutable drops MGC messages that name no gateway transaction
// and gateway messages that do not parse, and counts them.
func TestH248Unroutable(t *testing.T) {
	worlds(t, func(t *testing.T, wd *h248World) {
		for _, pkt := range []string{
			fmt.Sprintf("MEGACO/1 %s\r\nReply = 4242 { Context = - { ServiceChange = ROOT } }\r\n", testMGCID),
			fmt.Sprintf("MEGACO/1 %s\r\nTransaction = 5 { Context = - { Modify = ROOT } }\r\n", testMGCID),
			fmt.Sprintf("MEGACO/1 %s\r\nTransactionResponseAck { 10 }\r\n", testMGCID),
		} {
			wd.expect("mgc", pkt, "")
		}
		for _, pkt := range []string{"MEGACO/1 [127.0.0.1]:40010\r\n", "hello", "MEGACO/1 x Transaction = {"} {
			wd.expect("mg1", pkt, "")
			wd.expect("mgc", pkt, "")
		}
		st := wd.net.handler().Stats()
		if n := st.Reasons[ReasonH248Unroutable.String()]; n != 3 {
			t.Errorf("unroutable counted %d, want 3", n)
		}
		if n := st.Reasons[ReasonH248Malformed.String()]; n != 6 {
			t.Errorf("malformed counted %d, want 6", n)
		}
	})
}

// TestH248MixedReplies drops an MGC message whose Replies answer two
// gateways.
func TestH248MixedReplies(t *testing.T) {
	wd := newStepWorld(t)
	sc := serviceChange(10, "Restart", "")
	_, f1 := wd.expect("mg1", sc, "mgc")
	_, f2 := wd.expect("mg2", sc, "mgc")
	pkt := fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = - { ServiceChange = ROOT } }\r\n"+
		"Reply = %d { Context = - { ServiceChange = ROOT } }\r\n", testMGCID,
		txnIDs(f1, h248.TokTransaction)[0], txnIDs(f2, h248.TokTransaction)[0])
	wd.expect("mgc", pkt, "")
}

// TestH248OnlyMGCDrivesState sends the MGC's messages from a gateway: they
// go to the MGC like any gateway message and change nothing.
func TestH248OnlyMGCDrivesState(t *testing.T) {
	wd := newStepWorld(t)
	reg := wd.toChallenge(testOffer)
	values, _ := wd.keyValues(skd.WrapAscon128aV12, testKID)
	out, _ := wd.expect("mg2", successModify(reg.proxySC, 90002, values), "mgc")
	if !strings.Contains(out, "skd/proxy") || strings.Contains(out, "Authentication") {
		t.Errorf("a gateway's message was treated as the MGC's:\n%s", out)
	}
	if _, ok := wd.net.handler().Session([]byte("h248:mg1")); ok {
		t.Error("a gateway stored a session key")
	}
}

// TestH248Deregistration ends the session once the MGC accepts a
// ServiceChange Forced on ROOT.
func TestH248Deregistration(t *testing.T) {
	worlds(t, func(t *testing.T, wd *h248World) {
		values, _ := wd.keyValues(skd.WrapAscon128aV12, testKID)
		wd.toSuccess(values)
		h := wd.net.handler()
		if _, ok := h.Session([]byte("h248:mg1")); !ok {
			t.Fatal("no session after registration")
		}
		_, fwd := wd.expect("mg1", serviceChange(20, "Forced", ""), "mgc")
		if _, ok := h.Session([]byte("h248:mg1")); !ok {
			t.Fatal("session removed before the MGC replied")
		}
		id := txnIDs(fwd, h248.TokTransaction)[0]
		wd.expect("mgc", fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = - { ServiceChange = ROOT } }\r\n",
			testMGCID, id), "mg1")
		if _, ok := h.Session([]byte("h248:mg1")); ok {
			t.Error("session kept after deregistration")
		}
		if st := h.Stats(); st.H248.Deregistered != 1 {
			t.Errorf("deregistered %d, want 1", st.H248.Deregistered)
		}
	})
}

// h248Handler builds a handler with H.248 and a transaction table of
// capacity entries.
func h248Handler(t *testing.T, capacity int) *Handler {
	t.Helper()
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: randBytes(t, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch,
		H248Listen: testH248Proxy, H248Softswitch: testMGC, Keyring: ring,
		H248TxnCapacity: capacity, SessionCapacity: 16})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestH248SourceShare answers 503 once one source address holds its share
// of the transaction table (an eighth); another address still gets through.
func TestH248SourceShare(t *testing.T) {
	h := h248Handler(t, 4096)
	wd := &h248World{t: t, net: &stepNet{h: h, w: h.NewWorker(), out: make([]byte, 0, 8192)}}
	refused := uint32(0)
	for id := uint32(1); id <= 600 && refused == 0; id++ {
		out, to := wd.net.send(t, "mg1", serviceChange(id, "Restart", ""))
		if to == "mg1" {
			errorReply(t, parse(t, out), id, 503)
			refused = id
		}
	}
	if refused != 4096/8+1 {
		t.Fatalf("first refusal at transaction %d, want %d", refused, 4096/8+1)
	}
	if h.Stats().Reasons[ReasonSourceLimit.String()] != 1 {
		t.Errorf("reasons %v", h.Stats().Reasons)
	}
	other := netip.MustParseAddrPort("127.0.0.2:2944")
	n := wd.net.(*stepNet)
	if _, dst, _ := n.w.StepH248([]byte(serviceChange(1, "Restart", "")), other, n.out); dst != testMGC {
		t.Error("one gateway filled the table for everyone")
	}
}

// TestH248TxnTableFull answers 503 once the table is full, whoever asks.
func TestH248TxnTableFull(t *testing.T) {
	h := h248Handler(t, 64)
	w, out := h.NewWorker(), make([]byte, 0, 4096)
	full := 0
	for i := range 400 {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 2944)
		res, dst, ok := w.StepH248([]byte(serviceChange(7, "Restart", "")), src, out)
		if ok && dst == src {
			errorReply(t, parse(t, string(res)), 7, 503)
			full++
		}
	}
	if full == 0 {
		t.Fatal("400 gateways fit a table of 64")
	}
	if n := h.Stats().Reasons[ReasonH248TxnTableFull.String()]; n != uint64(full) {
		t.Errorf("txn-table-full counted %d, want %d", n, full)
	}
	if n := h.Stats().H248.Transactions; n > 64 {
		t.Errorf("%d transactions held, capacity 64", n)
	}
}

// TestH248GatewayCannotNameProxy strips an X-SKDPX a gateway wrote itself.
func TestH248GatewayCannotNameProxy(t *testing.T) {
	wd := newStepWorld(t)
	out, _ := wd.expect("mg1", serviceChange(10, "Restart", `, X-SKDPX = "evil;wrap=aes128gcm"`), "mgc")
	if bytes.Contains([]byte(out), []byte("evil")) {
		t.Fatalf("the gateway's X-SKDPX passed:\n%s", out)
	}
}

// TestH248BadOffers answers 402 to offers the proxy cannot keep: no
// identity, an empty entry, too many entries, a repeated X-SKDOF.
func TestH248BadOffers(t *testing.T) {
	wd := newStepWorld(t)
	many := strings.Repeat("hmac-sha256;q=0.1, ", 16) + "hmac-sha256"
	for i, extra := range []string{
		fmt.Sprintf(", X-SKDOF = %q", testOffer),
		fmt.Sprintf(", X-SKDID = \"mg1\", X-SKDOF = %q", testOffer+","),
		fmt.Sprintf(", X-SKDID = \"mg1\", X-SKDOF = %q", many),
		fmt.Sprintf(", X-SKDID = \"mg1\", X-SKDOF = %q, X-SKDOF = %q", testOffer, testOffer),
		fmt.Sprintf(", X-SKDID = %q, X-SKDOF = %q", strings.Repeat("m", 129), testOffer),
	} {
		id := uint32(40 + i)
		_, m := wd.expect("mg1", serviceChange(id, "Restart", extra), "mg1")
		if text := errorReply(t, m, id, 402); !strings.Contains(text, "bad offer") {
			t.Errorf("case %d: text %q", i, text)
		}
	}
	if n := wd.net.handler().Stats().Reasons[ReasonH248BadOffer.String()]; n != 5 {
		t.Errorf("bad offers counted %d, want 5", n)
	}
}

// TestH248ChallengeUnrecordable fails closed when the challenge's nonce
// cannot be kept: the gateway's ServiceChange gets Error 500.
func TestH248ChallengeUnrecordable(t *testing.T) {
	wd := newStepWorld(t)
	_, fwd := wd.expect("mg1", regServiceChange(10, testOffer), "mgc")
	id := txnIDs(fwd, h248.TokTransaction)[0]
	long := strings.Replace(challengeModify(id, 90001), testNonce, strings.Repeat("n", 129), 1)
	out, m := wd.expect("mgc", long, "mg1")
	if text := errorReply(t, m, 10, 500); !strings.Contains(text, "challenge") {
		t.Errorf("text %q", text)
	}
	if strings.Contains(out, "skd/") {
		t.Errorf("the challenge reached the gateway:\n%s", out)
	}
}

// TestH248MappedMGCAddress recognises the MGC behind an IPv4-mapped IPv6
// source, as a dual-stack socket reports it.
func TestH248MappedMGCAddress(t *testing.T) {
	wd := newStepWorld(t)
	_, fwd := wd.expect("mg1", serviceChange(10, "Restart", ""), "mgc")
	id := txnIDs(fwd, h248.TokTransaction)[0]
	mapped := netip.AddrPortFrom(netip.AddrFrom16(testMGC.Addr().As16()), testMGC.Port())
	n := wd.net.(*stepNet)
	reply := fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = - { ServiceChange = ROOT } }\r\n",
		testMGCID, id)
	if _, dst, ok := n.w.StepH248([]byte(reply), mapped, n.out); !ok || dst != testMG1 {
		t.Fatalf("Reply from the mapped MGC address went to %v (ok %v)", dst, ok)
	}
}

// TestH248TransactionsExpire sweeps gateway transactions 32 s after their
// last use: the table empties and a late Reply routes nowhere.
func TestH248TransactionsExpire(t *testing.T) {
	wd := newStepWorld(t)
	h := wd.net.handler()
	_, fwd := wd.expect("mg1", serviceChange(10, "Restart", ""), "mgc")
	id := txnIDs(fwd, h248.TokTransaction)[0]
	h.Sweep(time.Now().Add(20 * time.Second))
	if n := h.Stats().H248.Transactions; n != 1 {
		t.Fatalf("%d transactions after 20 s, want 1", n)
	}
	h.Sweep(time.Now().Add(txnTTL + time.Second))
	if n := h.Stats().H248.Transactions; n != 0 {
		t.Fatalf("%d transactions after the TTL, want 0", n)
	}
	wd.expect("mgc", fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = - { ServiceChange = ROOT } }\r\n",
		testMGCID, id), "")
	if n := h.Stats().Reasons[ReasonH248Unroutable.String()]; n != 1 {
		t.Errorf("late Reply: unroutable counted %d, want 1", n)
	}
}
