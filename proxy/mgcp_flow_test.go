package proxy

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// The MGCP test world: the proxy's two sockets, the call agent and two
// gateways.
var (
	testMGCPGWSide = netip.MustParseAddrPort("127.0.0.1:2727")
	testMGCPCASide = netip.MustParseAddrPort("127.0.0.1:2427")
	testCA         = netip.MustParseAddrPort("127.0.0.1:2527")
	testGW1        = netip.MustParseAddrPort("127.0.0.1:40110")
	testGW2        = netip.MustParseAddrPort("127.0.0.1:40120")
)

const (
	testDomain1 = "gw1.example.net"
	testDomain2 = "gw2.example.net"
)

// mgcpNet carries one datagram from an endpoint ("gw1", "gw2", "ca") to the
// proxy socket of side and reports what the proxy sent and to whom.
type mgcpNet interface {
	send(t testing.TB, from string, side MGCPSide, pkt string) (out, to string)
	handler() *Handler
}

type mgcpStepNet struct {
	h   *Handler
	w   *Worker
	out []byte
}

var mgcpAddrs = map[string]netip.AddrPort{"gw1": testGW1, "gw2": testGW2, "ca": testCA}

func (n *mgcpStepNet) handler() *Handler { return n.h }

func (n *mgcpStepNet) send(t testing.TB, from string, side MGCPSide, pkt string) (string,
	string) {
	t.Helper()
	res, dst, ok := n.w.StepMGCP([]byte(pkt), mgcpAddrs[from], side, n.out)
	if !ok {
		return "", ""
	}
	for name, a := range mgcpAddrs {
		if a == dst {
			return string(res), name
		}
	}
	t.Fatalf("sent to %v, no endpoint there", dst)
	return "", ""
}

// mgcpWorld is a proxy with its key, the gateways' session key, and the
// network the test talks over.
type mgcpWorld struct {
	t   testing.TB
	net mgcpNet
	ksp []byte
	kc  []byte
	sk  [skd.SessionKeySize]byte
}

func mgcpConfig(t testing.TB, ksp []byte) Config {
	t.Helper()
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: ksp}})
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch, Keyring: ring,
		MGCPGatewayListen: testMGCPGWSide, MGCPCallAgentListen: testMGCPCASide,
		MGCPCallAgent: testCA,
	}
}

func newMGCPStepWorld(t testing.TB, edit func(*Config)) *mgcpWorld {
	t.Helper()
	ksp := randBytes(t, skd.KspSize)
	cfg := mgcpConfig(t, ksp)
	if edit != nil {
		edit(&cfg)
	}
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wd := &mgcpWorld{t: t, ksp: ksp, kc: randBytes(t, skd.KcSize),
		net: &mgcpStepNet{h: h, w: h.NewWorker(), out: make([]byte, 0, 8192)}}
	copy(wd.sk[:], randBytes(t, skd.SessionKeySize))
	return wd
}

// mgcpWorlds runs f over a Worker and over a real Server on loopback.
func mgcpWorlds(t *testing.T, f func(t *testing.T, wd *mgcpWorld)) {
	t.Run("step", func(t *testing.T) { f(t, newMGCPStepWorld(t, nil)) })
	if newMGCPUDPWorld != nil {
		t.Run("udp", func(t *testing.T) { f(t, newMGCPUDPWorld(t)) })
	}
}

// newMGCPUDPWorld builds a world over a real Server; set by the server
// tests' file.
var newMGCPUDPWorld func(t *testing.T) *mgcpWorld

// Messages of PROTOCOL.md §12, with the ids and values the tests vary.

func mgcpRSIP(tid uint32, domain, rm, extra string) string {
	return fmt.Sprintf("RSIP %d *@%s MGCP 1.0\r\nRM: %s\r\n%s", tid, domain, rm, extra)
}

