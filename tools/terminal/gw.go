package terminal

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// MGCP return codes the gateway reads and writes (RFC 3435 §2.4).
const (
	mgcpOK       = 200
	mgcpProtocol = 510 // protocol error: the profile's refusals, and the gateway's own
	// kdFailedText starts the proxy's 510 in place of the CA's answer (§12.2).
	kdFailedText = "key distribution failed"
	// agreementText starts the proxy's 510 for a refused agreement (§12.2).
	agreementText = "security agreement"
)

// registerGW runs the MGCP gateway's registration of docs/PROTOCOL.md §12: RSIP, the
// CA's 200 with the challenge RQNT (answered with 200), NTFY with the digest
// response, the 200 with the success RQNT whose session key and MAC the gateway
// checks before it answers.
func (t *Terminal) registerGW(ctx context.Context, buf []byte, deadline time.Time,
	rc *recorder) error {
	clear(t.gw.answered)
	t.gw.words = nil
	rs := t.gw.txnID()
	in, err := t.gwTransact(ctx, "RSIP", rs, t.buildRSIP(rs), buf, deadline, rc)
	if err != nil {
		return err
	}
	ch, rqnt, done, err := t.readGWChallenge(in, rs, rc)
	if err != nil || done {
		return err
	}
	if err := t.respond(rqnt, mgcpOK, "OK", rc); err != nil {
		return err
	}
	nt := t.gw.txnID()
	req := t.buildNTFY(nt, ch, t.gwDigest(ch, rc))
	if in, err = t.gwTransact(ctx, "NTFY", nt, req, buf, deadline, rc); err != nil {
		return err
	}
	if err := t.readGWSuccess(in, nt, ch, rc); err != nil {
		return err
	}
	return t.gwWordNTFY(ctx, buf, deadline, rc)
}

// gwTransact sends one command until the datagram holding its final response
// arrives. A provisional response slows the retransmissions (RFC 3435 §3.5.3 leaves
// the schedule to the sender; run's serves all three protocols); a CA command the
// gateway already answered gets the same response again.
func (t *Terminal) gwTransact(ctx context.Context, name string, tid uint32, req,
	buf []byte, deadline time.Time, rc *recorder) (*caMsg, error) {
	var got *caMsg
	x := exchange{name: name + " " + strconv.FormatUint(uint64(tid), 10), req: req,
		judge: func(b []byte) verdict {
			in, err := parseCA(t.gw.msg, b)
			if err != nil {
				rc.step("ignored malformed datagram: %v", err)
				return ignored
			}
			t.repeatResponses(in, rc)
			switch r := in.response(tid); {
			case r == nil || r.code == 0:
				rc.step("ignored datagram without a response to %d", tid)
				return ignored
			case r.code < 200:
				rc.step("received %d to %d", r.code, tid)
				return provisional
			}
			got = in
			return final
		}}
	if err := t.run(ctx, x, buf, deadline, rc); err != nil {
		return nil, err
	}
	return got, nil
}

// repeatResponses sends again the response to every CA command in the datagram that
// the gateway has answered before.
func (t *Terminal) repeatResponses(in *caMsg, rc *recorder) {
	for _, q := range in.rqnts {
		if r, ok := t.gw.answered[q.tid]; ok {
			rc.step("repeated response to RQNT %d", q.tid)
			_ = t.send(r, rc)
		}
	}
}

// respond answers a CA RQNT and remembers the response.
func (t *Terminal) respond(q *caRQNT, code int, text string, rc *recorder) error {
	r := buildResponse(q.tid, code, text)
	t.gw.answered[q.tid] = r
	rc.step("responded %d to RQNT %d", code, q.tid)
	return t.send(r, rc)
}

// readGWChallenge judges the datagram answering the RSIP. done is true when a plain
// gateway was accepted without challenge.
func (t *Terminal) readGWChallenge(in *caMsg, rs uint32, rc *recorder) (ch *challenge,
	q *caRQNT, done bool, err error) {
	if r := in.response(rs); r.code != mgcpOK {
		return nil, nil, false, t.gwFailure(r, false, rc)
	}
	q = in.rqntWith(xChallenge)
	if q == nil {
		if len(t.cfg.Offer) > 0 {
			return nil, nil, false, rc.fail(ErrNoSecurityServer, "200 without challenge")
		}
		rc.step("received 200 without challenge")
		return nil, nil, true, nil
	}
	v := []byte(q.params[xChallenge])
	alg, _ := sip.ListParam(v, "algorithm")
	realm, _ := sip.ListParam(v, "realm")
	nonce, _ := sip.ListParam(v, "nonce")
	calg, ok := canonicalAlg(string(alg))
	switch {
	case !ok:
		return nil, nil, false, rc.fail(ErrNoChallenge, "no usable digest algorithm")
	case len(realm) == 0 || len(nonce) == 0 || len(realm) > skd.MaxField ||
		len(nonce) > skd.MaxField:
		return nil, nil, false, rc.fail(ErrBadResponse, "challenge without nonce or realm")
	case !hasToken(q.events, "skd/auth"):
		return nil, nil, false, rc.fail(ErrBadResponse, "challenge asks for no skd/auth")
	}
	ch = &challenge{alg: calg, realm: string(realm), nonce: string(nonce), rid: q.rid}
	if len(t.cfg.Offer) > 0 {
		server := strings.TrimSpace(q.params[xServer])
		if server == "" {
			return nil, nil, false, rc.fail(ErrNoSecurityServer, "no X-SKDSV")
		}
		ch.server = []string{server}
		if err := t.chooseEntry(ch, rc); err != nil {
			return nil, nil, false, err
		}
	}
	rc.step("received challenge alg=%s nonce=%q X-SKDSV=%q", calg, ch.nonce, ch.chosen)
	return ch, q, false, nil
}

