package softswitch

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// keyDist is a parsed Key-Distribution value.
type keyDist map[string]string

func parseKeyDist(t *testing.T, m *sip.Message) keyDist {
	t.Helper()
	v, ok := m.Get(sip.HdrKeyDistribution)
	if !ok {
		t.Fatalf("200 without Key-Distribution:\n%s", m.Bytes())
	}
	kd := keyDist{}
	for off := 0; off < len(v); {
		var elem []byte
		elem, off = sip.NextElement(v, off)
		name, val, _ := strings.Cut(string(elem), "=")
		kd[strings.TrimSpace(name)] = strings.Trim(strings.TrimSpace(val), `"`)
	}
	return kd
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64 %q: %v", s, err)
	}
	return b
}

// openTerminal opens terminal= with the subscriber's Kc as the terminal would.
func openTerminal(t *testing.T, kc []byte, user, nonce string, kd keyDist) []byte {
	t.Helper()
	alg, ok := skd.ParseWrapAlg([]byte(kd["wrap"]))
	if !ok {
		t.Fatalf("unknown wrap %q", kd["wrap"])
	}
	kek := skd.TerminalKEK(kc)
	ad := &skd.WrapAD{Recipient: []byte(skd.RecipientTerminal), Identity: []byte(user),
		Realm: []byte(testRealm), Nonce: []byte(nonce)}
	sk, err := skd.UnwrapKey(alg, &kek, ad, b64(t, kd["terminal"]))
	if err != nil {
		t.Fatalf("terminal copy does not open: %v", err)
	}
	return sk
}

// directFlow runs the two REGISTERs of direct mode and returns the 200, the nonce
// and the Security-Server entry of the 401.
func directFlow(t *testing.T, e *env, kc []byte, user, offer string,
	d digest) (ok *sip.Message, nonce, chosen string) {
	t.Helper()
	r := reg{user: user, callID: "direct-" + user, require: "sec-agree", secClient: offer,
		auth: emptyAuth(user), expires: "3600"}
	m := e.roundTrip(r, 401)
	chosen = get(m, sip.HdrSecurityServer)
	if chosen == "" {
		t.Fatalf("401 without Security-Server:\n%s", m.Bytes())
	}
	nonce, _ = challengeOf(t, m)
	r.cseq, r.secVerify = 2, chosen
	d.user = user
	r.auth = authorization(t, kc, nonce, d)
	return e.roundTrip(r, 200), nonce, chosen
}

