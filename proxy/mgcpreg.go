package proxy

import (
	"bytes"
	"net/netip"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// regKeyFor writes the pending-table key of a gateway's MGCP registration.
//
// Limitation: registrations are keyed by the gateway's address and port, so
// one address runs one registration at a time: a second RSIP with an offer
// from it (another identity) replaces the first.
func (mw *mgcpWorker) regKeyFor(gw netip.AddrPort) []byte {
	return appendGatewayKey(mw.regKey[:0], "mgcp\x00", gw)
}

// extParams finds the extension parameter named name: its first index (-1
// when absent) and whether it is given more than once.
func extParams(m *mgcp.Message, name []byte) (first int, dup bool) {
	first = -1
	for i := range m.NumParams() {
		p := m.Param(i)
		if p.Code != mgcp.ParamExtension || !equalFold(p.Name, name) {
			continue
		}
		if first >= 0 {
			return first, true
		}
		first = i
	}
	return first, false
}

// removeParams removes every extension parameter named name and returns
// the index of the first (-1 when absent) and whether there were several.
func (mw *mgcpWorker) removeParams(name []byte) (first int, dup bool, r Reason) {
	first = -1
	m := &mw.msg
	for i := range m.NumParams() {
		p := m.Param(i)
		if p.Code != mgcp.ParamExtension || !equalFold(p.Name, name) {
			continue
		}
		dup = dup || first >= 0
		if first < 0 {
			first = i
		}
		if err := mw.ed.Remove(i); err != nil {
			return first, dup, mgcpEditReason(err)
		}
	}
	return first, dup, ReasonNone
}

// paramValue returns the value of parameter i, nil for -1.
func paramValue(m *mgcp.Message, i int) []byte {
	if i < 0 {
		return nil
	}
	return m.Param(i).Value
}

// mgcpRSIP handles a gateway's RSIP (§12.2 step 1, §12.4): an offer starts a
// registration, RM forced or graceful ends one, and every other RSIP
// teaches the proxy which gateway serves the endpoint's domain. A
// gateway's own X-SKDPX never reaches the call agent: only the proxy names
// itself.
func (w *Worker) mgcpRSIP(src netip.AddrPort, known bool) outcome {
	mw := w.mw
	m := &mw.msg
	if _, _, r := mw.removeParams(nameProxy); r != ReasonNone {
		return outcome{r: r}
	}
	offer, dupOffer, r := mw.removeParams(nameOffer)
	if r != ReasonNone {
		return outcome{r: r}
	}
	rm, _ := m.Value(mgcp.ParamRestartMethod)
	if equalFold(trimSP(rm), rmForced) || equalFold(trimSP(rm), rmGraceful) {
		return outcome{kind: txnDereg}
	}
	if offer < 0 {
		return w.learnDomain(src, outcome{})
	}
	ident, dupIdent := extParams(m, nameIdentity)
	entries, ok := splitOffer(paramValue(m, offer), mw.list[:0])
	id := paramValue(m, ident)
	if !ok || dupOffer || dupIdent || len(id) == 0 || len(id) > maxField {
		return outcome{code: 510, r: ReasonMGCPBadOffer}
	}
	offers := mw.offers[:len(entries)]
	for i, e := range entries {
		offers[i] = toOffer(e)
	}
	idx := skd.Choose(offers, w.h.cfg.Mechanisms)
	if idx < 0 {
		return outcome{code: 510, r: ReasonMGCPNoMechanism}
	}
	mech, err := w.recordOffer(mw.regKeyFor(src), src, entries, id, idx, known)
	switch err {
	case nil:
	case errPendingFull:
		return outcome{code: 409, r: ReasonMGCPPendingFull}
	case errSourceBusy:
		return outcome{code: 409, r: ReasonMGCPSourceLimit}
	default:
		return outcome{code: 510, r: ReasonMGCPBadOffer}
	}
	px := append(mw.px[:0], w.h.cfg.ProxyID...)
	px = append(px, ";wrap="...)
	mw.px = append(px, mech.Wrap().String()...)
	if err := mw.ed.Add(nameProxy, mw.px); err != nil {
		return outcome{r: mgcpEditReason(err)}
	}
	return w.learnDomain(src, outcome{kind: txnRegister})
}

var (
	rmForced   = []byte("forced")
	rmGraceful = []byte("graceful")
)

// learnDomain records that src serves the domain of the RSIP's endpoint,
// so that the call agent's commands for it find their way (§12.3), and
// returns o, or a 409 when the domain table is full.
//
// Limitation: the last gateway to send an RSIP for a domain gets the call
// agent's commands for it, whether or not it then registers; the call
// agent's own checks (and, once registered, the session key) are what
// stop a gateway that claims another's domain.
func (w *Worker) learnDomain(src netip.AddrPort, o outcome) outcome {
	mw := w.mw
	d := mw.lowerDomain(mw.msg.Domain())
	if !w.h.mgcp.domains.put(d, src, w.now+h248SessionTTL) {
		return outcome{code: 409, r: ReasonMGCPDomainTableFull}
	}
	return o
}

// lowerDomain copies a domain in lower case into the worker's scratch:
// domain names compare without regard to case.
func (mw *mgcpWorker) lowerDomain(d []byte) []byte {
	b := mw.domain[:copy(mw.domain[:], d)]
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// mgcpNTFY checks the echo of the proxy's choice and the repeated offer in
// a gateway's registration NTFY (§12.2 step 3) and strips them. A NTFY
// without them is relayed: the key distribution that would follow fails
// closed.
func (w *Worker) mgcpNTFY(src netip.AddrPort) outcome {
	mw := w.mw
	m := &mw.msg
	verify, dupVerify, r := mw.removeParams(nameVerify)
	if r != ReasonNone {
		return outcome{r: r}
	}
	offer, dupOffer, r := mw.removeParams(nameOffer)
	if r != ReasonNone {
		return outcome{r: r}
	}
	if verify < 0 && offer < 0 {
		return outcome{}
	}
	p, s := w.h.pending.lookup(mw.regKeyFor(src), w.now)
	defer s.mu.Unlock()
	if p == nil || p.state < stateChallenged {
		return outcome{code: 510, r: ReasonMGCPNoAgreement}
	}
	entries, ok := splitOffer(paramValue(m, offer), mw.list[:0])
	switch {
	case dupVerify || !bytes.Equal(trimSP(paramValue(m, verify)), p.chosenEntry()):
		r = ReasonMGCPVerifyMismatch
	case dupOffer || !ok || !p.sameOffer(entries):
		r = ReasonMGCPOfferMismatch
	}
	if r != ReasonNone {
		s.remove(p)
		return outcome{code: 510, r: r}
	}
	if p.state < stateVerified {
		p.state = stateVerified
	}
	return outcome{kind: txnNotify}
}

// mgcpFromCallAgent routes the call agent's datagram (§12.3): to the
// gateway whose commands its responses answer, the gateway's ids restored,
// or, when it holds only commands, to the gateway that registered their
// endpoints' domain. On the way it runs the registration steps the
// responses call for (§12.2 steps 2 and 4, §12.4).
func (w *Worker) mgcpFromCallAgent(pkt []byte, out []byte) ([]byte, netip.AddrPort, bool) {
	mw := w.mw
	n, r := w.mgcpRoute(pkt)
	if r != ReasonNone {
		return w.drop(r)
	}
	var reg, notify, first *mgcpResp
	for i := range mw.resp[:n] {
		rs := &mw.resp[i]
		if !rs.ok {
			continue
		}
		if first == nil {
			first = rs
		}
		switch w.mgcpAnswered(rs) {
		case txnRegister:
			reg = rs
		case txnNotify:
			notify = rs
		}
	}
	keys := false
	m := &mw.msg
	mw.dg.Reset(pkt)
	for i := 0; mw.dg.Next(m); i++ {
		mw.ed.Reset(m)
		if mw.eol == "" {
			mw.eol = m.LineEnd()
		}
		if rs := &mw.resp[i]; rs.ok {
			if err := mw.ed.SetTransactionID(rs.e.mgID); err != nil {
				return w.drop(mgcpEditReason(err))
			}
		}
		if m.Verb() == mgcp.VerbRQNT {
			done, fail, r := w.mgcpCallAgentRQNT(reg, notify)
			keys = keys || done
			if r != ReasonNone {
				return w.mgcpFailClosed(out, cmpResp(fail, first), r)
			}
		} else if kd, _ := extParams(m, nameKeyDist); kd >= 0 {
			// Keys ride in an RQNT only; a proxy copy never passes unopened.
			return w.mgcpFailClosed(out, first, ReasonMGCPKeyDistNoAgreement)
		}
		if rs := &mw.resp[i]; rs.ok && rs.e.worded && rs.code >= 200 && rs.code < 300 {
			// A success to a worded command gets a p2t word (§13.2).
			out, r = w.mgcpAppendWorded(out)
		} else {
			out, r = mw.appendMessage(out)
		}
		if r != ReasonNone {
			return w.drop(r)
		}
	}
	if notify != nil && !keys {
		return w.mgcpFailClosed(out, notify, ReasonMGCPKeyDistMissing)
	}
	return w.mgcpSend(out, mw.gw)
}

// cmpResp returns a, or b when a is nil.
func cmpResp(a, b *mgcpResp) *mgcpResp {
	if a != nil {
		return a
	}
	return b
}

// mgcpRoute reads the call agent's datagram once: it resolves every
// response (all must answer one gateway), finds the gateway of a datagram
// of commands by their domain, and returns the number of messages.
func (w *Worker) mgcpRoute(pkt []byte) (int, Reason) {
	mw := w.mw
	st := w.h.mgcp
	m := &mw.msg
	var byResp, byDomain netip.AddrPort
	domainOK := true
	n := 0
	mw.dg.Reset(pkt)
	for ; mw.dg.Next(m); n++ {
		rs := &mw.resp[n]
		*rs = mgcpResp{}
		switch {
		case m.IsCommand():
			if domainOK {
				gw, ok := st.domains.get(mw.lowerDomain(m.Domain()), w.now)
				domainOK = ok && (!byDomain.IsValid() || gw == byDomain)
				byDomain = gw
			}
		case m.IsResponseAck():
			// The call agent's own id: it rides along.
		default:
			e, ok := st.txns.resolve(m.TransactionID(), w.now)
			if !ok || byResp.IsValid() && e.mg != byResp {
				return n, ReasonMGCPUnroutable
			}
			byResp = e.mg
			*rs = mgcpResp{e: e, code: m.Code(), ok: true}
		}
	}
	switch {
	case mw.dg.Err() != nil:
		return n, ReasonMGCPMalformed
	case byResp.IsValid():
		mw.gw = byResp
	case domainOK && byDomain.IsValid():
		mw.gw = byDomain
	default:
		return n, ReasonMGCPUnroutable
	}
	return n, ReasonNone
}
