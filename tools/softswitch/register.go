package softswitch

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// register answers one REGISTER (RFC 3261 §10.3): a challenge, a refusal, or — for
// credentials that answer a pending challenge — the binding update and 200 OK.
func (s *Server) register(req *request) ([]byte, func()) {
	if tags := unsupportedTags(req.msg); len(tags) > 0 {
		s.stats.badRequests.Add(1)
		return newResponse(420).add("Unsupported", strings.Join(tags, ", ")).build(req), nil
	}
	reg, tooBrief, err := parseRegistration(req)
	if err != nil {
		return s.badRequest(req, err), nil
	}
	if tooBrief {
		// Checked before authentication, unlike RFC 3261 §10.3's order, so a terminal
		// asking for too short a lifetime costs the AC nothing.
		s.stats.tooBrief.Add(1)
		return newResponse(423).add("Min-Expires", strconv.Itoa(MinExpires)).build(req), nil
	}
	md, err := detectMode(req.msg)
	if err != nil {
		return s.badRequest(req, err), nil
	}
	cred := findCredentials(req.msg, s.cfg.Realm)
	stale := false
	if cred.usable() {
		s.mu.Lock()
		v, ok := s.pending.take(cred.nonce, req.now)
		s.mu.Unlock()
		if ok {
			return s.authenticated(req, reg, md, cred, v)
		}
		s.stats.stale.Add(1)
		stale = true
	}
	return s.challenge(req, reg, md, cred, stale), nil
}

func (s *Server) badRequest(req *request, err error) []byte {
	s.stats.badRequests.Add(1)
	s.log.Debug("bad register", zap.Stringer("src", req.src), zap.Error(err))
	return newResponse(400).build(req)
}

// challenge asks the AC for a vector and answers 401 (or 494 when no mechanism is
// acceptable in direct mode, 403 or 503 when the AC says no or cannot be reached).
func (s *Server) challenge(req *request, reg *registration, md mode, cred *credentials,
	stale bool) []byte {
	identity := reg.user
	if cred != nil && cred.username != "" {
		identity = cred.username
	}
	if !safeQuoted(identity, MaxIdentity) {
		return s.badRequest(req, errBadRequestValue)
	}
	areq := authcenter.AuthRequest{Identity: identity, Realm: s.cfg.Realm}
	var off offer
	chosen := -1
	switch md.kind {
	case modeProxy:
		areq.Proxy, areq.Wrap = md.proxyID, md.wrap.String()
	case modeDirect:
		var err error
		if off, err = parseOffer(req.msg, sip.HdrSecurityClient); err != nil {
			return s.badRequest(req, err)
		}
		if chosen = off.choose(s.cfg.Mechanisms); chosen < 0 {
			return s.refuse(req, "no acceptable mechanism")
		}
		areq.Wrap = off.mechs[chosen].Mech.Wrap().String()
	}
	v, resp := s.fetchVector(req, &areq, md)
	if resp != nil {
		return resp
	}
	v.offer, v.chosen = off, chosen
	v.uris = []string{string(req.msg.RequestURI())}
	if cred != nil && cred.uri != "" && cred.uri != v.uris[0] {
		v.uris = append(v.uris, cred.uri)
	}
	v.hops = s.hops(req.msg)
	s.keepChallenge(s.pending, v, req.now, &s.stats.challenged)
	r := newResponse(401)
	for _, alg := range s.cfg.algs {
		if _, ok := v.ha1[alg]; ok {
			r.add("WWW-Authenticate", challengeValue(s.cfg.Realm, v.nonce, alg, stale))
		}
	}
	if md.kind == modeDirect {
		r.add("Security-Server", v.chosenEntry())
	}
	return r.build(req)
}

// fetchVector calls the AC. On failure it returns the response to send instead.
func (s *Server) fetchVector(req *request, areq *authcenter.AuthRequest,
	md mode) (*vector, []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ACTimeout)
	defer cancel()
	av, err := s.cfg.AC.Auth(ctx, *areq)
	if err == nil {
		var v *vector
		if v, err = s.newVector(areq, av, md); err == nil {
			return v, nil
		}
	}
	switch {
	case errors.Is(err, authcenter.ErrUnknownSubscriber), errors.Is(err, authcenter.ErrUnknownProxy):
		s.stats.forbidden.Add(1)
		s.log.Info("ac refused", zap.String("identity", areq.Identity),
			zap.String("proxy", areq.Proxy), zap.Error(err))
		return nil, newResponse(403).build(req)
	case errors.Is(err, authcenter.ErrBadRequest):
		// The AC will not authenticate this request (e.g. a proxy id or realm it
		// rejects); warn, since a realm configured differently on both sides looks
		// the same.
		s.stats.forbidden.Add(1)
		s.log.Warn("ac rejected request", zap.String("identity", areq.Identity),
			zap.String("proxy", areq.Proxy), zap.Error(err))
		return nil, newResponse(403).build(req)
	default:
		s.stats.unavailable.Add(1)
		s.log.Warn("ac unavailable", zap.String("identity", areq.Identity), zap.Error(err))
		return nil, newResponse(503).build(req)
	}
}

