package terminal

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// challenge is what the terminal keeps from the 401: copies, since the read buffer is
// reused by the next transaction.
type challenge struct {
	alg, realm, nonce, qop, opaque string
	server                         []string // Security-Server entries as received, trimmed
	chosen                         string   // the entry whose mechanism is used
	mech                           skd.Mechanism
	requestID                      uint32 // H.248: the skd/auth event's RequestID
	rid                            string // MGCP: the challenge RQNT's RequestIdentifier
}

// readChallenge judges the response to the first REGISTER. done is true when the
// registration ended there without error (a plain terminal accepted without challenge).
func (t *Terminal) readChallenge(m *sip.Message, rc *recorder) (ch *challenge, done bool,
	err error) {
	code := m.StatusCode()
	rc.rep.Status = code
	switch code {
	case 401:
	case 200:
		if len(t.cfg.Offer) > 0 {
			return nil, false, rc.fail(ErrNoSecurityServer, "200 without security agreement")
		}
		rc.step("received 200 without challenge")
		return nil, true, nil
	default:
		return nil, false, t.finalFailure(m, rc)
	}
	ch, err = t.pickDigest(m, rc)
	if err != nil {
		return nil, false, err
	}
	if len(t.cfg.Offer) > 0 {
		if err := t.pickMechanism(m, ch, rc); err != nil {
			return nil, false, err
		}
	}
	rc.step("received 401 alg=%s qop=%q nonce=%q security-server=%q",
		ch.alg, ch.qop, ch.nonce, strings.Join(ch.server, ", "))
	return ch, false, nil
}

// finalFailure records the verdict for a final response that is neither the expected
// challenge nor the 200: 494 refused, 403 forbidden, anything else a failure naming it.
func (t *Terminal) finalFailure(m *sip.Message, rc *recorder) error {
	code := m.StatusCode()
	rc.rep.Status = code
	switch code {
	case 494:
		rc.rep.Outcome = OutcomeRefused
		srv := joinList(m, sip.HdrSecurityServer)
		rc.step("received 494 security-server=%q", srv)
		return fmt.Errorf("%w: server supports %q", ErrRefused, srv)
	case 403:
		rc.rep.Outcome = OutcomeForbidden
		rc.step("received 403")
		return ErrForbidden
	}
	reason := fmt.Sprintf("%d %s", code, strings.ToLower(string(m.Reason())))
	return rc.fail(ErrStatus, strings.TrimSpace(reason))
}

// pickDigest chooses the first WWW-Authenticate: Digest whose algorithm comes first in
// the terminal's preference (RFC 7616 §3.7: absent algorithm means MD5).
func (t *Terminal) pickDigest(m *sip.Message, rc *recorder) (*challenge, error) {
	for _, want := range t.cfg.DigestAlg {
		for i := m.Index(sip.HdrWWWAuthenticate, 0); i >= 0; i = m.Index(sip.HdrWWWAuthenticate, i+1) {
			v := m.Header(i).Value
			if !bytes.EqualFold(sip.AuthScheme(v), []byte("Digest")) {
				continue
			}
			alg := "MD5"
			if a, ok := sip.AuthParam(v, "algorithm"); ok {
				alg = string(a)
			}
			if c, ok := canonicalAlg(alg); ok && c == want {
				return digestChallenge(v, c, rc)
			}
		}
	}
	return nil, rc.fail(ErrNoChallenge, "no usable digest challenge")
}

// digestChallenge copies the parameters of the chosen WWW-Authenticate value.
func digestChallenge(v []byte, alg string, rc *recorder) (*challenge, error) {
	nonce, _ := sip.AuthParam(v, "nonce")
	realm, _ := sip.AuthParam(v, "realm")
	if len(nonce) == 0 || len(realm) == 0 || len(nonce) > skd.MaxField {
		return nil, rc.fail(ErrBadResponse, "challenge without nonce or realm")
	}
	ch := &challenge{alg: alg, realm: string(realm), nonce: string(nonce)}
	if q, ok := sip.AuthParam(v, "qop"); ok && hasToken(string(q), "auth") {
		ch.qop = "auth"
	}
	if o, ok := sip.AuthParam(v, "opaque"); ok {
		ch.opaque = string(o)
	}
	return ch, nil
}

