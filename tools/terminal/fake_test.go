package terminal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Faults the fake registrar can inject.
const (
	faultNone         = ""
	faultBadMAC       = "bad-mac"       // flips one bit of mac=
	faultTamperBlob   = "tamper-blob"   // flips one byte of terminal= after MACing
	faultOfferTamper  = "offer-tamper"  // MACs an offer list with the first entry dropped
	faultDropFirst    = "drop-first"    // drops the first copy of each REGISTER
	faultSilent       = "silent"        // never answers
	fault500          = "500"           // answers the second REGISTER with 500
	faultNoKeyDist    = "no-key-dist"   // 200 without Key-Distribution
	faultNoMAC        = "no-mac"        // Key-Distribution in proxy form, without mac=
	faultUnoffered    = "unoffered"     // Security-Server names a mechanism not offered
	faultStray        = "stray"         // sends junk and a foreign response first
	faultSecondSilent = "second-silent" // answers only the first REGISTER
)

// fakeOpts configures the fake registrar.
type fakeOpts struct {
	supported  []skd.Mechanism // mechanisms it may choose; nil means both
	digestAlgs []string        // one WWW-Authenticate each; nil means SHA-256, MD5
	noQop      bool            // challenge without qop (RFC 2069 response)
	fault      string
	keys       func(identity string) []byte // nil means kcFor
	noRecord   bool                         // keep no copy of requests (benchmarks)
}

// fakeCall is the registrar's state for one Call-ID.
type fakeCall struct {
	nonce, toTag, chosen string
	mech                 skd.Mechanism
	offer                []string
	seen                 map[uint32]bool // CSeq numbers received at least once
}

// fake is a tiny registrar doing both the softswitch's and the proxy's part (direct
// mode, PROTOCOL.md §6) over real UDP on loopback, with injectable faults. Its crypto
// for hmac-sha256/aes128gcm/SHA-256 is written here from PROTOCOL.md, independently of
// the terminal; ascon and MD5 use skd.
type fake struct {
	t     testing.TB
	conn  *net.UDPConn
	opts  fakeOpts
	sk    []byte
	realm string
	calls map[string]*fakeCall // only the serving goroutine touches it

	mu       sync.Mutex
	requests []string // every datagram received, in order
}

const testRealm = "sigproxy.test"

// kcFor derives a test subscriber key from the identity.
func kcFor(identity string) []byte {
	h := sha256.Sum256([]byte("test kc " + identity))
	return h[:]
}

func newFake(t testing.TB, o fakeOpts) *fake {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if o.supported == nil {
		o.supported = []skd.Mechanism{skd.MechHMACSHA256, skd.MechAscon128aV12}
	}
	if o.digestAlgs == nil {
		o.digestAlgs = []string{"SHA-256", "MD5"}
	}
	if o.keys == nil {
		o.keys = kcFor
	}
	f := &fake{t: t, conn: conn, opts: o, realm: testRealm, calls: map[string]*fakeCall{},
		sk: []byte("0123456789abcdef")}
	done := make(chan struct{})
	go f.serve(done)
	t.Cleanup(func() { conn.Close(); <-done })
	return f
}

func (f *fake) addr() *net.UDPAddr { return f.conn.LocalAddr().(*net.UDPAddr) }

func (f *fake) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fake) serve(done chan struct{}) {
	defer close(done)
	buf := make([]byte, 65535)
	var m sip.Message
	for {
		n, from, err := f.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if !f.opts.noRecord {
			f.mu.Lock()
			f.requests = append(f.requests, string(buf[:n]))
			f.mu.Unlock()
		}
		if err := m.Parse(buf[:n]); err != nil || !m.IsRequest() {
			f.t.Errorf("fake: unparsable request: %v", err)
			continue
		}
		if resp := f.handle(&m, from); resp != "" {
			if _, err := f.conn.WriteToUDP([]byte(resp), from); err != nil {
				return
			}
		}
	}
}

