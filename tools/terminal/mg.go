package terminal

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// H.248 error codes the gateway reads and writes (ITU-T H.248.8).
const (
	errCodeUnauthorized = 402
	// maxErrText bounds the MGC's error text copied into a Report.
	maxErrText = 120
)

// registerMG runs the media gateway's registration of docs/PROTOCOL.md §11:
// ServiceChange, the MGC's Reply with the challenge Modify (answered with a Reply),
// Notify with the digest response, the Reply with the success Modify whose session
// key and authentication header the gateway checks before it answers.
func (t *Terminal) registerMG(ctx context.Context, buf []byte, deadline time.Time,
	rc *recorder) error {
	clear(t.mg.answered)
	t.mg.words = nil
	sc := t.mg.txnID()
	in, err := t.mgTransact(ctx, "ServiceChange", sc, t.buildServiceChange(sc), buf,
		deadline, rc)
	if err != nil {
		return err
	}
	ch, modID, done, err := t.readMGChallenge(in, sc, rc)
	if err != nil || done {
		return err
	}
	if err := t.answer(modID, 0, "", rc); err != nil {
		return err
	}
	nt := t.mg.txnID()
	req := t.buildNotify(nt, ch, t.mgDigest(ch, rc))
	if in, err = t.mgTransact(ctx, "Notify", nt, req, buf, deadline, rc); err != nil {
		return err
	}
	if err := t.readMGSuccess(in, nt, ch, rc); err != nil {
		return err
	}
	return t.mgWordNotify(ctx, buf, deadline, rc)
}

// mgTransact sends one transaction until the message holding its Reply arrives. A
// Pending for it slows the retransmissions (RFC 3525 §D.1.3); an MGC transaction the
// gateway already answered gets the same Reply again.
func (t *Terminal) mgTransact(ctx context.Context, name string, id uint32, req, buf []byte,
	deadline time.Time, rc *recorder) (*mgcMsg, error) {
	var got *mgcMsg
	x := exchange{name: name + " transaction=" + strconv.FormatUint(uint64(id), 10), req: req,
		judge: func(b []byte) verdict {
			in, err := parseMGC(t.mg.msg, b)
			if err != nil {
				rc.step("ignored malformed message: %v", err)
				return ignored
			}
			t.repeatReplies(in, rc)
			switch {
			case in.reply(id) != nil:
				got = in
				return final
			case in.pending(id):
				rc.step("received Pending %d", id)
				return provisional
			}
			rc.step("ignored message without a Reply to %d", id)
			return ignored
		}}
	if err := t.run(ctx, x, buf, deadline, rc); err != nil {
		return nil, err
	}
	return got, nil
}

// repeatReplies sends again the Reply to every MGC transaction in the message that
// the gateway has answered before.
func (t *Terminal) repeatReplies(in *mgcMsg, rc *recorder) {
	for _, m := range in.modifies {
		if r, ok := t.mg.answered[m.id]; ok {
			rc.step("repeated Reply %d", m.id)
			_ = t.send(r, rc)
		}
	}
}

// answer replies to an MGC Modify (code 0: success) and remembers the Reply.
func (t *Terminal) answer(id uint32, code int, text string, rc *recorder) error {
	r := t.buildReply(id, code, text)
	t.mg.answered[id] = r
	rc.step("replied to Modify %d error=%d", id, code)
	return t.send(r, rc)
}

// readMGChallenge judges the message answering the ServiceChange. done is true when
// a plain gateway was accepted without challenge. modID is the challenge Modify's
// TransactionID.
func (t *Terminal) readMGChallenge(in *mgcMsg, sc uint32, rc *recorder) (ch *challenge,
	modID uint32, done bool, err error) {
	if r := in.reply(sc); r.hasErr {
		return nil, 0, false, t.mgFailure(r, false, rc)
	}
	mod := in.modifyWith("nonce")
	if mod == nil {
		if len(t.cfg.Offer) > 0 {
			return nil, 0, false, rc.fail(ErrNoSecurityServer, "reply without challenge")
		}
		rc.step("received Reply without challenge")
		return nil, 0, true, nil
	}
	alg, ok := canonicalAlg(mod.props["alg"])
	realm, nonce := mod.props["realm"], mod.props["nonce"]
	switch {
	case !ok:
		return nil, 0, false, rc.fail(ErrNoChallenge, "no usable digest algorithm")
	case realm == "" || len(realm) > skd.MaxField || len(nonce) > skd.MaxField:
		return nil, 0, false, rc.fail(ErrBadResponse, "challenge without nonce or realm")
	case !mod.askAuth:
		return nil, 0, false, rc.fail(ErrBadResponse, "challenge asks for no skd/auth")
	}
	ch = &challenge{alg: alg, realm: realm, nonce: nonce, requestID: mod.rid}
	if len(t.cfg.Offer) > 0 {
		server := strings.TrimSpace(mod.props["server"])
		if server == "" {
			return nil, 0, false, rc.fail(ErrNoSecurityServer, "no skd/server")
		}
		ch.server = []string{server}
		if err := t.chooseEntry(ch, rc); err != nil {
			return nil, 0, false, err
		}
	}
	rc.step("received challenge alg=%s nonce=%q skd/server=%q", alg, nonce, ch.chosen)
	return ch, mod.id, false, nil
}

