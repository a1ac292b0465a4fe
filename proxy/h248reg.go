package proxy

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Names of the skd values (PROTOCOL.md §11.1).
const (
	extIdentity = "X-SKDID"
	extOffer    = "X-SKDOF"
	extProxy    = "X-SKDPX"
	pkgSKD      = "skd"
)

// h248SessionPrefix prefixes a gateway's identity in the session table, so
// H.248 identities and SIP addresses of record never meet.
const h248SessionPrefix = "h248:"

// h248SessionTTL is how long a gateway's session key lives: H.248 has no
// registration expiry (PROTOCOL.md §11.7).
const h248SessionTTL = int64(3600e9)

// regKeyFor writes the pending-table key of a gateway's registration: its
// address and port in binary behind a prefix no SIP Call-ID can have.
func (hw *h248Worker) regKeyFor(mg netip.AddrPort) []byte {
	return appendGatewayKey(hw.regKey[:0], "h248\x00", mg)
}

// appendGatewayKey appends a gateway's pending-table key: its address and
// port in binary behind prefix, which names the protocol and holds a NUL,
// so no SIP Call-ID can equal it.
func appendGatewayKey(dst []byte, prefix string, gw netip.AddrPort) []byte {
	dst = append(dst, prefix...)
	a := gw.Addr().Unmap().As16()
	dst = append(dst, a[:]...)
	return binary.BigEndian.AppendUint16(dst, gw.Port())
}

// h248ServiceChange handles a ServiceChange on ROOT from a gateway (§11.2,
// §11.7): an offer starts a registration, Forced or Graceful ends one. A
// gateway's own X-SKDPX never reaches the MGC: only the proxy names itself.
func (w *Worker) h248ServiceChange(src netip.AddrPort, cmd h248.Node, known bool) outcome {
	hw := w.hw
	svc := cmd.Child(h248.TokServices)
	if !svc.Valid() {
		return outcome{}
	}
	var offer, ident h248.Node
	dup := false
	for p := svc.FirstChild(); p.Valid(); p = p.Next() {
		if !p.IsExtension() {
			continue
		}
		switch name := p.Name(); {
		case equalFold(name, []byte(extProxy)):
			if err := hw.ed.Remove(p); err != nil {
				return outcome{r: editReason(err)}
			}
		case equalFold(name, []byte(extOffer)):
			dup = dup || offer.Valid()
			offer = p
			if err := hw.ed.Remove(p); err != nil {
				return outcome{r: editReason(err)}
			}
		case equalFold(name, []byte(extIdentity)):
			dup = dup || ident.Valid()
			ident = p
		}
	}
	switch h248.LookupToken(svc.Child(h248.TokMethod).Value()) {
	case h248.TokForced, h248.TokGraceful:
		return outcome{kind: txnDereg}
	}
	if !offer.Valid() {
		return outcome{}
	}
	entries, ok := splitOffer(offer.Value(), hw.list[:0])
	id := ident.Value()
	if !ok || dup || len(id) == 0 || len(id) > maxField {
		return outcome{code: 402, r: ReasonH248BadOffer}
	}
	offers := hw.offers[:len(entries)]
	for i, e := range entries {
		offers[i] = toOffer(e)
	}
	idx := skd.Choose(offers, w.h.cfg.Mechanisms)
	if idx < 0 {
		return outcome{code: 402, r: ReasonH248NoMechanism}
	}
	mech, o := w.h248Offered(src, entries, id, idx, known)
	if o.code != 0 || o.r != ReasonNone {
		return o
	}
	return w.insertProxyName(svc, mech)
}

// h248Offered records a registration's offer (see recordOffer) and maps
// a refusal to its H.248 error.
func (w *Worker) h248Offered(src netip.AddrPort, entries [][]byte, id []byte, idx int,
	known bool) (skd.Mechanism, outcome) {
	mech, err := w.recordOffer(w.hw.regKeyFor(src), src, entries, id, idx, known)
	switch err {
	case nil:
		return mech, outcome{kind: txnRegister}
	case errPendingFull:
		return 0, outcome{code: 503, r: ReasonPendingFull}
	case errSourceBusy:
		return 0, outcome{code: 503, r: ReasonSourceLimit}
	default:
		return 0, outcome{code: 402, r: ReasonH248BadOffer}
	}
}

// recordOffer records a gateway registration's offer under key, or finds
// it again for a retransmitted registration request (known: same gateway,
// same transaction id; same offer and identity, whatever the registration's
// state) so that a retransmission after the challenge, or after the
// success, keeps the nonce and the agreement. It returns the chosen
// mechanism, or errPendingFull, errSourceBusy or errFieldTooLong.
func (w *Worker) recordOffer(key []byte, src netip.AddrPort, entries [][]byte, id []byte,
	idx int, known bool) (skd.Mechanism, error) {
	if known {
		p, s := w.h.pending.lookup(key, w.now)
		if p != nil && p.sameOffer(entries) &&
			bytes.Equal(p.identity.bytes(), id) {
			mech := p.mech
			s.mu.Unlock()
			return mech, nil
		}
		s.mu.Unlock()
	}
	p, s, err := w.h.pending.create(key, src.Addr(), w.now, w.now+int64(w.h.cfg.PendingTTL))
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if p.setOffer(entries) != nil || p.identity.set(id) != nil {
		s.remove(p)
		return 0, errFieldTooLong
	}
	mech := toOffer(entries[idx]).Mech
	p.chosen, p.mech, p.state = uint8(idx), mech, stateOffered
	w.h.ctr.chosenByMech[mech].Add(1)
	return mech, nil
}