// handle returns the response to one REGISTER, "" to stay silent.
func (f *fake) handle(m *sip.Message, from *net.UDPAddr) string {
	if f.opts.fault == faultSilent {
		return ""
	}
	callID, _ := m.Get(sip.HdrCallID)
	cseqV, _ := m.Get(sip.HdrCSeq)
	cseq, _, _ := sip.ParseCSeq(cseqV)
	c := f.calls[string(callID)]
	if c == nil {
		c = &fakeCall{nonce: hex.EncodeToString(randBytes(16)), toTag: "tt" + string(callID[:4]),
			seen: map[uint32]bool{}}
		f.calls[string(callID)] = c
	}
	first := !c.seen[cseq]
	c.seen[cseq] = true
	if f.opts.fault == faultDropFirst && first {
		return ""
	}
	auth, _ := m.Get(sip.HdrAuthorization)
	if resp, _ := sip.AuthParam(auth, "response"); len(resp) == 0 {
		if f.opts.fault == faultStray {
			f.sendStray(m, from)
		}
		return f.challenge(m, c)
	}
	if f.opts.fault == faultSecondSilent {
		return ""
	}
	return f.answer(m, c)
}

// sendStray sends a garbage datagram and a response for another branch.
func (f *fake) sendStray(m *sip.Message, to *net.UDPAddr) {
	_, _ = f.conn.WriteToUDP([]byte("not sip at all\r\n\r\n"), to)
	other := strings.Replace(f.respHead(m, 401, "Unauthorized", nil), "branch=z9hG4bK",
		"branch=z9hG4bKother", 1)
	_, _ = f.conn.WriteToUDP([]byte(other+"Content-Length: 0\r\n\r\n"), to)
}

// challenge answers the first REGISTER: 494 when no offered mechanism is supported,
// else 401 with one WWW-Authenticate per algorithm and the choice in Security-Server.
func (f *fake) challenge(m *sip.Message, c *fakeCall) string {
	var extra []string
	c.offer = entries(m, sip.HdrSecurityClient)
	if len(c.offer) > 0 {
		if !f.choose(c) {
			var names []string
			for _, s := range f.opts.supported {
				names = append(names, s.String()+";q=0.1")
			}
			return f.respHead(m, 494, "Security Agreement Required", c) +
				"Security-Server: " + strings.Join(names, ", ") + "\r\nContent-Length: 0\r\n\r\n"
		}
		srv := c.chosen
		if f.opts.fault == faultUnoffered {
			srv = "ipsec-3gpp;q=0.5"
		}
		extra = append(extra, "Security-Server: "+srv)
	}
	for _, alg := range f.opts.digestAlgs {
		qop := `, qop="auth"`
		if f.opts.noQop {
			qop = ""
		}
		extra = append(extra, fmt.Sprintf(`WWW-Authenticate: Digest realm="%s", nonce="%s", `+
			`algorithm=%s%s`, f.realm, c.nonce, alg, qop))
	}
	return f.respHead(m, 401, "Unauthorized", c) + strings.Join(extra, "\r\n") +
		"\r\nContent-Length: 0\r\n\r\n"
}

// choose applies PROTOCOL.md §2 with skd.Choose.
func (f *fake) choose(c *fakeCall) bool {
	offers := make([]skd.Offer, len(c.offer))
	for i, e := range c.offer {
		pm, err := sip.ParseMechanism([]byte(e))
		mech, _ := skd.ParseMechanism(pm.Name)
		offers[i] = skd.Offer{Mech: mech, Q: pm.Q}
		if err != nil {
			offers[i].Q = skd.QMalformed
		}
	}
	i := skd.Choose(offers, f.opts.supported)
	if i < 0 {
		return false
	}
	c.chosen, c.mech = c.offer[i], offers[i].Mech
	return true
}