// refuse answers 494 with the mechanisms this registrar supports (RFC 3329 §2.3.1).
func (s *Server) refuse(req *request, why string) []byte {
	s.stats.refused.Add(1)
	s.log.Info("security agreement refused", zap.Stringer("src", req.src),
		zap.String("reason", why))
	return newResponse(494).add("Security-Server", mechanismList(s.cfg.Mechanisms)).build(req)
}

// forbid answers 403 and logs why.
func (s *Server) forbid(req *request, identity string, err error) []byte {
	s.stats.forbidden.Add(1)
	s.log.Info("register forbidden", zap.String("identity", identity), zap.Error(err))
	return newResponse(403).build(req)
}

// authenticated handles a REGISTER whose credentials name a pending nonce. The vector
// is already consumed: one attempt per challenge.
func (s *Server) authenticated(req *request, reg *registration, md mode, cred *credentials,
	v *vector) ([]byte, func()) {
	if resp := s.checkAgreement(req, md, v); resp != nil {
		return resp, nil
	}
	if err := s.checkDigest(string(req.method), cred, v); err != nil {
		return s.forbid(req, v.identity, err), nil
	}
	if reg.user != v.identity {
		return s.forbid(req, v.identity, errForeignAOR), nil
	}
	bs, err := s.applyBindings(reg, req)
	switch {
	case errors.Is(err, errOutOfOrder):
		s.stats.outOfOrder.Add(1)
		return newResponse(500).build(req), nil
	case err != nil:
		s.stats.unavailable.Add(1)
		s.log.Warn("binding refused", zap.String("aor", reg.aor), zap.Error(err))
		return newResponse(503).build(req), nil
	}
	resp, err := s.success(req, reg, v, bs)
	if err != nil {
		s.stats.keyFailures.Add(1)
		s.log.Warn("key distribution failed", zap.String("identity", v.identity),
			zap.Error(err))
		return newResponse(500).build(req), nil
	}
	return resp, func() { s.reportSuccess(v.identity, v.nonce) }
}

// errForeignAOR: the authenticated user asked to register someone else's address.
var errForeignAOR = errors.New("softswitch: to uri user differs from digest username")

// checkAgreement checks that the second REGISTER came the way the first did and, in
// direct mode, repeats the offer and echoes the choice (PROTOCOL.md §5.3, §6).
// It returns the refusal to send, or nil.
func (s *Server) checkAgreement(req *request, md mode, v *vector) []byte {
	if md != v.mode {
		if md.kind == modeProxy || v.mode.kind == modeProxy {
			return s.forbid(req, v.identity, errModeChanged)
		}
		return s.refuse(req, "security agreement changed")
	}
	if md.kind != modeDirect {
		return nil
	}
	client, err := parseOffer(req.msg, sip.HdrSecurityClient)
	if err != nil || !v.offer.equal(client.entries) {
		return s.refuse(req, "security-client differs from the first offer")
	}
	verify, err := parseOffer(req.msg, sip.HdrSecurityVerify)
	if err != nil || len(verify.entries) != 1 || verify.entries[0] != v.chosenEntry() {
		return s.refuse(req, "security-verify differs from security-server")
	}
	return nil
}

// errModeChanged: the second REGISTER came through another proxy (or none).
var errModeChanged = errors.New("softswitch: register path changed since the challenge")

func (s *Server) applyBindings(reg *registration, req *request) ([]binding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(reg.contacts) == 0 && !reg.wildcard {
		return s.bindings.lookup(reg.aor, req.now), nil
	}
	return s.bindings.apply(reg, req.now)
}

// reportSuccess tells the AC the terminal authenticated (after the 200 is sent).
func (s *Server) reportSuccess(identity, nonce string) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ACTimeout)
	defer cancel()
	if err := s.cfg.AC.Success(ctx, identity, nonce); err != nil {
		s.stats.successFailures.Add(1)
		s.log.Warn("success report failed", zap.String("identity", identity), zap.Error(err))
		return
	}
	s.stats.successes.Add(1)
}

// keepChallenge stores the vector of a challenge just sent in table (the SIP,
// H.248 or MGCP role's) under its nonce, counting an older entry the bound evicts,
// and counts the challenge in challenged.
func (s *Server) keepChallenge(table *fifoMap[*vector], v *vector, now time.Time,
	challenged *atomic.Uint64) {
	s.mu.Lock()
	if table.put(v.nonce, v, now) {
		s.stats.evicted.Add(1)
	}
	s.mu.Unlock()
	challenged.Add(1)
}
