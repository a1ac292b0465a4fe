package softswitch

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"strings"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// Reasons an MG's registration values are refused (Error 400 or 402). The texts go
// into Error descriptors, so they hold no quote and no secret.
var (
	errMGNoIdentity  = errors.New("no X-SKDID")
	errMGBadValue    = errors.New("X-SKDID empty, over 128 bytes or not quotable")
	errMGRepeated    = errors.New("X-SKDID, X-SKDOF or X-SKDPX given twice")
	errMGEmptyEntry  = errors.New("X-SKDOF has an empty entry")
	errMGOfferLong   = errors.New("X-SKDOF over 512 bytes")
	errMGBadProxy    = errors.New("X-SKDPX names no proxy id or no known wrap")
	errMGNoAuth      = errors.New("skd/auth lacks id, nonce or resp")
	errMGStale       = errors.New("nonce unknown or already used")
	errMGIdentity    = errors.New("id differs from the challenged identity")
	errMGAgreement   = errors.New("verify or offer differs from the agreement")
	errMGDigest      = errors.New("digest response mismatch")
	errMGTableFull   = errors.New("gateway table full")
	errMGNoMechanism = errors.New("no acceptable mechanism")
)

// maxOfferBytes bounds X-SKDOF as §9 bounds the Security-Client entries of a
// REGISTER.
const maxOfferBytes = 512

// Extension parameters of the ServiceChange (docs/PROTOCOL.md §11.1).
const (
	extIdentity = "X-SKDID"
	extOffer    = "X-SKDOF"
	extProxy    = "X-SKDPX"
)

// mgRestart is what an MG's ServiceChange says about itself.
type mgRestart struct {
	method   h248.Token
	identity string
	offer    offer
	md       mode
}

// serviceChange answers a ServiceChange on ROOT: a Restart with an offer is
// challenged, one without is accepted (plain mode), Forced and Graceful remove the
// gateway, other methods are acknowledged.
func (s *Server) serviceChange(r *mgcRequest, cmd h248.Node) []byte {
	rs, err := readRestart(r, cmd)
	switch {
	case errors.Is(err, errMGBadProxy):
		return s.mgcError(r, errCodeSyntax, err.Error()) // the proxy wrote it
	case err != nil:
		// In direct mode the MGC refuses a bad offer as the proxy would (§11.9).
		return s.mgcError(r, errCodeUnauthorized, err.Error())
	case rs.method == h248.TokForced || rs.method == h248.TokGraceful:
		s.forgetGateway(s.mgs, rs.identity)
		return s.mgcMessage(nil, appendReply(nil, r.id, h248.TokServiceChange))
	case rs.method != h248.TokRestart:
		return s.mgcMessage(nil, appendReply(nil, r.id, h248.TokServiceChange))
	case rs.md.kind == modePlain:
		if !s.rememberGateway(s.mgs, &mgBinding{identity: rs.identity, addr: r.src}, r.now) {
			return s.mgcError(r, errCodeUnavailable, errMGTableFull.Error())
		}
		s.stats.h248Registered.Add(1)
		s.log.Info("gateway registered", zap.String("identity", rs.identity),
			zap.Stringer("mode", modePlain))
		return s.mgcMessage(nil, appendReply(nil, r.id, h248.TokServiceChange))
	}
	return s.mgcChallenge(r, rs)
}

// readRestart reads the Services parameters: Method and the skd extensions. The
// identity defaults to the MG's mId when X-SKDID is absent (plain mode only).
func readRestart(r *mgcRequest, cmd h248.Node) (*mgRestart, error) {
	svc := cmd.Child(h248.TokServices)
	rs := &mgRestart{method: h248.LookupToken(svc.Child(h248.TokMethod).Value())}
	var offerText, proxyText []byte
	var hasID, hasOffer, hasProxy bool
	for p := svc.FirstChild(); p.Valid(); p = p.Next() {
		if !p.IsExtension() {
			continue
		}
		var seen bool
		switch name := p.Name(); {
		case bytes.EqualFold(name, []byte(extIdentity)):
			seen, hasID, rs.identity = hasID, true, string(p.Value())
		case bytes.EqualFold(name, []byte(extOffer)):
			seen, hasOffer, offerText = hasOffer, true, p.Value()
		case bytes.EqualFold(name, []byte(extProxy)):
			seen, hasProxy, proxyText = hasProxy, true, p.Value()
		}
		if seen {
			return nil, errMGRepeated
		}
	}
	if !hasID {
		rs.identity = string(r.msg.Header().MID)
	}
	return rs, rs.readSKD(hasID, hasOffer, hasProxy, offerText, proxyText)
}

