package main

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Failure reasons a registration can end with. A final status other than the
// expected one is reported as "status NNN".
const (
	reasonTimeout         = "timeout"
	reasonSend            = "send error"
	reasonNoChallenge     = "no usable digest challenge"
	reasonNoSecServer     = "no security-server"
	reasonUnoffered       = "security-server names no offered mechanism"
	reasonNoKeyDist       = "no key-distribution"
	reasonBadKeyDist      = "malformed key-distribution"
	reasonWrapMismatch    = "wrap does not match mechanism"
	reasonUnwrap          = "sk unwrap"
	reasonNoMAC           = "no mac"
	reasonMACMismatch     = "mac mismatch"
	reasonBadResponse     = "malformed response"
	reasonUnexpected200   = "200 without security agreement"
	reasonDigestNotFormed = "digest response not computed"
)

// maxNonce bounds the nonce a terminal copies (the proxy's own field limit).
const maxNonce = 128

// statusReason names an unexpected final status.
func statusReason(code int) string { return "status " + strconv.Itoa(code) }

// onChallenge judges the response to the first REGISTER. more is true when the
// second REGISTER went out; otherwise reason is the verdict ("" for a plain
// registration the registrar accepted without a challenge).
func (e *engine) onChallenge(t *term, r *rx, code int, now time.Time) (reason string,
	more bool) {
	m := &r.msg
	switch {
	case code == 200 && len(t.offer) == 0:
		return "", false
	case code == 200:
		return reasonUnexpected200, false
	case code != 401:
		return statusReason(code), false
	}
	if !e.pickDigest(t, m) {
		return reasonNoChallenge, false
	}
	if len(t.offer) > 0 {
		if reason := pickMechanism(t, m); reason != "" {
			return reason, false
		}
	}
	t.cseq++
	t.nextBranch()
	var err error
	if r.auth, err = t.appendDigest(r.auth[:0], e.realm); err != nil {
		return reasonDigestNotFormed, false
	}
	t.appendRegister(e.realm, r.auth)
	t.state = stateWait200
	if err := e.send(t, now); err != nil {
		return reasonSend, false
	}
	return "", true
}

// pickDigest copies the first WWW-Authenticate: Digest whose algorithm comes first
// in the preference (RFC 7616 §3.7: no algorithm means MD5).
func (e *engine) pickDigest(t *term, m *sip.Message) bool {
	for _, want := range e.digest {
		for i := m.Index(sip.HdrWWWAuthenticate, 0); i >= 0; i = m.Index(sip.HdrWWWAuthenticate, i+1) {
			v := m.Header(i).Value
			if !bytes.EqualFold(sip.AuthScheme(v), []byte("Digest")) {
				continue
			}
			alg := []byte(skd.DigestMD5)
			if a, ok := sip.AuthParam(v, "algorithm"); ok {
				alg = a
			}
			if !strings.EqualFold(string(alg), want) {
				continue
			}
			return copyChallenge(t, v, want)
		}
	}
	return false
}

// copyChallenge keeps the challenge parameters out of the read buffer.
func copyChallenge(t *term, v []byte, alg string) bool {
	nonce, _ := sip.AuthParam(v, "nonce")
	realm, _ := sip.AuthParam(v, "realm")
	if len(nonce) == 0 || len(realm) == 0 || len(nonce) > maxNonce {
		return false
	}
	ch := &t.ch
	ch.alg = alg
	ch.nonce = append(ch.nonce[:0], nonce...)
	ch.realm = append(ch.realm[:0], realm...)
	ch.qop = false
	if q, ok := sip.AuthParam(v, "qop"); ok {
		for _, tok := range bytes.Split(q, []byte(",")) {
			if bytes.EqualFold(bytes.TrimSpace(tok), []byte("auth")) {
				ch.qop = true
			}
		}
	}
	ch.opaque = ch.opaque[:0]
	if o, ok := sip.AuthParam(v, "opaque"); ok {
		ch.opaque = append(ch.opaque, o...)
	}
	return true
}

// pickMechanism takes the first Security-Server entry that names a mechanism this
// terminal offered and supports (the proxy of this profile sends exactly one).
func pickMechanism(t *term, m *sip.Message) string {
	it := m.List(sip.HdrSecurityServer)
	seen := false
	for el, ok := it.Next(); ok; el, ok = it.Next() {
		seen = true
		pm, err := sip.ParseMechanism(el)
		if err != nil {
			continue
		}
		mech, ok := skd.ParseMechanism(pm.Name)
		if !ok || mech == skd.MechNone || !t.offers(pm.Name) {
			continue
		}
		t.ch.chosen = append(t.ch.chosen[:0], bytes.TrimSpace(el)...)
		t.ch.mech = mech
		return ""
	}
	if !seen {
		return reasonNoSecServer
	}
	return reasonUnoffered
}