// insertProxyName adds X-SKDPX = "<proxy id>;wrap=<alg>" to the Services.
func (w *Worker) insertProxyName(svc h248.Node, mech skd.Mechanism) outcome {
	hw := w.hw
	px := append(hw.px[:0], extProxy+` = "`...)
	px = append(px, w.h.cfg.ProxyID...)
	px = append(px, ";wrap="...)
	px = append(px, mech.Wrap().String()...)
	hw.px = append(px, '"')
	if err := hw.ed.Insert(svc, hw.px); err != nil {
		return outcome{r: editReason(err)}
	}
	return outcome{kind: txnRegister}
}

// splitOffer splits a mechanism offer at its commas into dst, each entry
// trimmed of SP and HTAB; false for an empty entry or more than
// skd.MaxOffered.
func splitOffer(v []byte, dst [][]byte) ([][]byte, bool) {
	for len(v) > 0 || len(dst) == 0 {
		i := bytes.IndexByte(v, ',')
		e := v
		if i >= 0 {
			e, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		e = trimSP(e)
		if len(e) == 0 || len(dst) == cap(dst) {
			return dst, false
		}
		dst = append(dst, e)
		if i >= 0 && len(v) == 0 {
			return dst, false // a trailing comma
		}
	}
	return dst, true
}

// trimSP removes leading and trailing SP and HTAB.
func trimSP(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// h248Notify checks the echo of the proxy's choice and the repeated offer in
// a gateway's skd/auth Notify (§11.4) and strips them. A Notify without
// them is relayed: the key distribution that would follow fails closed.
func (w *Worker) h248Notify(src netip.AddrPort, cmd h248.Node) outcome {
	hw := w.hw
	ev := cmd.FindParam(pkgSKD, "auth")
	if !ev.Valid() {
		return outcome{}
	}
	var verify, offer h248.Node
	dup := false
	for p := ev.FirstChild(); p.Valid(); p = p.Next() {
		var slot *h248.Node
		switch {
		case equalFold(p.Name(), []byte("verify")):
			slot = &verify
		case equalFold(p.Name(), []byte("offer")):
			slot = &offer
		default:
			continue
		}
		dup = dup || slot.Valid()
		*slot = p
		if err := hw.ed.Remove(p); err != nil {
			return outcome{r: editReason(err)}
		}
	}
	if !verify.Valid() && !offer.Valid() {
		return outcome{}
	}
	p, s := w.h.pending.lookup(hw.regKeyFor(src), w.now)
	defer s.mu.Unlock()
	if p == nil || p.state < stateChallenged {
		return outcome{code: 402, r: ReasonH248NoAgreement}
	}
	r := ReasonNone
	entries, ok := splitOffer(offer.Value(), hw.list[:0])
	switch {
	case dup || !bytes.Equal(trimSP(verify.Value()), p.chosenEntry()):
		r = ReasonH248VerifyMismatch
	case !ok || !p.sameOffer(entries):
		r = ReasonH248OfferMismatch
	}
	if r != ReasonNone {
		s.remove(p)
		return outcome{code: 402, r: r}
	}
	if p.state < stateVerified {
		p.state = stateVerified
	}
	return outcome{kind: txnNotify}
}

// mgcReply is a Reply of the MGC's message that answers a registration step.
type mgcReply struct {
	e  txnEntry
	tx h248.Node
}

// h248FromMGC routes an MGC message to the gateway whose transactions its
// Replies and Pendings answer, restoring the gateway's ids (§11.6), and runs
// the registration steps the Replies call for (§11.3, §11.5, §11.7).
//
// Limitation: a message from the MGC without a Reply or Pending (a command
// the MGC starts, a TransactionResponseAck) names no gateway and is dropped
// as h248_unroutable; carrying calls the MGC starts would need a socket per
// gateway on the MGC side.
func (w *Worker) h248FromMGC(out []byte) ([]byte, netip.AddrPort, bool) {
	hw := w.hw
	var mg netip.AddrPort
	var regs [4]mgcReply
	var first txnEntry
	nRegs, worded := 0, false
	for tx := hw.msg.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		tok := tx.Token()
		if tok != h248.TokReply && tok != h248.TokPending {
			continue
		}
		e, ok := w.h.h248.txns.resolve(tx.ID(), w.now)
		if !ok || mg.IsValid() && e.mg != mg {
			return w.drop(ReasonH248Unroutable)
		}
		if !mg.IsValid() {
			first = e
		}
		mg = e.mg
		worded = worded || e.worded && tok == h248.TokReply && !replyError(tx)
		if o := w.setTxnID(tx, e.mgID); o.r != ReasonNone {
			return w.drop(o.r)
		}
		if tok == h248.TokReply && e.kind != txnPlain && nRegs < len(regs) {
			regs[nRegs] = mgcReply{e: e, tx: tx}
			nRegs++
		}
	}
	if !mg.IsValid() {
		return w.drop(ReasonH248Unroutable)
	}
	hw.mg = mg
	keys := false
	for _, rp := range regs[:nRegs] {
		var r Reason
		switch rp.e.kind {
		case txnRegister:
			r = w.h248Challenge(rp)
		case txnNotify:
			keys = true
			r = w.h248Keys(rp)
		case txnDereg:
			w.h248Dereg(rp)
		}
		if r != ReasonNone {
			return w.h248FailClosed(out, rp.e, r)
		}
	}
	if !keys && hw.msg.Root().FindParam(pkgSKD, "proxy").Valid() {
		// A proxy copy of a key never passes through unopened.
		return w.h248FailClosed(out, first, ReasonH248KeyDistNoAgreement)
	}
	if worded && !keys {
		// A success answering a worded request gets a p2t word (§13.2); a
		// registration success carries its own MAC in the header instead.
		return w.h248ForwardWorded(out, mg)
	}
	return w.h248Forward(out, mg)
}

// h248FailClosed answers the gateway's registration transaction with Error
// 500 in place of the MGC's message, which goes no further (§11.5).
func (w *Worker) h248FailClosed(out []byte, e txnEntry, r Reason) ([]byte, netip.AddrPort, bool) {
	w.h.count(r)
	w.logH248("registration failed", e.mg, nil, 500, r)
	out = w.appendH248Header(out[:0])
	out = appendErrorReply(out, e.mgID, 500, w.h248ErrorText(r))
	return w.localH248(out, e.mg)
}

// replyError reports whether a Reply carries an Error: the MGC refused.
func replyError(tx h248.Node) bool { return tx.Find(h248.TokError).Valid() }

// findMGCCommand returns the first value named skd/name in a Modify on ROOT
// of the MGC's own Transactions.
func (w *Worker) findMGCCommand(name string) (h248.Node, h248.Node) {
	for tx := w.hw.msg.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		if tx.Token() != h248.TokTransaction {
			continue
		}
		for ctx := tx.FirstChild(); ctx.Valid(); ctx = ctx.Next() {
			for cmd := ctx.FirstChild(); cmd.Valid(); cmd = cmd.Next() {
				if cmd.Token() != h248.TokModify || !isRoot(cmd) {
					continue
				}
				if v := cmd.FindParam(pkgSKD, name); v.Valid() {
					return tx, v
				}
			}
		}
	}
	return h248.Node{}, h248.Node{}
}

