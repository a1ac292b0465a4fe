package proxy

import (
	"net/netip"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// register runs the proxy's part of a REGISTER from a terminal (PROTOCOL.md
// §5.1 and §5.3). It returns the edits for forwarding, or a local response in
// local when the request goes no further.
func (w *Worker) register(src netip.AddrPort, out []byte) (ed edits, local []byte) {
	m := &w.msg
	hasClient := m.Index(sip.HdrSecurityClient, 0) >= 0
	hasVerify := m.Index(sip.HdrSecurityVerify, 0) >= 0
	if !hasClient && !hasVerify {
		// A plain registration: relayed, with a Path but no key.
		return edits{path: true}, nil
	}
	offered, ok := w.collect(sip.HdrSecurityClient, w.list[:0])
	if !ok || len(offered) == 0 {
		return ed, w.refuse(out, src, 400, "Bad Security-Client", ReasonMalformed)
	}
	if !hasVerify {
		return w.firstRegister(src, out, offered)
	}
	return w.secondRegister(src, out, offered)
}

// firstRegister chooses a mechanism and records the registration.
func (w *Worker) firstRegister(src netip.AddrPort, out []byte, offered [][]byte) (edits, []byte) {
	offers := w.offers[:len(offered)]
	for i, e := range offered {
		offers[i] = toOffer(e)
	}
	idx := skd.Choose(offers, w.h.cfg.Mechanisms)
	if idx < 0 {
		w.logRefused(ReasonNoMechanism)
		return edits{}, w.refuse494(out, src, ReasonNoMechanism)
	}

	callID, _ := w.msg.Get(sip.HdrCallID)
	if wrap, ok := w.retransmittedOffer(callID, offered); ok {
		return edits{stripSecAgree: true, path: true, wrap: wrap}, nil
	}
	p, s, err := w.h.pending.create(callID, src.Addr(), w.now, w.now+int64(w.h.cfg.PendingTTL))
	switch err {
	case nil:
	case errPendingFull:
		return edits{}, w.overloaded(out, src, ReasonPendingFull)
	case errSourceBusy:
		return edits{}, w.overloaded(out, src, ReasonSourceLimit)
	default:
		return edits{}, w.refuse(out, src, 400, "Call-ID Too Long", ReasonFieldTooLong)
	}
	if err := p.setOffer(offered); err != nil {
		s.remove(p)
		s.mu.Unlock()
		return edits{}, w.refuse(out, src, 400, "Security-Client Too Long", ReasonFieldTooLong)
	}
	mech := offers[idx].Mech
	p.chosen, p.mech, p.state = uint8(idx), mech, stateOffered
	s.mu.Unlock()

	w.h.ctr.chosenByMech[mech].Add(1)
	return edits{stripSecAgree: true, path: true, wrap: mech.Wrap()}, nil
}

// retransmittedOffer recognises a first REGISTER sent again while its
// agreement is still open (same Call-ID, same offer, not yet verified): UDP
// retransmissions can arrive after the 401, and starting over would throw away
// the recorded nonce. It reports the wrap algorithm to forward with.
func (w *Worker) retransmittedOffer(callID []byte, offered [][]byte) (skd.WrapAlg, bool) {
	p, s := w.h.pending.lookup(callID, w.now)
	defer s.mu.Unlock()
	if p == nil || p.state >= stateVerified || !p.sameOffer(offered) {
		return skd.WrapNone, false
	}
	return p.mech.Wrap(), true
}

// toOffer reduces one Security-Client entry to what the choice needs.
func toOffer(entry []byte) skd.Offer {
	mech, err := sip.ParseMechanism(entry)
	if err != nil && err != sip.ErrBadQValue {
		return skd.Offer{Mech: skd.MechNone, Q: skd.QMalformed}
	}
	id, _ := skd.ParseMechanism(mech.Name)
	q := mech.Q
	switch {
	case err == sip.ErrBadQValue:
		q = skd.QMalformed
	case q < 0:
		q = skd.QAbsent
	}
	return skd.Offer{Mech: id, Q: q}
}

// secondRegister checks the echo of the proxy's choice and the repeated offer
// (RFC 3329 §2.3.1 bidding-down protection) before forwarding.
func (w *Worker) secondRegister(src netip.AddrPort, out []byte, offered [][]byte) (edits, []byte) {
	callID, _ := w.msg.Get(sip.HdrCallID)
	p, s := w.h.pending.lookup(callID, w.now)
	if p == nil || p.state < stateChallenged {
		s.mu.Unlock()
		w.logRefused(ReasonNoAgreement)
		return edits{}, w.refuse494(out, src, ReasonNoAgreement)
	}

	reason := ReasonNone
	if !w.verifyEchoes(p) {
		reason = ReasonVerifyMismatch
	} else if !p.sameOffer(offered) {
		reason = ReasonClientMismatch
	} else if p.identity.set(w.identity()) != nil || !w.answeredNonce(p) {
		reason = ReasonFieldTooLong
	}
	if reason != ReasonNone {
		s.remove(p)
		s.mu.Unlock()
		w.logRefused(reason)
		return edits{}, w.refuse494(out, src, reason)
	}
	if p.state < stateVerified {
		p.state = stateVerified
	}
	wrap := p.mech.Wrap()
	s.mu.Unlock()
	return edits{stripSecAgree: true, path: true, wrap: wrap}, nil
}

// answeredNonce records the nonce the terminal's Authorization answers, when
// it names one: with several challenges in flight (a retransmitted first
// REGISTER challenged twice) it is the one the softswitch's 200 and the
// wrapped keys are bound to. The unwrap checks it, so a terminal naming
// another nonce only fails its own registration. It reports false when the
// nonce does not fit.
func (w *Worker) answeredNonce(p *pending) bool {
	v, ok := w.msg.Get(sip.HdrAuthorization)
	if !ok {
		if v, ok = w.msg.Get(sip.HdrProxyAuthorization); !ok {
			return true
		}
	}
	n, ok := sip.AuthParam(v, "nonce")
	if !ok || len(n) == 0 {
		return true
	}
	return p.nonce.set(n) == nil
}

// verifyEchoes reports whether Security-Verify is exactly the one entry the
// proxy sent in Security-Server.
func (w *Worker) verifyEchoes(p *pending) bool {
	it := w.msg.List(sip.HdrSecurityVerify)
	first, ok := it.Next()
	if !ok || string(first) != string(p.chosenEntry()) {
		return false
	}
	_, more := it.Next()
	return !more && it.Err() == nil
}

// identity is the digest username the softswitch will name to the AC: the
// Authorization username, or the To URI's user part without one.
func (w *Worker) identity() []byte {
	if v, ok := w.msg.Get(sip.HdrAuthorization); ok {
		if u, ok := sip.AuthParam(v, "username"); ok {
			return u
		}
	}
	to, _ := w.msg.Get(sip.HdrTo)
	u, err := sip.ParseURI(sip.NameAddrURI(to))
	if err != nil {
		return nil
	}
	return u.User
}

// collect gathers the trimmed elements of every header with id into dst;
// false when there are more than skd.MaxOffered or the list is malformed.
func (w *Worker) collect(id sip.HeaderID, dst [][]byte) ([][]byte, bool) {
	it := w.msg.List(id)
	for {
		e, ok := it.Next()
		if !ok {
			break
		}
		if len(dst) == cap(dst) {
			return dst, false
		}
		dst = append(dst, e)
	}
	return dst, it.Err() == nil
}