// offers reports whether the terminal's offer names the mechanism.
func (t *term) offers(name []byte) bool {
	for _, e := range t.offer {
		n, _, _ := strings.Cut(e, ";")
		if strings.EqualFold(strings.TrimSpace(n), string(name)) {
			return true
		}
	}
	return false
}

// onFinal judges the response to the second REGISTER: for an offering terminal the
// 200 must carry a session key that opens and a MAC that verifies ("" then).
func (e *engine) onFinal(t *term, r *rx, code int) string {
	if code != 200 {
		return statusReason(code)
	}
	if len(t.offer) == 0 {
		return ""
	}
	m := &r.msg
	switch m.Count(sip.HdrKeyDistribution) {
	case 0:
		return reasonNoKeyDist
	case 1:
	default:
		return reasonBadKeyDist
	}
	v, _ := m.Get(sip.HdrKeyDistribution)
	termBlob, _ := sip.ListParam(v, "terminal")
	wrapName, _ := sip.ListParam(v, "wrap")
	mac, hasMAC := sip.ListParam(v, "mac")
	sk, reason := openSK(t, r, wrapName, termBlob)
	if reason != "" {
		return reason
	}
	defer clear(sk)
	if !hasMAC {
		return reasonNoMAC
	}
	reason = verifyMAC(t, r, sk, termBlob, wrapName, mac)
	if reason == "" {
		e.verified.Add(1)
		e.keepWords(t, r, sk)
	}
	return reason
}

// openSK opens the terminal's blob (terminal= of SIP, skd/term of H.248) under the
// terminal's KEK (PROTOCOL.md §3, recipient terminal), after checking that the wrap
// algorithm named with it is the chosen mechanism's. The key lands in r.sk, which
// the caller clears.
func openSK(t *term, r *rx, wrapName, b64 []byte) ([]byte, string) {
	if len(b64) == 0 || len(wrapName) == 0 {
		return nil, reasonBadKeyDist
	}
	alg, ok := skd.ParseWrapAlg(wrapName)
	if !ok || alg != t.ch.mech.Wrap() {
		return nil, reasonWrapMismatch
	}
	var err error
	if r.blob, err = decodeB64(r.blob, b64); err != nil {
		return nil, reasonBadKeyDist
	}
	if t.opener == nil {
		// Built once per terminal: the key schedules cost more than an unwrap.
		if t.opener, err = skd.NewOpener(&t.kek); err != nil {
			return nil, reasonUnwrap
		}
	}
	ad := skd.WrapAD{
		Recipient: []byte(skd.RecipientTerminal),
		Identity:  t.idBytes,
		Realm:     t.ch.realm,
		Nonce:     t.ch.nonce,
	}
	sk, err := t.opener.Open(r.sk[:0], alg, &ad, r.blob)
	if err != nil {
		return nil, reasonUnwrap
	}
	return sk, ""
}

// verifyMAC rebuilds the MAC input of PROTOCOL.md §5.5 and checks mac= in constant
// time.
func verifyMAC(t *term, r *rx, sk, termBlob, wrapName, mac []byte) string {
	var err error
	if r.tag, err = decodeB64(r.tag, mac); err != nil {
		return reasonBadKeyDist
	}
	m := &r.msg
	callID, _ := m.Get(sip.HdrCallID)
	num, method := m.CSeq()
	r.seq = strconv.AppendUint(r.seq[:0], uint64(num), 10)
	r.seq = append(append(r.seq, ' '), method...)
	f := skd.RegFields{
		Protocol: "sip", Status: []byte("200"), TxnID: callID, Seq: r.seq,
		FromTag: m.FromTag(), ToTag: m.ToTag(), Nonce: t.ch.nonce, Chosen: t.ch.chosen,
		Offered: t.offered, Terminal: termBlob, Wrap: wrapName,
	}
	if r.macIn, err = skd.AppendMACInput(r.macIn[:0], &f); err != nil {
		return reasonBadResponse
	}
	if !r.macer.Verify(t.ch.mech, sk, r.macIn, r.tag) {
		return reasonMACMismatch
	}
	return ""
}

// decodeB64 decodes strict standard base64 into dst's storage.
func decodeB64(dst, src []byte) ([]byte, error) {
	enc := base64.StdEncoding.Strict()
	n := enc.DecodedLen(len(src))
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	n, err := enc.Decode(dst[:n], src)
	return dst[:n], err
}