func mgcpRegRSIP(tid uint32, domain, offer string) string {
	id := strings.SplitN(domain, ".", 2)[0]
	return mgcpRSIP(tid, domain, "restart", "X-SKDID: "+id+"\r\nX-SKDOF: "+offer+"\r\n")
}

func mgcpChallengeDG(resp, rqnt uint32, domain string) string {
	return fmt.Sprintf("200 %d OK\r\n.\r\nRQNT %d *@%s MGCP 1.0\r\nX: 1\r\nR: skd/auth\r\n"+
		"X-SKDCH: realm=\"%s\", nonce=\"%s\", algorithm=SHA-256\r\n",
		resp, rqnt, domain, testRealm, testNonce)
}

func mgcpNTFY(tid uint32, domain, verify, offer string) string {
	s := fmt.Sprintf("NTFY %d *@%s MGCP 1.0\r\nX: 1\r\nO: skd/auth\r\n"+
		"X-SKDAU: username=\"gw1\", nonce=\"%s\", response=\"5f0c\"\r\n", tid, domain, testNonce)
	if verify != "" {
		s += "X-SKDVF: " + verify + "\r\n"
	}
	if offer != "" {
		s += "X-SKDOF: " + offer + "\r\n"
	}
	return s
}

func mgcpSuccessDG(resp, rqnt uint32, domain, kd string) string {
	return fmt.Sprintf("200 %d OK\r\n.\r\nRQNT %d *@%s MGCP 1.0\r\nX: 2\r\nX-SKDKD: %s\r\n",
		resp, rqnt, domain, kd)
}

// keyDist wraps the world's SK for the proxy under Ksp[kid] and for the
// gateway identity, as the AC does, and returns the X-SKDKD value and the
// gateway's terminal= text.
func (wd *mgcpWorld) keyDist(identity string, alg skd.WrapAlg, kid string) (kd, term string) {
	wd.t.Helper()
	pkek, tkek := skd.ProxyKEK(wd.ksp), skd.TerminalKEK(wd.kc)
	base := skd.WrapAD{Identity: []byte(identity), Realm: []byte(testRealm),
		Nonce: []byte(testNonce)}
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
	kd = fmt.Sprintf(`terminal="%s", proxy="%s", kid=%s, wrap=%s`, term,
		base64.StdEncoding.EncodeToString(pb), kid, alg)
	return kd, term
}

// mgcpMsgs parses every message of a datagram the proxy sent; it must
// parse.
func mgcpMsgs(t testing.TB, out string) []*mgcp.Message {
	t.Helper()
	var d mgcp.Datagram
	var tmp mgcp.Message
	var ms []*mgcp.Message
	d.Reset([]byte(out))
	for d.Next(&tmp) {
		m := new(mgcp.Message)
		if _, err := m.Parse([]byte(string(tmp.Bytes()))); err != nil {
			t.Fatalf("message does not parse alone: %v", err)
		}
		ms = append(ms, m)
	}
	if err := d.Err(); err != nil {
		t.Fatalf("the proxy sent a datagram that does not parse: %v\n%s", err, out)
	}
	return ms
}

// value returns the value of the extension parameter name, "" if absent.
func value(m *mgcp.Message, name string) string {
	if i := m.Find(name); i >= 0 {
		return string(m.Param(i).Value)
	}
	return ""
}

// expect sends pkt and checks where the result went.
func (wd *mgcpWorld) expect(from string, side MGCPSide, pkt, wantTo string) []*mgcp.Message {
	wd.t.Helper()
	out, to := wd.net.send(wd.t, from, side, pkt)
	if to != wantTo {
		wd.t.Fatalf("sent to %q, want %q; reasons %v\n%s", to, wantTo,
			wd.net.handler().Stats().Reasons, out)
	}
	if out == "" {
		return nil
	}
	return mgcpMsgs(wd.t, out)
}

// fromGW and fromCA send on the socket each side uses.
func (wd *mgcpWorld) fromGW(gw, pkt, wantTo string) []*mgcp.Message {
	wd.t.Helper()
	return wd.expect(gw, MGCPFromGateway, pkt, wantTo)
}

