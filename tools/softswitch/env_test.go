package softswitch

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

const (
	testRealm = "sigproxy.test"
	testURI   = "sip:sigproxy.test"
	// recvWait bounds how long a test waits for one response on loopback.
	recvWait = 3 * time.Second
)

// env is one registrar on loopback with an AC behind it and a UDP socket standing in
// for the terminal (direct mode) or the proxy (proxy mode).
type env struct {
	t    *testing.T
	srv  *Server
	ac   *testAC
	conn *net.UDPConn
	seq  int
	skew atomic.Int64 // added to the registrar's clock, in nanoseconds
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	ac := startAC(t)
	if cfg.AC == nil && cfg.ACURL == "" {
		cfg.AC = ac.client
	}
	return newEnvWithAC(t, cfg, ac)
}

func newEnvWithAC(t *testing.T, cfg Config, ac *testAC) *env {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e := &env{t: t, srv: srv, ac: ac}
	srv.now = func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	if e.conn, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = e.conn.Close() })
	return e
}

// reg describes one REGISTER a test sends.
type reg struct {
	user       string
	callID     string
	cseq       int
	branch     string   // "" -> a fresh one
	viaRPort   bool     // add ;rport to the top Via
	lowerVias  []string // Via values below the top one
	path       string   // Path value ("" none)
	secClient  string
	secVerify  string
	require    string
	auth       string // Authorization value ("" none)
	expires    string // Expires header value ("" none)
	contact    string // Contact value; "-" for none; "" -> <sip:user@127.0.0.1:40001>
	toTag      string
	requestURI string
}

func (e *env) localAddr() *net.UDPAddr { return e.conn.LocalAddr().(*net.UDPAddr) }