// answer checks the second REGISTER and answers 200 (with Key-Distribution when a
// mechanism was agreed), 403 on a wrong digest, 494 on a changed agreement.
func (f *fake) answer(m *sip.Message, c *fakeCall) string {
	auth, _ := m.Get(sip.HdrAuthorization)
	p := func(n string) string { v, _ := sip.AuthParam(auth, n); return string(v) }
	if p("nonce") != c.nonce || !f.digestOK(p) {
		return f.respHead(m, 403, "Forbidden", c) + "Content-Length: 0\r\n\r\n"
	}
	if c.chosen != "" {
		verify := entries(m, sip.HdrSecurityVerify)
		client := entries(m, sip.HdrSecurityClient)
		if strings.Join(verify, ",") != c.chosen ||
			strings.Join(client, ",") != strings.Join(c.offer, ",") {
			return f.respHead(m, 494, "Security Agreement Required", c) +
				"Content-Length: 0\r\n\r\n"
		}
	}
	if f.opts.fault == fault500 {
		return f.respHead(m, 500, "Key Distribution Failed", c) + "Content-Length: 0\r\n\r\n"
	}
	head := f.respHead(m, 200, "OK", c) + "Expires: 3600\r\n"
	if c.chosen == "" || f.opts.fault == faultNoKeyDist {
		return head + "Content-Length: 0\r\n\r\n"
	}
	return head + "Key-Distribution: " + f.keyDist(m, c, p("username")) +
		"\r\nContent-Length: 0\r\n\r\n"
}

// digestOK recomputes the digest response (RFC 7616 §3.4.1).
func (f *fake) digestOK(p func(string) string) bool {
	kc := f.opts.keys(p("username"))
	pw := handDigestPassword(kc)
	alg := p("algorithm")
	if alg == "" {
		alg = "MD5"
	}
	var want string
	if alg == "SHA-256" {
		h := func(s string) string { x := sha256.Sum256([]byte(s)); return hex.EncodeToString(x[:]) }
		ha1 := h(p("username") + ":" + p("realm") + ":" + pw)
		ha2 := h("REGISTER:" + p("uri"))
		if p("qop") == "auth" {
			want = h(strings.Join([]string{ha1, p("nonce"), p("nc"), p("cnonce"), "auth", ha2}, ":"))
		} else {
			want = h(ha1 + ":" + p("nonce") + ":" + ha2)
		}
	} else {
		ha1, err := skd.HA1(alg, p("username"), p("realm"), pw)
		if err != nil {
			return false
		}
		want, _ = skd.DigestResponse(alg, ha1, p("nonce"), "REGISTER", p("uri"), p("qop"),
			p("nc"), p("cnonce"))
	}
	return hmac.Equal([]byte(want), []byte(p("response")))
}

// keyDist wraps SK for the terminal and MACs the 200 (PROTOCOL.md §3, §5.5, §6).
func (f *fake) keyDist(m *sip.Message, c *fakeCall, identity string) string {
	kc := f.opts.keys(identity)
	ad := handWrapAD("terminal", identity, f.realm, c.nonce, "")
	var blob []byte
	if c.mech == skd.MechHMACSHA256 {
		blob = handWrapGCM(handHKDF(kc, "sigproxy-v1 kek-terminal", 16), ad, f.sk)
	} else {
		kek := skd.TerminalKEK(kc)
		var err error
		blob, err = skd.WrapKey(c.mech.Wrap(), &kek, &skd.WrapAD{Recipient: []byte("terminal"),
			Identity: []byte(identity), Realm: []byte(f.realm), Nonce: []byte(c.nonce)},
			f.sk, rand.Reader)
		if err != nil {
			f.t.Errorf("fake: wrap: %v", err)
		}
	}
	term := base64.StdEncoding.EncodeToString(blob)
	wrap := c.mech.Wrap().String()
	offered := entries(m, sip.HdrSecurityClient)
	if f.opts.fault == faultOfferTamper {
		offered = offered[1:]
	}
	mac := f.mac(m, c, offered, term, wrap)
	switch f.opts.fault {
	case faultBadMAC:
		mac[0] ^= 1
	case faultTamperBlob:
		blob[len(blob)-1] ^= 1
		term = base64.StdEncoding.EncodeToString(blob)
	case faultNoMAC:
		return fmt.Sprintf(`terminal="%s", proxy="%s", kid=1, wrap=%s`, term, term, wrap)
	}
	return fmt.Sprintf(`terminal="%s", wrap=%s, mac="%s"`, term, wrap,
		base64.StdEncoding.EncodeToString(mac))
}