func (wd *mgcpWorld) fromCA(pkt, wantTo string) []*mgcp.Message {
	wd.t.Helper()
	return wd.expect("ca", MGCPFromCallAgent, pkt, wantTo)
}

// mgcpReg is one gateway's run through §12.2.
type mgcpReg struct {
	proxyRSIP, proxyNTFY uint32 // proxy ids the call agent saw
	server               string // X-SKDSV the gateway got
}

// toChallenge runs §12.2 steps 1 and 2 for gw1.
func (wd *mgcpWorld) toChallenge(offer string) mgcpReg {
	wd.t.Helper()
	var reg mgcpReg
	fwd := wd.fromGW("gw1", mgcpRegRSIP(10, testDomain1, offer), "ca")
	reg.proxyRSIP = fwd[0].TransactionID()
	ch := wd.fromCA(mgcpChallengeDG(reg.proxyRSIP, 9001, testDomain1), "gw1")
	if len(ch) != 2 || ch[0].TransactionID() != 10 || ch[0].Code() != 200 {
		wd.t.Fatalf("challenge datagram: %d messages, first %q", len(ch), ch[0].FirstLine())
	}
	reg.server = value(ch[1], "X-SKDSV")
	return reg
}

// toSuccess runs the whole flow up to the call agent's success datagram
// and returns what the gateway gets.
func (wd *mgcpWorld) toSuccess(kd string) ([]*mgcp.Message, mgcpReg) {
	wd.t.Helper()
	reg := wd.toChallenge(testOffer)
	fwd := wd.fromGW("gw1", mgcpNTFY(11, testDomain1, reg.server, testOffer), "ca")
	reg.proxyNTFY = fwd[0].TransactionID()
	return wd.fromCA(mgcpSuccessDG(reg.proxyNTFY, 9002, testDomain1, kd), "gw1"), reg
}

// verifyMGCPMAC checks the success RQNT as the gateway would, with the SK
// the test wrapped: the tag in X-SKDKD over the §12.2 input.
func (wd *mgcpWorld) verifyMGCPMAC(rqnt *mgcp.Message, mech skd.Mechanism, offer, chosen,
	term string) error {
	kd := []byte(value(rqnt, "X-SKDKD"))
	gotTerm, _ := sip.ListParam(kd, "terminal")
	wrap, _ := sip.ListParam(kd, "wrap")
	mac, ok := sip.ListParam(kd, "mac")
	if !ok || string(gotTerm) != term {
		return fmt.Errorf("X-SKDKD %q lacks the mac or the terminal copy", kd)
	}
	tag, err := base64.StdEncoding.DecodeString(string(mac))
	if err != nil {
		return err
	}
	entries := strings.Split(offer, ",")
	offered := make([][]byte, len(entries))
	for i, e := range entries {
		offered[i] = []byte(strings.TrimSpace(e))
	}
	f := skd.RegFields{
		Protocol: "mgcp", Status: []byte("RQNT"),
		TxnID: []byte(fmt.Sprint(rqnt.TransactionID())), Seq: rqnt.Endpoint(),
		FromTag: []byte("gw1"), Nonce: []byte(testNonce), Chosen: []byte(chosen),
		Offered: offered, Terminal: []byte(term), Wrap: wrap,
	}
	in, err := skd.AppendMACInput(nil, &f)
	if err != nil {
		return err
	}
	if !skd.NewMACer().Verify(mech, wd.sk[:], in, tag) {
		return fmt.Errorf("the MAC does not verify")
	}
	return nil
}