// readSKD checks the identity and reads the mode from the X-SKDPX or X-SKDOF text,
// for H.248 and MGCP alike. Without X-SKDID the identity already holds the
// protocol's fallback name, allowed for a plain registration only.
func (rs *mgRestart) readSKD(hasID, hasOffer, hasProxy bool, offerText,
	proxyText []byte) error {
	if !hasID && (hasOffer || hasProxy) {
		return errMGNoIdentity
	}
	if !safeQuoted(rs.identity, MaxIdentity) {
		return errMGBadValue
	}
	var err error
	switch {
	case hasProxy:
		rs.md, err = proxyMode(proxyText)
	case hasOffer:
		rs.md.kind = modeDirect
		rs.offer, err = splitOffer(offerText)
	}
	return err
}

// proxyMode reads X-SKDPX, "<proxy id>;wrap=<alg>" (docs/PROTOCOL.md §11.1).
func proxyMode(v []byte) (mode, error) {
	id, params, _ := bytes.Cut(v, []byte(";"))
	name, alg, _ := bytes.Cut(params, []byte("="))
	wrap, ok := skd.ParseWrapAlg(bytes.TrimSpace(alg))
	if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte("wrap")) ||
		!isToken(string(id)) {
		return mode{}, errMGBadProxy
	}
	return mode{kind: modeProxy, proxyID: string(id), wrap: wrap}, nil
}

// splitOffer reads X-SKDOF, the Security-Client value of docs/PROTOCOL.md §2:
// comma-separated entries, each trimmed, none empty, at most skd.MaxOffered of them
// in at most maxOfferBytes.
func splitOffer(v []byte) (offer, error) {
	var o offer
	if len(v) > maxOfferBytes {
		return o, errMGOfferLong
	}
	for _, e := range bytes.Split(v, []byte(",")) {
		e = bytes.TrimSpace(e)
		if len(e) == 0 {
			return o, errMGEmptyEntry
		}
		if len(o.entries) == skd.MaxOffered {
			return o, errTooManyOffered
		}
		o.entries = append(o.entries, string(e))
		o.mechs = append(o.mechs, offerOf(e))
	}
	return o, nil
}

// mgcChallenge asks the AC for a vector and answers with the Reply to the
// ServiceChange and the challenge Modify in one message (docs/PROTOCOL.md §11.3).
func (s *Server) mgcChallenge(r *mgcRequest, rs *mgRestart) []byte {
	v, code, err := s.gatewayVector(rs)
	if err != nil {
		return s.mgcError(r, code, err.Error())
	}
	props := []skdProp{{"realm", v.realm}, {"nonce", v.nonce}, {"alg", v.h248Alg}}
	if rs.md.kind == modeDirect {
		props = append(props, skdProp{"server", v.chosenEntry()})
	}
	body := appendReply(nil, r.id, h248.TokServiceChange)
	body, err = appendModify(body, s.nextTxn.Add(1), props, true)
	if err != nil {
		return s.mgcError(r, errCodeInternal, "challenge not writable")
	}
	s.keepChallenge(s.mgcPending, v, r.now, &s.stats.h248Challenged)
	return s.mgcMessage(nil, body)
}

// gatewayVector chooses among a direct-mode offer and asks the AC for the
// gateway's vector (H.248 and MGCP). On failure it returns the H.248 error code
// that fits: errCodeUnauthorized for a refusal, errCodeUnavailable otherwise.
func (s *Server) gatewayVector(rs *mgRestart) (*vector, int, error) {
	areq := authcenter.AuthRequest{Identity: rs.identity, Realm: s.cfg.Realm}
	chosen := -1
	if rs.md.kind == modeProxy {
		areq.Proxy, areq.Wrap = rs.md.proxyID, rs.md.wrap.String()
	} else {
		if chosen = rs.offer.choose(s.cfg.Mechanisms); chosen < 0 {
			return nil, errCodeUnauthorized, errors.New(errMGNoMechanism.Error() +
				", supported: " + mechanismList(s.cfg.Mechanisms))
		}
		areq.Wrap = rs.offer.mechs[chosen].Mech.Wrap().String()
	}
	v, code, err := s.mgcVector(&areq, rs.md)
	if err != nil {
		return nil, code, err
	}
	v.offer, v.chosen = rs.offer, chosen
	return v, 0, nil
}