// mgFailure records the verdict for a Reply carrying an Error: 402 to the
// ServiceChange is a refused agreement (nothing acceptable offered, or the AC does
// not know the gateway), 402 to the Notify a refused digest; anything else fails
// with the code and text.
//
// Limitation: H.248 has one code, 402, for a refused agreement and an unknown
// gateway at the ServiceChange; both report OutcomeRefused, the Steps keep the text.
func (t *Terminal) mgFailure(r *mgcReply, notify bool, rc *recorder) error {
	rc.rep.Status = int(r.errCode)
	text := r.errText
	if len(text) > maxErrText {
		text = text[:maxErrText]
	}
	switch {
	case r.errCode == errCodeUnauthorized && !notify:
		rc.rep.Outcome = OutcomeRefused
		rc.step("received Error 402 %q", text)
		return fmt.Errorf("%w: %s", ErrRefused, text)
	case r.errCode == errCodeUnauthorized:
		rc.rep.Outcome = OutcomeForbidden
		rc.step("received Error 402 %q", text)
		return fmt.Errorf("%w: %s", ErrForbidden, text)
	}
	return rc.fail(ErrStatus, fmt.Sprintf("error %d %s", r.errCode, text))
}

// mgDigest computes the digest response of §11.1: method "Notify", uri "megaco:" +
// identity.
func (t *Terminal) mgDigest(ch *challenge, rc *recorder) string {
	return t.gatewayDigest(ch, "Notify", "megaco:", rc)
}

// gatewayDigest computes a gateway's digest response (§11.1, §12.1): RFC 7616
// without qop, the protocol's method and uri scheme + identity, with the digest
// password derived from Kc.
func (t *Terminal) gatewayDigest(ch *challenge, method, scheme string, rc *recorder) string {
	c := &t.cfg
	ha1, err := skd.HA1(ch.alg, c.Identity, ch.realm, skd.DigestPassword(c.Kc))
	var resp string
	if err == nil {
		resp, err = skd.DigestResponse(ch.alg, ha1, ch.nonce, method, scheme+c.Identity,
			"", "", "")
	}
	if err != nil {
		// Unreachable for the canonical algorithms; an empty response fails visibly.
		rc.step("digest response not computed: %v", err)
	}
	rc.step("answered digest alg=%s", ch.alg)
	return resp
}

// readMGSuccess judges the message answering the Notify: for an offering gateway the
// success Modify must carry a session key that opens and an authentication header
// that verifies. The Modify is answered either way, with Error 402 when it fails.
func (t *Terminal) readMGSuccess(in *mgcMsg, nt uint32, ch *challenge, rc *recorder) error {
	if r := in.reply(nt); r.hasErr {
		return t.mgFailure(r, true, rc)
	}
	if len(t.cfg.Offer) == 0 {
		rc.step("received Reply to Notify")
		return nil
	}
	mod := in.modifyWith("term")
	if mod == nil {
		return rc.fail(ErrNoKeyDistribution, "no skd/term")
	}
	kd := &keyDist{terminal: mod.props["term"], wrap: mod.props["wrap"]}
	rc.step("received success Modify %d wrap=%s authentication=%t", mod.id, kd.wrap, in.auth)
	err := t.checkMGSuccess(in, mod, ch, kd, rc)
	code, text := 0, ""
	if err != nil {
		code, text = errCodeUnauthorized, "sigterm: "+rc.rep.Reason()
	}
	if aerr := t.answer(mod.id, code, text, rc); err == nil {
		err = aerr
	}
	return err
}

// checkMGSuccess opens skd/term and verifies the authentication header (§11.5).
func (t *Terminal) checkMGSuccess(in *mgcMsg, mod *mgcModify, ch *challenge, kd *keyDist,
	rc *recorder) error {
	if kd.wrap == "" {
		return rc.fail(ErrBadKeyDistribution, "no skd/wrap")
	}
	sk, err := t.openSK(ch, kd, rc)
	if err != nil {
		return err
	}
	defer clear(sk)
	if !in.auth {
		return rc.fail(ErrNoMAC, "no authentication header")
	}
	spi, err := skd.H248SPI(sk)
	switch {
	case err != nil || in.spi != spi:
		return rc.fail(ErrMACMismatch, "spi does not name the session key")
	case in.seq != 1:
		return rc.fail(ErrMACMismatch, "sequence number is not 1")
	}
	f := &skd.RegFields{
		Protocol: "h248", Status: []byte("Modify"),
		TxnID: strconv.AppendUint(nil, uint64(mod.id), 10), Seq: []byte(in.seqText),
		FromTag: []byte(t.cfg.Identity), ToTag: []byte(in.mid), Nonce: []byte(ch.nonce),
		Chosen: []byte(ch.chosen), Offered: t.offeredBytes(), Terminal: []byte(kd.terminal),
		Wrap: []byte(kd.wrap),
	}
	input, err := skd.AppendMACInput(nil, f)
	if err != nil {
		return rc.fail(ErrBadResponse, "mac input: "+err.Error())
	}
	if !skd.NewMACer().Verify(ch.mech, sk, input, in.authData) {
		return rc.fail(ErrMACMismatch, "mac mismatch")
	}
	rc.rep.MACVerified = true
	t.mg.words = newGatewayWords(sk, ch.mech)
	rc.step("verified authentication header spi=%08x mechanism=%s", spi, ch.mech)
	return nil
}