// TestMGCPRegistration runs PROTOCOL.md §12.2 with both mechanisms:
// choice, X-SKDPX, X-SKDSV, id translation both ways, and a success RQNT
// whose MAC the gateway verifies, without the proxy's copy of the key.
func TestMGCPRegistration(t *testing.T) {
	for _, tc := range []struct {
		offer  string
		mech   skd.Mechanism
		chosen string
	}{
		{"ascon128a-v12;q=0.9, hmac-sha256;q=0.5", skd.MechAscon128aV12, "ascon128a-v12;q=0.9"},
		{"ascon128a-v12;q=0.1, hmac-sha256;q=0.5", skd.MechHMACSHA256, "hmac-sha256;q=0.5"},
	} {
		t.Run(tc.mech.String(), func(t *testing.T) {
			mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
				testMGCPRegistration(t, wd, tc.offer, tc.mech, tc.chosen)
			})
		})
	}
}

func testMGCPRegistration(t *testing.T, wd *mgcpWorld, offer string, mech skd.Mechanism,
	chosen string) {
	fwd := wd.fromGW("gw1", mgcpRegRSIP(10, testDomain1, offer), "ca")
	rsip := fwd[0]
	if rsip.Find("X-SKDOF") >= 0 || value(rsip, "X-SKDID") != "gw1" {
		t.Errorf("forwarded RSIP: %s", rsip.Bytes())
	}
	if got, want := value(rsip, "X-SKDPX"), "sp1;wrap="+mech.Wrap().String(); got != want {
		t.Errorf("X-SKDPX %q, want %q", got, want)
	}
	if rsip.TransactionID() == 10 {
		t.Log("the proxy id happens to equal the gateway's")
	}
	ch := wd.fromCA(mgcpChallengeDG(rsip.TransactionID(), 9001, testDomain1), "gw1")
	if ch[0].TransactionID() != 10 || ch[1].TransactionID() != 9001 {
		t.Errorf("challenge ids %d, %d; want 10, 9001", ch[0].TransactionID(),
			ch[1].TransactionID())
	}
	if got := value(ch[1], "X-SKDSV"); got != chosen {
		t.Fatalf("X-SKDSV %q, want %q", got, chosen)
	}
	// The gateway answers the RQNT; the call agent's id passes unchanged.
	if ack := wd.fromGW("gw1", "200 9001 OK\r\n", "ca"); ack[0].TransactionID() != 9001 {
		t.Errorf("the gateway's 200 became %q", ack[0].FirstLine())
	}
	fwd = wd.fromGW("gw1", mgcpNTFY(11, testDomain1, chosen, offer), "ca")
	ntfy := fwd[0]
	if ntfy.Find("X-SKDVF") >= 0 || ntfy.Find("X-SKDOF") >= 0 || ntfy.Find("X-SKDAU") < 0 {
		t.Errorf("forwarded NTFY: %s", ntfy.Bytes())
	}
	kd, term := wd.keyDist("gw1", mech.Wrap(), testKID)
	got := wd.fromCA(mgcpSuccessDG(ntfy.TransactionID(), 9002, testDomain1, kd), "gw1")
	if got[0].TransactionID() != 11 || got[0].Code() != 200 {
		t.Fatalf("success: first message %q", got[0].FirstLine())
	}
	rqnt := got[1]
	v := value(rqnt, "X-SKDKD")
	if strings.Contains(v, "proxy=") || strings.Contains(v, "kid=") {
		t.Errorf("the proxy's copy reached the gateway: %s", v)
	}
	if err := wd.verifyMGCPMAC(rqnt, mech, offer, chosen, term); err != nil {
		t.Fatal(err)
	}
	h := wd.net.handler()
	sess, ok := h.Session([]byte("mgcp:gw1"))
	if !ok || sess.SK != wd.sk || sess.Mech != mech {
		t.Errorf("session under mgcp:gw1: %v, mech %v", ok, sess.Mech)
	}
	st := h.Stats()
	if st.MGCP.Registered != 1 || st.ChosenByMech[mech.String()] != 1 {
		t.Errorf("stats: %+v", st.MGCP)
	}
	if st.MGCP.MessagesIn != 5 || st.MGCP.MessagesOut != 5 || st.MGCP.Domains != 1 {
		t.Errorf("counted %+v", st.MGCP)
	}
}