// h248Challenge records the realm and nonce of the challenge that rides with
// the Reply to a registration ServiceChange, and adds the proxy's choice as
// skd/server (§11.3). A challenge the proxy cannot record fails closed.
func (w *Worker) h248Challenge(rp mgcReply) Reason {
	hw := w.hw
	p, s := w.h.pending.lookup(hw.regKeyFor(rp.e.mg), w.now)
	defer s.mu.Unlock()
	if p == nil {
		return ReasonNone
	}
	if replyError(rp.tx) {
		s.remove(p)
		w.h.count(ReasonH248Rejected)
		return ReasonNone
	}
	_, nonce := w.findMGCCommand("nonce")
	if !nonce.Valid() {
		return ReasonNone
	}
	ts := nonce.Parent()
	if p.state < stateVerified {
		realm := ts.FindParam(pkgSKD, "realm")
		if len(nonce.Value()) == 0 || p.nonce.set(nonce.Value()) != nil ||
			p.realm.set(realm.Value()) != nil {
			s.remove(p)
			return ReasonH248ChallengeBad
		}
		p.state = max(p.state, stateChallenged)
	}
	for old := ts.FindParam(pkgSKD, "server"); old.Valid(); old = old.FindNext(ts) {
		if err := hw.ed.Remove(old); err != nil {
			return ReasonH248ChallengeBad
		}
	}
	item := append(hw.server[:0], "skd/server = "...)
	item, err := h248.AppendQuoted(item, p.chosenEntry())
	hw.server = item
	if err != nil || hw.ed.Insert(ts, hw.server) != nil {
		return ReasonH248ChallengeBad
	}
	return ReasonNone
}

// h248Dereg removes a gateway's session key once the MGC accepted its
// ServiceChange Forced or Graceful (§11.7).
func (w *Worker) h248Dereg(rp mgcReply) {
	if replyError(rp.tx) {
		return
	}
	if !w.dropGatewaySession(w.h.h248.mgs, w.hw.sessKey[:0], h248SessionPrefix, rp.e.mg) {
		return
	}
	w.h.ctr.h248Deregistered.Add(1)
	w.logH248("deregistered", rp.e.mg, nil, 0, ReasonNone)
}
