package proxy

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// The test world: one proxy, one softswitch address, one terminal.
var (
	testProxyAddr  = netip.MustParseAddrPort("127.0.0.1:5060")
	testSoftswitch = netip.MustParseAddrPort("127.0.0.1:5070")
	testTerminal   = netip.MustParseAddrPort("127.0.0.1:40001")
)

const (
	testRealm = "sigproxy.test"
	testNonce = "0123456789abcdef0123456789abcdef"
	testKID   = "7"
)

// rig holds a handler with one proxy key and the terminal's long-term key.
type rig struct {
	t     testing.TB
	h     *Handler
	w     *Worker
	ksp   []byte
	kc    []byte
	sk    [skd.SessionKeySize]byte
	offer string // Security-Client value the terminal sends
	out   []byte
}

func newRig(t testing.TB) *rig {
	t.Helper()
	r := &rig{t: t, ksp: randBytes(t, skd.KspSize), kc: randBytes(t, skd.KcSize)}
	copy(r.sk[:], randBytes(t, skd.SessionKeySize))
	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: r.ksp}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{
		ProxyID:    "sp1",
		Listen:     testProxyAddr,
		Softswitch: testSoftswitch,
		Keyring:    ring,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.h, r.w = h, h.NewWorker()
	r.offer = "ascon128a-v12;q=0.5, hmac-sha256;q=0.9"
	r.out = make([]byte, 0, 8192)
	return r
}

func randBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// step runs one datagram through the worker and parses what comes out.
func (r *rig) step(pkt string, src netip.AddrPort) (*sip.Message, netip.AddrPort) {
	r.t.Helper()
	res, dst, ok := r.w.Step([]byte(pkt), src, r.out)
	if !ok {
		r.t.Fatalf("message dropped: %+v", r.h.Stats().Reasons)
	}
	m := new(sip.Message)
	if err := m.Parse(bytes.Clone(res)); err != nil {
		r.t.Fatalf("proxy output does not parse: %v\n%s", err, res)
	}
	return m, dst
}

func register(cseq int, extra string) string {
	return "REGISTER sip:sigproxy.test SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t" + fmt.Sprint(cseq) + ";rport\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:alice@sigproxy.test>;tag=ft1\r\n" +
		"To: <sip:alice@sigproxy.test>\r\n" +
		"Call-ID: c1@127.0.0.1\r\n" +
		"CSeq: " + fmt.Sprint(cseq) + " REGISTER\r\n" +
		"Contact: <sip:alice@127.0.0.1:40001>\r\n" +
		"Expires: 3600\r\n" + extra +
		"Content-Length: 0\r\n\r\n"
}

func (r *rig) firstRegister() string {
	return register(1, "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"+
		"Security-Client: "+r.offer+"\r\n"+
		"Authorization: Digest username=\"alice\", realm=\"sigproxy.test\", nonce=\"\", "+
		"uri=\"sip:sigproxy.test\", response=\"\"\r\n")
}

func (r *rig) secondRegister(verify string) string {
	return register(2, "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"+
		"Security-Client: "+r.offer+"\r\n"+
		"Security-Verify: "+verify+"\r\n"+
		"Authorization: Digest username=\"alice\", realm=\"sigproxy.test\", nonce=\""+testNonce+
		"\", uri=\"sip:sigproxy.test\", response=\"00\", algorithm=SHA-256\r\n")
}