// mgcVector calls the AC and keeps its answer, with the digest algorithm to
// challenge: the first configured one the AC gave H(A1) for. On failure it returns the
// H.248 error code to answer with.
func (s *Server) mgcVector(areq *authcenter.AuthRequest, md mode) (*vector, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ACTimeout)
	defer cancel()
	av, err := s.cfg.AC.Auth(ctx, *areq)
	var v *vector
	if err == nil {
		v, err = s.newVector(areq, av, md)
	}
	switch {
	case errors.Is(err, authcenter.ErrUnknownSubscriber),
		errors.Is(err, authcenter.ErrUnknownProxy), errors.Is(err, authcenter.ErrBadRequest):
		s.log.Info("ac refused gateway", zap.String("identity", areq.Identity),
			zap.String("proxy", areq.Proxy), zap.Error(err))
		return nil, errCodeUnauthorized, errors.New("authentication center refused")
	case err != nil:
		s.log.Warn("ac unavailable", zap.String("identity", areq.Identity), zap.Error(err))
		return nil, errCodeUnavailable, errors.New("authentication center unavailable")
	}
	for _, alg := range s.cfg.algs {
		if _, ok := v.ha1[alg]; ok {
			v.h248Alg = alg
			break
		}
	}
	return v, 0, nil
}

// mgAuth is the skd/auth event of an MG's Notify or the X-SKDAU, X-SKDVF and
// X-SKDOF of an MGCP NTFY (docs/PROTOCOL.md §11.4, §12.2).
type mgAuth struct {
	id, nonce, resp, verify, offer []byte
	hasVerify, hasOffer            bool
}

// notify answers a Notify. One carrying skd/auth completes a registration: its
// nonce names the pending challenge (one attempt per challenge), the agreement and
// the digest response are checked, and the Reply rides with the success Modify.
func (s *Server) notify(r *mgcRequest, cmd h248.Node) ([]byte, func()) {
	ev := cmd.FindParam("skd", "auth")
	if !ev.Valid() {
		return s.mgcMessage(nil, appendReply(nil, r.id, h248.TokNotify)), nil
	}
	a := readAuth(ev)
	if len(a.id) == 0 || len(a.nonce) == 0 || len(a.resp) == 0 {
		return s.mgcError(r, errCodeSyntax, errMGNoAuth.Error()), nil
	}
	s.mu.Lock()
	v, ok := s.mgcPending.take(string(a.nonce), r.now)
	s.mu.Unlock()
	if !ok {
		s.stats.stale.Add(1)
		return s.mgcError(r, errCodeUnauthorized, errMGStale.Error()), nil
	}
	if err := checkGatewayAuth(&a, v, "Notify", "megaco:"); err != nil {
		s.log.Info("gateway refused", zap.String("identity", v.identity), zap.Error(err))
		return s.mgcError(r, errCodeUnauthorized, err.Error()), nil
	}
	if !s.rememberGateway(s.mgs, &mgBinding{identity: v.identity, addr: r.src, mode: v.mode.kind},
		r.now) {
		return s.mgcError(r, errCodeUnavailable, errMGTableFull.Error()), nil
	}
	out, err := s.mgcSuccess(r, v)
	if err != nil {
		s.stats.keyFailures.Add(1)
		s.log.Warn("key distribution failed", zap.String("identity", v.identity),
			zap.Error(err))
		return s.mgcError(r, errCodeInternal, "key distribution failed"), nil
	}
	return out, func() { s.reportSuccess(v.identity, v.nonce) }
}

// readAuth copies nothing: the views live as long as the request's message.
func readAuth(ev h248.Node) mgAuth {
	var a mgAuth
	for p := ev.FirstChild(); p.Valid(); p = p.Next() {
		name, val := p.Name(), p.Value()
		switch {
		case bytes.EqualFold(name, []byte("id")):
			a.id = val
		case bytes.EqualFold(name, []byte("nonce")):
			a.nonce = val
		case bytes.EqualFold(name, []byte("resp")):
			a.resp = val
		case bytes.EqualFold(name, []byte("verify")):
			a.verify, a.hasVerify = val, true
		case bytes.EqualFold(name, []byte("offer")):
			a.offer, a.hasOffer = val, true
		}
	}
	return a
}

// checkGatewayAuth checks identity, agreement and digest response (the last in
// constant time) of an H.248 Notify or an MGCP NTFY; method and the uri's scheme
// prefix are the protocol's. In proxy mode the proxy has checked and removed verify
// and offer, so a request still carrying them did not come through it.
func checkGatewayAuth(a *mgAuth, v *vector, method, scheme string) error {
	if string(a.id) != v.identity {
		return errMGIdentity
	}
	switch v.mode.kind {
	case modeDirect:
		o, err := splitOffer(a.offer)
		if !a.hasVerify || string(bytes.TrimSpace(a.verify)) != v.chosenEntry() ||
			err != nil || !v.offer.equal(o.entries) {
			return errMGAgreement
		}
	case modeProxy:
		if a.hasVerify || a.hasOffer {
			return errMGAgreement
		}
	}
	ha1 := v.ha1[v.h248Alg]
	want, err := skd.DigestResponse(v.h248Alg, ha1, v.nonce, method, scheme+v.identity,
		"", "", "")
	if err != nil {
		return err
	}
	got := strings.ToLower(string(a.resp))
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return errMGDigest
	}
	return nil
}