// gwFailure records the verdict for an error response. A 510 is the profile's
// refusal: a refused agreement when its text says so or it answers the RSIP
// (nothing acceptable offered, or the AC does not know the gateway), a refused
// digest when it answers the NTFY, but a failure when it is the proxy's key
// distribution failure, at either step. Anything else fails with code and text.
//
// Limitation: MGCP has no code for "unauthorized"; the profile's 510 serves, and the
// gateway tells a refusal from the proxy's failure by the commentary.
func (t *Terminal) gwFailure(r *caResp, ntfy bool, rc *recorder) error {
	rc.rep.Status = r.code
	text := r.text
	if len(text) > maxErrText {
		text = text[:maxErrText]
	}
	switch {
	case r.code != mgcpProtocol || strings.HasPrefix(text, kdFailedText):
		return rc.fail(ErrStatus, fmt.Sprintf("%d %s", r.code, text))
	case !ntfy || strings.HasPrefix(text, agreementText):
		rc.rep.Outcome = OutcomeRefused
		rc.step("received 510 %q", text)
		return fmt.Errorf("%w: %s", ErrRefused, text)
	}
	rc.rep.Outcome = OutcomeForbidden
	rc.step("received 510 %q", text)
	return fmt.Errorf("%w: %s", ErrForbidden, text)
}

// gwDigest computes the digest response of §12.1: RFC 7616 without qop, method
// "NTFY", uri "mgcp:" + identity, with the digest password derived from Kc.
func (t *Terminal) gwDigest(ch *challenge, rc *recorder) string {
	return t.gatewayDigest(ch, "NTFY", "mgcp:", rc)
}

// readGWSuccess judges the datagram answering the NTFY: for an offering gateway the
// success RQNT must carry a session key that opens and a MAC that verifies. The
// RQNT is answered either way, with 510 when the check fails.
func (t *Terminal) readGWSuccess(in *caMsg, nt uint32, ch *challenge, rc *recorder) error {
	if r := in.response(nt); r.code != mgcpOK {
		return t.gwFailure(r, true, rc)
	}
	rc.rep.Status = mgcpOK
	if len(t.cfg.Offer) == 0 {
		rc.step("received 200 to NTFY")
		return nil
	}
	q := in.rqntWith(xKeys)
	if q == nil {
		return rc.fail(ErrNoKeyDistribution, "no X-SKDKD")
	}
	err := t.checkGWSuccess(q, ch, rc)
	code, text := mgcpOK, "OK"
	if err != nil {
		code, text = mgcpProtocol, "sigterm: "+rc.rep.Reason()
	}
	if rerr := t.respond(q, code, text, rc); err == nil {
		err = rerr
	}
	return err
}

// checkGWSuccess opens terminal= and verifies mac= over the §12.2 MAC input.
func (t *Terminal) checkGWSuccess(q *caRQNT, ch *challenge, rc *recorder) error {
	v := []byte(q.params[xKeys])
	term, _ := sip.ListParam(v, "terminal")
	wrap, _ := sip.ListParam(v, "wrap")
	mac, hasMAC := sip.ListParam(v, "mac")
	if len(term) == 0 || len(wrap) == 0 {
		return rc.fail(ErrBadKeyDistribution, "malformed X-SKDKD")
	}
	kd := &keyDist{terminal: string(term), wrap: string(wrap), mac: string(mac),
		hasMAC: hasMAC}
	rc.step("received success RQNT %d wrap=%s mac=%t", q.tid, kd.wrap, kd.hasMAC)
	sk, err := t.openSK(ch, kd, rc)
	if err != nil {
		return err
	}
	defer clear(sk)
	f := &skd.RegFields{
		Protocol: "mgcp", Status: []byte("RQNT"),
		TxnID: strconv.AppendUint(nil, uint64(q.tid), 10), Seq: []byte(q.endpoint),
		FromTag: []byte(t.cfg.Identity), ToTag: []byte{},
	}
	if err := t.checkMAC(f, ch, kd, sk, rc); err != nil {
		return err
	}
	t.gw.words = newGatewayWords(sk, ch.mech)
	return nil
}