// mac computes the tag: by hand for hmac-sha256, with skd for ascon.
func (f *fake) mac(m *sip.Message, c *fakeCall, offered []string, term, wrap string) []byte {
	from, _ := m.Get(sip.HdrFrom)
	callID, _ := m.Get(sip.HdrCallID)
	cseq, _ := m.Get(sip.HdrCSeq)
	num, method, _ := sip.ParseCSeq(cseq)
	fields := []string{"sigproxy-v1 sip-reg-mac", "200", string(callID),
		fmt.Sprintf("%d %s", num, method), string(sip.Tag(from)), c.toTag, c.nonce, c.chosen}
	if c.mech == skd.MechHMACSHA256 {
		in := handLP(nil, fields...)
		in = binary.BigEndian.AppendUint16(in, uint16(len(offered)))
		in = handLP(in, offered...)
		in = handLP(in, term, wrap)
		h := hmac.New(sha256.New, handHKDF(f.sk, "sigproxy-v1 mac-key", 32))
		h.Write(in)
		return h.Sum(nil)
	}
	off := make([][]byte, len(offered))
	for i, e := range offered {
		off[i] = []byte(e)
	}
	in, err := skd.AppendMACInput(nil, &skd.RegFields{Protocol: "sip", Status: []byte("200"),
		TxnID: callID, Seq: []byte(fields[3]), FromTag: []byte(fields[4]),
		ToTag: []byte(c.toTag), Nonce: []byte(c.nonce), Chosen: []byte(c.chosen),
		Offered: off, Terminal: []byte(term), Wrap: []byte(wrap)})
	if err != nil {
		f.t.Errorf("fake: mac input: %v", err)
	}
	tag, err := skd.NewMACer().Sum(nil, c.mech, f.sk, in)
	if err != nil {
		f.t.Errorf("fake: mac: %v", err)
	}
	return tag
}

// respHead writes the status line and the headers copied from the request.
func (f *fake) respHead(m *sip.Message, code int, reason string, c *fakeCall) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	for i := range m.NumHeaders() {
		h := m.Header(i)
		switch h.ID {
		case sip.HdrVia, sip.HdrFrom, sip.HdrCallID, sip.HdrCSeq:
			b.Write(h.Line)
		case sip.HdrTo:
			tag := "x"
			if c != nil {
				tag = c.toTag
			}
			fmt.Fprintf(&b, "To: %s;tag=%s\r\n", h.Value, tag)
		}
	}
	return b.String()
}

func entries(m *sip.Message, id sip.HeaderID) []string {
	var out []string
	it := m.List(id)
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		out = append(out, string(e))
	}
	return out
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// The hand-written primitives below follow PROTOCOL.md §1 and §3 directly.

func handHKDF(key []byte, label string, n int) []byte {
	out, err := hkdf.Key(sha256.New, key, nil, label, n)
	if err != nil {
		panic(err)
	}
	return out
}

func handDigestPassword(kc []byte) string {
	return base64.StdEncoding.EncodeToString(handHKDF(kc, "sigproxy-v1 digest-password", 18))
}

func handLP(dst []byte, fields ...string) []byte {
	for _, s := range fields {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

func handWrapAD(recipient, identity, realm, nonce, kid string) []byte {
	return handLP(nil, "sigproxy-v1 wrap", recipient, identity, realm, nonce, kid)
}

func handWrapGCM(kek, ad, sk []byte) []byte {
	block, err := aes.NewCipher(kek)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	n := randBytes(aead.NonceSize())
	return aead.Seal(n, n, sk, ad)
}