// pickMechanism reads Security-Server and picks the entry to run (see chooseEntry).
func (t *Terminal) pickMechanism(m *sip.Message, ch *challenge, rc *recorder) error {
	ch.server = listEntries(m, sip.HdrSecurityServer)
	if len(ch.server) == 0 {
		return rc.fail(ErrNoSecurityServer, "no security-server")
	}
	return t.chooseEntry(ch, rc)
}

// chooseEntry picks among ch.server the entry to run: among the entries naming an
// offered mechanism this terminal supports, the one RFC 3329 §2.3.1 ranks first (the
// proxy of this profile sends exactly one).
func (t *Terminal) chooseEntry(ch *challenge, rc *recorder) error {
	offered := t.offeredNames()
	var offers []skd.Offer
	var entries []string
	unoffered := 0
	for _, e := range ch.server {
		mech, q, name, ok := parseEntry(e)
		switch {
		case !offered[strings.ToLower(name)]:
			unoffered++
		case ok:
			offers = append(offers, skd.Offer{Mech: mech, Q: q})
			entries = append(entries, e)
		}
	}
	i := skd.Choose(offers, []skd.Mechanism{skd.MechHMACSHA256, skd.MechAscon128aV12})
	switch {
	case i >= 0:
		ch.chosen, ch.mech = entries[i], offers[i].Mech
		rc.rep.Mechanism = ch.mech.String()
		return nil
	case unoffered > 0:
		return rc.fail(ErrUnofferedMechanism, "security-server names a mechanism not offered")
	}
	return rc.fail(ErrUnsupportedMechanism, "security-server names no supported mechanism")
}

// parseEntry reads one sec-mechanism entry: its skd mechanism (ok false when unknown),
// its q for skd.Choose and its name as written.
func parseEntry(e string) (mech skd.Mechanism, q int, name string, ok bool) {
	pm, err := sip.ParseMechanism([]byte(e))
	if err != nil && len(pm.Name) == 0 {
		return skd.MechNone, 0, "", false
	}
	q = pm.Q
	if err != nil {
		q = skd.QMalformed
	}
	mech, ok = skd.ParseMechanism(pm.Name)
	return mech, q, string(pm.Name), ok
}

// offeredNames returns the lower-cased mechanism names of the terminal's offer.
func (t *Terminal) offeredNames() map[string]bool {
	names := make(map[string]bool, len(t.cfg.Offer))
	for _, e := range t.cfg.Offer {
		name, _, _ := strings.Cut(e, ";")
		names[strings.ToLower(strings.TrimSpace(name))] = true
	}
	return names
}

// authorization computes the second REGISTER's Authorization value (RFC 7616 §3.4)
// with the digest password derived from Kc.
func (t *Terminal) authorization(ch *challenge, rc *recorder) string {
	c := &t.cfg
	uri := "sip:" + c.Realm
	ha1, err := skd.HA1(ch.alg, c.Identity, ch.realm, skd.DigestPassword(c.Kc))
	var nc, cnonce, resp string
	if ch.qop != "" {
		nc, cnonce = "00000001", randomHex(8)
	}
	if err == nil {
		resp, err = skd.DigestResponse(ch.alg, ha1, ch.nonce, "REGISTER", uri, ch.qop, nc, cnonce)
	}
	if err != nil {
		// Unreachable for the canonical algorithms; an empty response fails visibly.
		rc.step("digest response not computed: %v", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", `+
		`algorithm=%s`, c.Identity, ch.realm, ch.nonce, uri, resp, ch.alg)
	if ch.qop != "" {
		fmt.Fprintf(&b, `, qop=auth, nc=%s, cnonce="%s"`, nc, cnonce)
	}
	if ch.opaque != "" {
		fmt.Fprintf(&b, `, opaque="%s"`, ch.opaque)
	}
	rc.step("answered digest alg=%s qop=%q", ch.alg, ch.qop)
	return b.String()
}

// listEntries returns every element of every header with that ID, trimmed, in order.
func listEntries(m *sip.Message, id sip.HeaderID) []string {
	var out []string
	it := m.List(id)
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		out = append(out, string(e))
	}
	return out
}

func joinList(m *sip.Message, id sip.HeaderID) string {
	return strings.Join(listEntries(m, id), ", ")
}

// hasToken reports whether a comma-separated list holds tok (case-insensitive).
func hasToken(list, tok string) bool {
	for _, f := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(f), tok) {
			return true
		}
	}
	return false
}