func TestDirectModeRegistration(t *testing.T) {
	cases := []struct {
		offer, wantChosen string
		mech              skd.Mechanism
		d                 digest
	}{
		{"ascon128a-v12;q=0.9, hmac-sha256;q=0.5", "ascon128a-v12;q=0.9",
			skd.MechAscon128aV12, digest{alg: AlgSHA256, qop: true}},
		{"hmac-sha256;q=0.7,ascon128a-v12;q=0.2", "hmac-sha256;q=0.7",
			skd.MechHMACSHA256, digest{alg: AlgMD5, qop: true}},
		{"foo;q=1, hmac-sha256;q=1.5, ascon128a-v12", "ascon128a-v12",
			skd.MechAscon128aV12, digest{}},
	}
	for i, c := range cases {
		t.Run(c.wantChosen, func(t *testing.T) {
			e := newEnv(t, Config{})
			user := fmt.Sprintf("alice%d", i)
			kc := e.ac.addSubscriber(t, user)
			m, nonce, chosen := directFlow(t, e, kc, user, c.offer, c.d)
			if chosen != c.wantChosen {
				t.Fatalf("Security-Server %q, want %q", chosen, c.wantChosen)
			}
			kd := parseKeyDist(t, m)
			if kd["wrap"] != c.mech.Wrap().String() || kd["proxy"] != "" || kd["kid"] != "" {
				t.Fatalf("Key-Distribution %v: want wrap %s and no proxy copy", kd,
					c.mech.Wrap())
			}
			sk := openTerminal(t, kc, user, nonce, kd)
			input := macInput(t, m, nonce, chosen, c.offer, kd)
			if !skd.NewMACer().Verify(c.mech, sk, input, b64(t, kd["mac"])) {
				t.Fatal("mac does not verify with the terminal's SK")
			}
			waitFor(t, "success report", func() bool {
				return e.ac.successes() == 1 && e.srv.Stats().SuccessReports == 1
			})
			st := e.srv.Stats()
			if st.Challenged != 1 || st.Registered != 1 || st.KeysDistributed != 1 ||
				st.Bindings != 1 || st.PendingVectors != 0 || st.SuccessReports != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// macInput rebuilds PROTOCOL.md §5.5 from what the terminal sent and received.
func macInput(t *testing.T, m *sip.Message, nonce, chosen, offer string, kd keyDist) []byte {
	t.Helper()
	var offered [][]byte
	for _, e := range strings.Split(offer, ",") {
		offered = append(offered, []byte(strings.TrimSpace(e)))
	}
	from, _ := m.Get(sip.HdrFrom)
	to, _ := m.Get(sip.HdrTo)
	cseq, _ := m.Get(sip.HdrCSeq)
	callID, _ := m.Get(sip.HdrCallID)
	n, method, err := sip.ParseCSeq(cseq)
	if err != nil {
		t.Fatal(err)
	}
	in, err := skd.AppendMACInput(nil, &skd.RegFields{
		Protocol: "sip", Status: []byte("200"), TxnID: callID,
		Seq: []byte(fmt.Sprintf("%d %s", n, method)), FromTag: sip.Tag(from),
		ToTag: sip.Tag(to), Nonce: []byte(nonce), Chosen: []byte(chosen), Offered: offered,
		Terminal: []byte(kd["terminal"]), Wrap: []byte(kd["wrap"]),
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestProxyModeRegistration(t *testing.T) {
	e := newEnv(t, Config{})
	kc := e.ac.addSubscriber(t, "bob")
	kid, ksp := e.ac.proxyKey(t, "sp1")
	for _, wrap := range []string{"aes128gcm", "ascon128a-v12"} {
		t.Run(wrap, func(t *testing.T) {
			path := fmt.Sprintf("<sip:sp1@%s;lr;wrap=%s>", e.localAddr(), wrap)
			terminalVia := "SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1;rport=40001"
			r := reg{user: "bob", callID: "proxy-" + wrap, path: path, auth: emptyAuth("bob"),
				lowerVias: []string{terminalVia}}
			m := e.roundTrip(r, 401)
			if get(m, sip.HdrSecurityServer) != "" {
				t.Fatalf("proxy mode 401 carries Security-Server:\n%s", m.Bytes())
			}
			vias := all(m, sip.HdrVia)
			if len(vias) != 2 || vias[1] != terminalVia {
				t.Fatalf("Via lines not copied in order: %q", vias)
			}
			nonce, _ := challengeOf(t, m)
			r.cseq = 2
			d := digest{user: "bob", alg: AlgSHA256, qop: true}
			if wrap == "ascon128a-v12" { // a SIPp-style uri naming the proxy hop
				d.uri = "sip:" + e.localAddr().String()
			}
			r.auth = authorization(t, kc, nonce, d)
			m = e.roundTrip(r, 200)
			if got := all(m, sip.HdrPath); len(got) != 1 || got[0] != path {
				t.Fatalf("Path not echoed: %q", got)
			}
			kd := parseKeyDist(t, m)
			if kd["wrap"] != wrap || kd["kid"] != kid || kd["mac"] != "" {
				t.Fatalf("Key-Distribution %v: want wrap %s, kid %s, no mac", kd, wrap, kid)
			}
			alg, _ := skd.ParseWrapAlg([]byte(wrap))
			kek := skd.ProxyKEK(ksp)
			ad := &skd.WrapAD{Recipient: []byte(skd.RecipientProxy), Identity: []byte("bob"),
				Realm: []byte(testRealm), Nonce: []byte(nonce), KID: []byte(kid)}
			proxySK, err := skd.UnwrapKey(alg, &kek, ad, b64(t, kd["proxy"]))
			if err != nil {
				t.Fatalf("proxy copy does not open with Ksp: %v", err)
			}
			if sk := openTerminal(t, kc, "bob", nonce, kd); string(sk) != string(proxySK) {
				t.Fatal("terminal and proxy copies hold different keys")
			}
		})
	}
}

func TestPlainRegistration(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		d    digest
	}{
		{"md5 qop auth (SIPp)", Config{DigestAlgorithms: []string{"MD5"}},
			digest{alg: AlgMD5, qop: true}},
		{"md5 rfc2069 no algorithm", Config{}, digest{}},
		{"sha-256 rfc2069", Config{}, digest{alg: AlgSHA256}},
		// SIPp 3.6 names its destination, not the Request-URI, in the digest uri.
		{"sipp digest uri", Config{DigestAlgorithms: []string{"MD5"}},
			digest{alg: AlgMD5, qop: true, uri: "registrar"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.cfg)
			if c.d.uri == "registrar" {
				c.d.uri = "sip:" + e.srv.Addr().String()
			}
			kc := e.ac.addSubscriber(t, "carol")
			r := reg{user: "carol", callID: "plain", contact: "<sip:carol@127.0.0.1:40002>",
				expires: "120"}
			m := e.roundTrip(r, 401)
			nonce, algs := challengeOf(t, m)
			want := c.cfg.DigestAlgorithms
			if want == nil {
				want = []string{AlgSHA256, AlgMD5}
			}
			if strings.Join(algs, ",") != strings.Join(want, ",") {
				t.Fatalf("challenge algorithms %q, want %q", algs, want)
			}
			c.d.user = "carol"
			r.cseq, r.auth = 2, authorization(t, kc, nonce, c.d)
			m = e.roundTrip(r, 200)
			if _, ok := m.Get(sip.HdrKeyDistribution); ok {
				t.Fatalf("plain registration got Key-Distribution:\n%s", m.Bytes())
			}
			if got := get(m, sip.HdrContact); got != "<sip:carol@127.0.0.1:40002>;expires=120" {
				t.Fatalf("Contact %q", got)
			}
			if got := get(m, sip.HdrExpires); got != "120" {
				t.Fatalf("Expires %q", got)
			}
		})
	}
}

func TestForbidden(t *testing.T) {
	e := newEnv(t, Config{})
	kc := e.ac.addSubscriber(t, "dave")
	other := e.ac.addSubscriber(t, "erin")
	t.Run("unknown subscriber", func(t *testing.T) {
		e.roundTrip(reg{user: "nobody", callID: "f1", auth: emptyAuth("nobody")}, 403)
	})
	t.Run("unknown proxy", func(t *testing.T) {
		path := fmt.Sprintf("<sip:sp9@%s;lr;wrap=aes128gcm>", e.localAddr())
		e.roundTrip(reg{user: "dave", callID: "f2", path: path}, 403)
	})
	answers := []struct {
		name string
		kc   []byte
		d    digest
	}{
		{"wrong password", other, digest{user: "dave", qop: true}},
		{"wrong response", kc, digest{user: "dave", response: strings.Repeat("0", 32)}},
		{"other username", other, digest{user: "erin"}},
		{"other realm", kc, digest{user: "dave", realm: "elsewhere.test"}},
		{"other uri", kc, digest{user: "dave", uri: "sip:elsewhere.test"}},
		{"other hop", kc, digest{user: "dave", uri: "sip:127.0.0.2:5060"}},
		{"registrar hop with user", kc, digest{user: "dave", uri: "registrar"}},
		{"sess algorithm", kc, digest{user: "dave", alg: "MD5-sess"}},
	}
	for i, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			if a.d.uri == "registrar" {
				a.d.uri = "sip:dave@" + e.srv.Addr().String()
			}
			r := reg{user: "dave", callID: fmt.Sprintf("w%d", i), auth: emptyAuth("dave")}
			nonce, _ := challengeOf(t, e.roundTrip(r, 401))
			r.cseq, r.auth = 2, authorization(t, a.kc, nonce, a.d)
			if a.name == "other realm" { // not our realm: not an answer, a new challenge
				e.roundTrip(r, 401)
				return
			}
			e.roundTrip(r, 403)
			// The vector is spent: the right answer now only earns a fresh challenge.
			r.cseq, r.auth = 3, authorization(t, kc, nonce, digest{user: "dave"})
			m := e.roundTrip(r, 401)
			if !strings.Contains(get(m, sip.HdrWWWAuthenticate), "stale=true") {
				t.Fatalf("re-challenge not stale:\n%s", m.Bytes())
			}
		})
	}
	if st := e.srv.Stats(); st.Forbidden != 2+uint64(len(answers)-1) || st.Registered != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestACDown(t *testing.T) {
	ac := startAC(t)
	ac.stop()
	e := newEnvWithAC(t, Config{AC: ac.client}, ac)
	e.roundTrip(reg{user: "frank", callID: "down", auth: emptyAuth("frank")}, 503)
	if st := e.srv.Stats(); st.Unavailable != 1 || st.PendingVectors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDirectModeRefusals(t *testing.T) {
	e := newEnv(t, Config{Mechanisms: []skd.Mechanism{skd.MechHMACSHA256}})
	kc := e.ac.addSubscriber(t, "gina")
	t.Run("nothing acceptable", func(t *testing.T) {
		r := reg{user: "gina", callID: "r1", require: "sec-agree",
			secClient: "ascon128a-v12;q=0.9, hmac-sha256;q=2"}
		m := e.roundTrip(r, 494)
		if got := get(m, sip.HdrSecurityServer); got != "hmac-sha256" {
			t.Fatalf("494 Security-Server %q", got)
		}
	})
	t.Run("sec-agree without offer", func(t *testing.T) {
		e.roundTrip(reg{user: "gina", callID: "r2", require: "sec-agree"}, 494)
	})
	second := []struct{ name, client, verify string }{
		{"verify mismatch", "hmac-sha256;q=0.5, ascon128a-v12", "hmac-sha256;q=0.9"},
		{"verify missing", "hmac-sha256;q=0.5, ascon128a-v12", ""},
		{"client changed", "hmac-sha256;q=0.5", "hmac-sha256;q=0.5"},
		{"client dropped", "", "hmac-sha256;q=0.5"},
	}
	for i, c := range second {
		t.Run(c.name, func(t *testing.T) {
			r := reg{user: "gina", callID: fmt.Sprintf("s%d", i), require: "sec-agree",
				secClient: "hmac-sha256;q=0.5, ascon128a-v12", auth: emptyAuth("gina")}
			m := e.roundTrip(r, 401)
			if got := get(m, sip.HdrSecurityServer); got != "hmac-sha256;q=0.5" {
				t.Fatalf("Security-Server %q", got)
			}
			nonce, _ := challengeOf(t, m)
			r.cseq, r.secClient, r.secVerify = 2, c.client, c.verify
			r.auth = authorization(t, kc, nonce, digest{user: "gina", qop: true})
			e.roundTrip(r, 494)
		})
	}
	if st := e.srv.Stats(); st.Refused != 2+uint64(len(second)) || st.Registered != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDeregistration(t *testing.T) {
	e := newEnv(t, Config{})
	kc := e.ac.addSubscriber(t, "hank")
	offer := "hmac-sha256;q=0.5"
	directFlow(t, e, kc, "hank", offer, digest{alg: AlgSHA256, qop: true})
	if st := e.srv.Stats(); st.Bindings != 1 {
		t.Fatalf("bindings %d after registering", st.Bindings)
	}
	r := reg{user: "hank", callID: "direct-hank", cseq: 3, require: "sec-agree",
		secClient: offer, auth: emptyAuth("hank"), expires: "0"}
	m := e.roundTrip(r, 401)
	nonce, _ := challengeOf(t, m)
	r.cseq, r.secVerify = 4, get(m, sip.HdrSecurityServer)
	r.auth = authorization(t, kc, nonce, digest{user: "hank", alg: AlgSHA256, qop: true})
	m = e.roundTrip(r, 200)
	if _, ok := m.Get(sip.HdrKeyDistribution); ok {
		t.Fatalf("de-registration got keys:\n%s", m.Bytes())
	}
	if n := m.Count(sip.HdrContact); n != 0 {
		t.Fatalf("%d Contacts left after de-registration", n)
	}
	if st := e.srv.Stats(); st.Bindings != 0 || st.Deregistered != 1 || st.KeysDistributed != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIntervalTooBrief(t *testing.T) {
	e := newEnv(t, Config{})
	for _, r := range []reg{
		{user: "ivy", callID: "b1", expires: "59"},
		{user: "ivy", callID: "b2", contact: "<sip:ivy@127.0.0.1:40003>;expires=1"},
	} {
		m := e.roundTrip(r, 423)
		if !strings.Contains(string(m.Bytes()), "Min-Expires: 60\r\n") {
			t.Fatalf("423 without Min-Expires: 60:\n%s", m.Bytes())
		}
	}
	if st := e.srv.Stats(); st.IntervalTooBrief != 2 || st.Challenged != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRetransmittedRegister(t *testing.T) {
	e := newEnv(t, Config{})
	kc := e.ac.addSubscriber(t, "jack")
	r := reg{user: "jack", callID: "rtx", auth: emptyAuth("jack")}
	nonce, _ := challengeOf(t, e.roundTrip(r, 401))
	r.cseq, r.branch = 2, "z9hG4bK.rtx2"
	r.auth = authorization(t, kc, nonce, digest{user: "jack", alg: AlgSHA256})
	raw := e.build(r)
	e.send(raw)
	first := e.recv()
	e.send(raw)
	again := e.recv()
	if first.StatusCode() != 200 || string(again.Bytes()) != string(first.Bytes()) {
		t.Fatalf("retransmission answered differently:\n%s\n---\n%s", first.Bytes(),
			again.Bytes())
	}
	if st := e.srv.Stats(); st.Retransmissions != 1 || st.Registered != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestResponseHeaders(t *testing.T) {
	e := newEnv(t, Config{})
	lower := "SIP/2.0/UDP 127.0.0.1:40009;branch=z9hG4bK.low, " +
		"SIP/2.0/TCP 127.0.0.1:40010;branch=z9hG4bK.x"
	r := reg{user: "kate", callID: "hdrs", viaRPort: true, branch: "z9hG4bK.top",
		lowerVias: []string{lower}, toTag: "given"}
	e.send(e.build(r))
	m := e.recv()
	vias := all(m, sip.HdrVia)
	wantTop := fmt.Sprintf("SIP/2.0/UDP %s;branch=z9hG4bK.top;rport=%d;received=127.0.0.1",
		e.localAddr(), e.localAddr().Port)
	if len(vias) != 2 || vias[0] != wantTop || vias[1] != lower {
		t.Fatalf("Vias %q, want [%q %q]", vias, wantTop, lower)
	}
	if got := string(sip.Tag([]byte(get(m, sip.HdrTo)))); got != "given" {
		t.Fatalf("To tag %q, want the request's", got)
	}
	if get(m, sip.HdrCallID) != "hdrs" || get(m, sip.HdrCSeq) != "1 REGISTER" ||
		get(m, sip.HdrFrom) != "<sip:kate@sigproxy.test>;tag=fromhdrs" {
		t.Fatalf("dialog headers not copied:\n%s", m.Bytes())
	}
	if get(m, sip.HdrContentLength) != "0" {
		t.Fatalf("Content-Length %q", get(m, sip.HdrContentLength))
	}
}

func TestOtherRequests(t *testing.T) {
	e := newEnv(t, Config{})
	cases := []struct {
		raw  string
		want int
	}{
		{strings.Replace(e.build(reg{user: "x", callID: "o1"}), "REGISTER", "OPTIONS", -1), 200},
		{strings.Replace(e.build(reg{user: "x", callID: "o2"}), "REGISTER", "SUBSCRIBE", -1), 405},
		{strings.Replace(e.build(reg{user: "x", callID: "o3"}), "Max-Forwards: 70",
			"Require: foo, sec-agree", 1), 420},
		{e.build(reg{user: "x", callID: "o4", expires: "soon"}), 400},
		{e.build(reg{user: "x", callID: "o5", contact: "*", expires: "60"}), 400},
		{e.build(reg{user: "x", callID: "o6",
			path: "<sip:sp1@127.0.0.1:5060;lr;wrap=rot13>"}), 400},
	}
	for _, c := range cases {
		e.send(c.raw)
		if m := e.recv(); m.StatusCode() != c.want {
			t.Fatalf("status %d, want %d for:\n%s", m.StatusCode(), c.want, c.raw)
		}
	}
	e.send("this is not SIP\r\n\r\n")
	waitFor(t, "malformed count", func() bool { return e.srv.Stats().Malformed == 1 })
}

func TestPendingVectorExpires(t *testing.T) {
	e := newEnv(t, Config{PendingTTL: time.Minute})
	kc := e.ac.addSubscriber(t, "liam")
	r := reg{user: "liam", callID: "exp", auth: emptyAuth("liam")}
	nonce, _ := challengeOf(t, e.roundTrip(r, 401))
	e.skew.Store(int64(time.Minute + time.Second))
	r.cseq, r.auth = 2, authorization(t, kc, nonce, digest{user: "liam"})
	m := e.roundTrip(r, 401)
	if !strings.Contains(get(m, sip.HdrWWWAuthenticate), "stale=true") {
		t.Fatalf("expired nonce not answered stale:\n%s", m.Bytes())
	}
	if st := e.srv.Stats(); st.StaleNonces != 1 || st.Registered != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPendingVectorCap(t *testing.T) {
	e := newEnv(t, Config{MaxPending: 2})
	kc := e.ac.addSubscriber(t, "mia")
	var nonces []string
	for i := 0; i < 3; i++ {
		r := reg{user: "mia", callID: fmt.Sprint("cap", i), auth: emptyAuth("mia")}
		n, _ := challengeOf(t, e.roundTrip(r, 401))
		nonces = append(nonces, n)
	}
	if st := e.srv.Stats(); st.PendingVectors != 2 || st.EvictedVectors != 1 {
		t.Fatalf("stats %+v", st)
	}
	r := reg{user: "mia", callID: "cap0", cseq: 2,
		auth: authorization(t, kc, nonces[0], digest{user: "mia"})}
	e.roundTrip(r, 401) // evicted: a fresh challenge
	r = reg{user: "mia", callID: "cap2", cseq: 2,
		auth: authorization(t, kc, nonces[2], digest{user: "mia"})}
	e.roundTrip(r, 200)
}

// TestKeyDistributionFailsClosed: when the MAC input cannot be built (a Call-ID longer
// than skd.MaxField) the authenticated REGISTER gets 500, never a 200 without a MAC.
func TestKeyDistributionFailsClosed(t *testing.T) {
	e := newEnv(t, Config{})
	kc := e.ac.addSubscriber(t, "nina")
	r := reg{user: "nina", callID: strings.Repeat("c", skd.MaxField+1), require: "sec-agree",
		secClient: "hmac-sha256", auth: emptyAuth("nina")}
	m := e.roundTrip(r, 401)
	nonce, _ := challengeOf(t, m)
	r.cseq, r.secVerify = 2, get(m, sip.HdrSecurityServer)
	r.auth = authorization(t, kc, nonce, digest{user: "nina"})
	e.roundTrip(r, 500)
	if st := e.srv.Stats(); st.KeyFailures != 1 || st.KeysDistributed != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// brokenAC returns vectors whose key material does not fit the request.
type brokenAC struct {
	memAC
	mangle func(*authcenter.AuthVector)
}

func (a *brokenAC) Auth(ctx context.Context, req authcenter.AuthRequest) (
	*authcenter.AuthVector, error) {
	v, err := a.memAC.Auth(ctx, req)
	if err == nil {
		a.mangle(v)
	}
	return v, err
}

func TestACMisbehaves(t *testing.T) {
	mangles := map[string]func(*authcenter.AuthVector){
		"short terminal blob": func(v *authcenter.AuthVector) { v.Terminal = "AAAA" },
		"no sk":               func(v *authcenter.AuthVector) { v.SK = "" },
		"other wrap":          func(v *authcenter.AuthVector) { v.Wrap = "aes128gcm" },
		"quote in nonce":      func(v *authcenter.AuthVector) { v.Nonce = `a"b` },
		"no ha1":              func(v *authcenter.AuthVector) { v.HA1 = nil },
	}
	for name, mangle := range mangles {
		t.Run(name, func(t *testing.T) {
			ac := &brokenAC{memAC: memAC{kc: make([]byte, skd.KcSize),
				ksp: make([]byte, skd.KspSize)}, mangle: mangle}
			e := newEnvWithAC(t, Config{AC: ac}, nil)
			e.roundTrip(reg{user: "olga", callID: "m", secClient: "ascon128a-v12"}, 503)
			if st := e.srv.Stats(); st.Unavailable != 1 || st.PendingVectors != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// TestSeveralContacts: a second device of one address of record is listed first in
// its own 200, with its own lifetime; both bindings are returned.
func TestSeveralContacts(t *testing.T) {
	e := newEnv(t, Config{})
	kc := e.ac.addSubscriber(t, "pia")
	register := func(callID, contact string) *sip.Message {
		r := reg{user: "pia", callID: callID, contact: contact}
		nonce, _ := challengeOf(t, e.roundTrip(r, 401))
		r.cseq, r.auth = 2, authorization(t, kc, nonce, digest{user: "pia"})
		return e.roundTrip(r, 200)
	}
	register("dev1", "<sip:pia@127.0.0.1:41001>;expires=600")
	m := register("dev2", "<sip:pia@127.0.0.1:41002>;expires=300")
	got := all(m, sip.HdrContact)
	if len(got) != 2 || got[0] != "<sip:pia@127.0.0.1:41002>;expires=300" ||
		!strings.HasPrefix(got[1], "<sip:pia@127.0.0.1:41001>;expires=") {
		t.Fatalf("Contacts %q", got)
	}
	if st := e.srv.Stats(); st.Bindings != 2 {
		t.Fatalf("bindings %d", st.Bindings)
	}
}