// build renders r as a REGISTER datagram from e's socket.
func (e *env) build(r reg) string {
	e.seq++
	if r.branch == "" {
		r.branch = fmt.Sprintf("z9hG4bK.test%d", e.seq)
	}
	if r.requestURI == "" {
		r.requestURI = testURI
	}
	if r.cseq == 0 {
		r.cseq = 1
	}
	var b strings.Builder
	w := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	fmt.Fprintf(&b, "REGISTER %s SIP/2.0\r\n", r.requestURI)
	via := fmt.Sprintf("SIP/2.0/UDP %s;branch=%s", e.localAddr(), r.branch)
	if r.viaRPort {
		via += ";rport"
	}
	w("Via", via)
	for _, v := range r.lowerVias {
		w("Via", v)
	}
	w("Max-Forwards", "70")
	w("From", fmt.Sprintf("<sip:%s@%s>;tag=from%s", r.user, testRealm, r.callID))
	to := fmt.Sprintf("<sip:%s@%s>", r.user, testRealm)
	if r.toTag != "" {
		to += ";tag=" + r.toTag
	}
	w("To", to)
	w("Call-ID", r.callID)
	w("CSeq", fmt.Sprintf("%d REGISTER", r.cseq))
	switch r.contact {
	case "-":
	case "":
		w("Contact", fmt.Sprintf("<sip:%s@127.0.0.1:40001>", r.user))
	default:
		w("Contact", r.contact)
	}
	for _, h := range [][2]string{{"Expires", r.expires}, {"Require", r.require},
		{"Path", r.path}, {"Security-Client", r.secClient},
		{"Security-Verify", r.secVerify}, {"Authorization", r.auth}} {
		if h[1] != "" {
			w(h[0], h[1])
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

func (e *env) send(raw string) {
	e.t.Helper()
	if _, err := e.conn.WriteToUDP([]byte(raw), e.srv.Addr()); err != nil {
		e.t.Fatalf("send: %v", err)
	}
}

// recv reads one response and parses it.
func (e *env) recv() *sip.Message {
	e.t.Helper()
	buf := make([]byte, sip.MaxMessageSize)
	_ = e.conn.SetReadDeadline(time.Now().Add(recvWait))
	n, _, err := e.conn.ReadFromUDP(buf)
	if err != nil {
		e.t.Fatalf("no response: %v", err)
	}
	m := new(sip.Message)
	if err := m.Parse(buf[:n]); err != nil {
		e.t.Fatalf("response does not parse: %v\n%s", err, buf[:n])
	}
	if m.IsRequest() {
		e.t.Fatalf("got a request, want a response:\n%s", buf[:n])
	}
	return m
}

// roundTrip sends r and returns the response, checking its status code.
func (e *env) roundTrip(r reg, want int) *sip.Message {
	e.t.Helper()
	e.send(e.build(r))
	m := e.recv()
	if m.StatusCode() != want {
		e.t.Fatalf("status %d, want %d:\n%s", m.StatusCode(), want, m.Bytes())
	}
	return m
}

func get(m *sip.Message, id sip.HeaderID) string {
	v, _ := m.Get(id)
	return string(v)
}

// all returns every value of one header, in order.
func all(m *sip.Message, id sip.HeaderID) []string {
	var out []string
	for i := m.Index(id, 0); i >= 0; i = m.Index(id, i+1) {
		out = append(out, string(m.Header(i).Value))
	}
	return out
}

// challengeOf returns the nonce of a 401 and checks every WWW-Authenticate shares it.
func challengeOf(t *testing.T, m *sip.Message) (nonce string, algs []string) {
	t.Helper()
	for _, v := range all(m, sip.HdrWWWAuthenticate) {
		n, _ := sip.AuthParam([]byte(v), "nonce")
		a, _ := sip.AuthParam([]byte(v), "algorithm")
		q, _ := sip.AuthParam([]byte(v), "qop")
		r, _ := sip.AuthParam([]byte(v), "realm")
		if nonce != "" && string(n) != nonce {
			t.Fatalf("nonces differ across WWW-Authenticate: %q vs %q", n, nonce)
		}
		if string(q) != "auth" || string(r) != testRealm {
			t.Fatalf("challenge %q: want qop auth, realm %s", v, testRealm)
		}
		nonce = string(n)
		algs = append(algs, string(a))
	}
	if nonce == "" {
		t.Fatalf("401 without a nonce:\n%s", m.Bytes())
	}
	return nonce, algs
}

// digest is how a test answers a challenge.
type digest struct {
	alg      string // "" -> MD5 without algorithm param
	qop      bool
	user     string // username param
	realm    string
	uri      string
	response string // overrides the computed response when set
}

// authorization renders an Authorization answering nonce with kc's digest password.
func authorization(t *testing.T, kc []byte, nonce string, d digest) string {
	t.Helper()
	if d.realm == "" {
		d.realm = testRealm
	}
	if d.uri == "" {
		d.uri = testURI
	}
	alg := d.alg
	if alg == "" {
		alg = AlgMD5
	}
	// An -sess variant is answered as its base algorithm: the registrar must refuse
	// it by name before any hashing.
	ha1, err := skd.HA1(strings.TrimSuffix(alg, "-sess"), d.user, d.realm, skd.DigestPassword(kc))
	if err != nil {
		t.Fatalf("HA1: %v", err)
	}
	qop, nc, cnonce := "", "", ""
	if d.qop {
		qop, nc, cnonce = "auth", "00000001", "0a4f113b"
	}
	resp, err := skd.DigestResponse(strings.TrimSuffix(alg, "-sess"), ha1, nonce, "REGISTER",
		d.uri, qop, nc, cnonce)
	if err != nil {
		t.Fatalf("DigestResponse: %v", err)
	}
	if d.response != "" {
		resp = d.response
	}
	v := fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`,
		d.user, d.realm, nonce, d.uri, resp)
	if d.alg != "" {
		v += ", algorithm=" + d.alg
	}
	if d.qop {
		v += fmt.Sprintf(`, qop=auth, nc=%s, cnonce="%s"`, nc, cnonce)
	}
	return v
}

// emptyAuth is the first REGISTER's Authorization naming the identity (PROTOCOL.md §5.1).
func emptyAuth(user string) string {
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="", uri="%s", response=""`,
		user, testRealm, testURI)
}

// waitFor polls cond for up to recvWait (the AC success report follows the 200).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(recvWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