// answer builds the softswitch's response to a forwarded request.
func answer(req *sip.Message, status string, extra string) string {
	var b strings.Builder
	b.WriteString("SIP/2.0 " + status + "\r\n")
	for i := 0; i < req.NumHeaders(); i++ {
		hd := req.Header(i)
		switch hd.ID {
		case sip.HdrVia, sip.HdrFrom, sip.HdrCallID, sip.HdrCSeq:
			b.Write(hd.Line)
		case sip.HdrTo:
			b.WriteString("To: " + string(hd.Value) + ";tag=tt9\r\n")
		}
	}
	b.WriteString(extra)
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

func challenge() string {
	return "WWW-Authenticate: Digest realm=\"" + testRealm + "\", nonce=\"" + testNonce +
		"\", algorithm=SHA-256, qop=\"auth\"\r\n"
}

// keyDistribution builds the 200's header with both wrapped copies of r.sk.
func (r *rig) keyDistribution(alg skd.WrapAlg, kid string) (header, terminalB64 string) {
	r.t.Helper()
	pkek := skd.ProxyKEK(r.ksp)
	tkek := skd.TerminalKEK(r.kc)
	base := skd.WrapAD{Identity: []byte("alice"), Realm: []byte(testRealm), Nonce: []byte(testNonce)}
	pad, tad := base, base
	pad.Recipient, pad.KID = []byte(skd.RecipientProxy), []byte(kid)
	tad.Recipient = []byte(skd.RecipientTerminal)
	pb, err := skd.WrapKey(alg, &pkek, &pad, r.sk[:], rand.Reader)
	if err != nil {
		r.t.Fatal(err)
	}
	tb, err := skd.WrapKey(alg, &tkek, &tad, r.sk[:], rand.Reader)
	if err != nil {
		r.t.Fatal(err)
	}
	terminalB64 = base64.StdEncoding.EncodeToString(tb)
	header = fmt.Sprintf("Key-Distribution: terminal=%q, proxy=%q, kid=%s, wrap=%s\r\n",
		terminalB64, base64.StdEncoding.EncodeToString(pb), kid, alg)
	return header, terminalB64
}

// flow runs the registration up to the 200 OK from the softswitch and returns
// that 200 as the softswitch would send it plus the forwarded second REGISTER.
func (r *rig) flowTo200(kd string) (ok200 string) {
	r.t.Helper()
	fwd1, dst := r.step(r.firstRegister(), testTerminal)
	if dst != testSoftswitch {
		r.t.Fatalf("first REGISTER went to %v", dst)
	}
	resp401, dst := r.step(answer(fwd1, "401 Unauthorized", challenge()), testSoftswitch)
	if dst != testTerminal {
		r.t.Fatalf("401 went to %v", dst)
	}
	server, _ := resp401.Get(sip.HdrSecurityServer)
	fwd2, _ := r.step(r.secondRegister(string(server)), testTerminal)
	return answer(fwd2, "200 OK", "Contact: <sip:alice@127.0.0.1:40001>;expires=3600\r\n"+kd)
}

// verifyMAC checks the MAC of a 200 the proxy forwarded, as a terminal would.
func (r *rig) verifyMAC(resp *sip.Message, chosen string, mech skd.Mechanism) bool {
	r.t.Helper()
	kd, ok := resp.Get(sip.HdrKeyDistribution)
	if !ok {
		r.t.Fatal("no Key-Distribution in the forwarded 200")
	}
	terminal, _ := sip.ListParam(kd, "terminal")
	wrap, _ := sip.ListParam(kd, "wrap")
	macB64, _ := sip.ListParam(kd, "mac")
	tag, err := base64.StdEncoding.DecodeString(string(macB64))
	if err != nil {
		r.t.Fatalf("mac is not base64: %v", err)
	}
	var offered [][]byte
	for _, e := range strings.Split(r.offer, ",") {
		offered = append(offered, []byte(strings.TrimSpace(e)))
	}
	callID, _ := resp.Get(sip.HdrCallID)
	from, _ := resp.Get(sip.HdrFrom)
	to, _ := resp.Get(sip.HdrTo)
	in, err := skd.AppendMACInput(nil, &skd.RegFields{
		Protocol: "sip", Status: []byte("200"), TxnID: callID, Seq: []byte("2 REGISTER"),
		FromTag: sip.Tag(from), ToTag: sip.Tag(to), Nonce: []byte(testNonce),
		Chosen: []byte(chosen), Offered: offered, Terminal: terminal, Wrap: wrap,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return skd.NewMACer().Verify(mech, r.sk[:], in, tag)
}
