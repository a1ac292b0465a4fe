package proxy

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"sync"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

var statusRQNT = []byte("RQNT")

var mgcpKeyReasons = keyReasons{ReasonMGCPKeyDistMalformed, ReasonMGCPUnknownKID,
	ReasonMGCPUnwrap}

// mgcpAnswered runs what the call agent's final response to a gateway
// command means for its registration: a refusal ends it, a 2xx to an RSIP
// forced or graceful ends the session (§12.4). It returns the command's
// kind when a 2xx lets the registration go on (txnRegister, txnNotify).
func (w *Worker) mgcpAnswered(rs *mgcpResp) uint8 {
	switch {
	case rs.code < 200 || rs.e.kind == txnPlain:
		return txnPlain
	case rs.code >= 300:
		if rs.e.kind != txnDereg && w.h.pending.drop(w.mw.regKeyFor(rs.e.mg), w.now) {
			w.h.count(ReasonMGCPRejected)
			w.logGateway("mgcp", "gateway", "registration rejected", rs.e.mg, nil,
				rs.code, ReasonMGCPRejected)
		}
		return txnPlain
	case rs.e.kind == txnDereg:
		mw := w.mw
		if w.dropGatewaySession(w.h.mgcp.gws, mw.sessKey[:0], mgcpSessionPrefix, rs.e.mg) {
			w.h.ctr.mgcpDeregistered.Add(1)
			w.logGateway("mgcp", "gateway", "deregistered", rs.e.mg, nil, 0, ReasonNone)
		}
		return txnPlain
	}
	return rs.e.kind
}

// mgcpCallAgentRQNT runs the registration step of an RQNT from the call
// agent: the challenge that rides with the 2xx to a registration RSIP
// (reg), or the key distribution that rides with the 2xx to a checked
// NTFY (notify). keys reports a key distribution done; a Reason fails the
// registration closed, answering fail's command.
func (w *Worker) mgcpCallAgentRQNT(reg, notify *mgcpResp) (keys bool, fail *mgcpResp,
	r Reason) {
	m := &w.mw.msg
	if kd, _ := extParams(m, nameKeyDist); kd >= 0 {
		if notify == nil {
			// A proxy copy of a key never passes through unopened.
			return false, nil, ReasonMGCPKeyDistNoAgreement
		}
		return true, notify, w.mgcpKeys()
	}
	if ch, _ := extParams(m, nameChallenge); ch >= 0 && reg != nil {
		return false, reg, w.mgcpChallenge()
	}
	return false, nil, ReasonNone
}

// mgcpChallenge records the realm and nonce of X-SKDCH and puts the proxy's
// choice in X-SKDSV (§12.2 step 2). A challenge the proxy cannot record
// fails closed: without the nonce no MAC could be computed later.
func (w *Worker) mgcpChallenge() Reason {
	mw := w.mw
	m := &mw.msg
	p, s := w.h.pending.lookup(mw.regKeyFor(mw.gw), w.now)
	defer s.mu.Unlock()
	if p == nil {
		return ReasonNone
	}
	ch, dup := extParams(m, nameChallenge)
	if p.state < stateVerified {
		nonce, _ := sip.ListParam(paramValue(m, ch), "nonce")
		realm, _ := sip.ListParam(paramValue(m, ch), "realm")
		if dup || len(nonce) == 0 || p.nonce.set(nonce) != nil || p.realm.set(realm) != nil {
			s.remove(p)
			return ReasonMGCPChallengeBad
		}
		p.state = max(p.state, stateChallenged)
	}
	if _, _, r := mw.removeParams(nameServer); r != ReasonNone {
		return ReasonMGCPChallengeBad
	}
	mw.sv = append(mw.sv[:0], p.chosenEntry()...)
	if mw.ed.Add(nameServer, mw.sv) != nil {
		return ReasonMGCPChallengeBad
	}
	return ReasonNone
}

// mgcpKeys opens the proxy's copy of SK in the success RQNT, stores SK,
// and rewrites X-SKDKD with the MAC (§12.2 step 4). A non-zero Reason fails
// the registration closed.
func (w *Worker) mgcpKeys() Reason {
	mw := w.mw
	p, s := w.h.pending.lookup(mw.regKeyFor(mw.gw), w.now)
	defer s.mu.Unlock()
	if p == nil || p.state < stateVerified {
		if p != nil {
			s.remove(p)
		}
		return ReasonMGCPKeyDistNoAgreement
	}
	if r := w.mgcpOpenAndSign(p); r != ReasonNone {
		s.remove(p)
		return r
	}
	if p.state < stateDone {
		w.h.ctr.mgcpRegistered.Add(1)
		w.logGateway("mgcp", "gateway", "registered", mw.gw, p, 0, ReasonNone)
	}
	p.state, p.deadline = stateDone, w.now+doneTTL
	s.releaseSource(p)
	return ReasonNone
}

// kdValues are the values of X-SKDKD.
type kdValues struct {
	term, proxy, kid, wrap []byte
}

// mgcpKDValues reads X-SKDKD: given once, with all four values.
func (w *Worker) mgcpKDValues() (int, kdValues, Reason) {
	m := &w.mw.msg
	i, dup := extParams(m, nameKeyDist)
	if dup {
		return i, kdValues{}, ReasonMGCPKeyDistMalformed
	}
	kd := paramValue(m, i)
	var v kdValues
	var ok [4]bool
	v.term, ok[0] = sip.ListParam(kd, "terminal")
	v.proxy, ok[1] = sip.ListParam(kd, "proxy")
	v.kid, ok[2] = sip.ListParam(kd, "kid")
	v.wrap, ok[3] = sip.ListParam(kd, "wrap")
	if ok != [4]bool{true, true, true, true} {
		return i, v, ReasonMGCPKeyDistMissing
	}
	if len(v.term) > maxBlobB64 || len(v.proxy) > maxBlobB64 || len(v.kid) == 0 ||
		len(v.kid) > maxKID {
		return i, v, ReasonMGCPKeyDistMalformed
	}
	return i, v, ReasonNone
}

// mgcpOpenAndSign does the cryptographic part of mgcpKeys.
func (w *Worker) mgcpOpenAndSign(p *pending) Reason {
	mw := w.mw
	i, v, r := w.mgcpKDValues()
	if r != ReasonNone {
		return r
	}
	sk, r := w.openGatewayCopy(p, v.wrap, v.term, v.kid, v.proxy, mgcpKeyReasons)
	if r != ReasonNone {
		return r
	}
	defer clear(w.sk[:])
	f := skd.RegFields{
		Protocol: "mgcp",
		Status:   statusRQNT,
		TxnID:    strconv.AppendUint(mw.txnID[:0], uint64(mw.msg.TransactionID()), 10),
		Seq:      mw.msg.Endpoint(),
		FromTag:  p.identity.bytes(),
		Terminal: v.term,
		Wrap:     v.wrap,
	}
	tag, ok := w.pendingMAC(p, sk, &f)
	if !ok {
		return ReasonMGCPMAC
	}
	kd := append(mw.kd[:0], `terminal="`...)
	kd = append(kd, v.term...)
	kd = append(kd, `", wrap=`...)
	kd = append(kd, v.wrap...)
	kd = append(kd, `, mac="`...)
	kd = base64.StdEncoding.AppendEncode(kd, tag)
	mw.kd = append(kd, '"')
	if err := mw.ed.SetValue(i, mw.kd); err != nil {
		return ReasonMGCPKeyDistMalformed
	}
	key := append(mw.sessKey[:0], mgcpSessionPrefix...)
	key = append(key, p.identity.bytes()...)
	if !w.storeGatewaySession(w.h.mgcp.gws, key, mw.gw, p, sk, 0, 0) {
		return ReasonMGCPSessionFull
	}
	return ReasonNone
}

// mgcpFailClosed answers the gateway's command rs with 510 in place of the
// call agent's datagram, which goes no further (§12.2). Without a response
// to answer in place of, the datagram is dropped.
func (w *Worker) mgcpFailClosed(out []byte, rs *mgcpResp, r Reason) ([]byte, netip.AddrPort,
	bool) {
	if rs == nil {
		return w.drop(r)
	}
	w.h.count(r)
	w.logGateway("mgcp", "gateway", "registration failed", rs.e.mg, nil, 510, r)
	return w.mgcpLocal(w.appendMGCPError(out[:0], rs.e.mgID, 510, r), rs.e.mg)
}

// domainTable maps the endpoint domains gateways announced in RSIP to
// their addresses, for the call agent's commands (§12.3). Bounded by the
// session capacity; an entry lives h248SessionTTL after its last RSIP.
//
// Limitation: one lock for all event loops; lookups share it (read lock),
// RSIPs take it alone.
type domainTable struct {
	mu       sync.RWMutex
	m        map[string]*domainEntry
	capacity int
}

type domainEntry struct {
	gw      netip.AddrPort
	expires int64
}

func newDomainTable(capacity int) *domainTable {
	return &domainTable{m: make(map[string]*domainEntry, min(capacity, mgTableHint)),
		capacity: capacity}
}

// put records gw for domain; false when the table is full of live entries.
// Only a domain not yet known allocates.
func (t *domainTable) put(domain []byte, gw netip.AddrPort, expires int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.m[string(domain)]; e != nil {
		e.gw, e.expires = gw, expires
		return true
	}
	if len(t.m) >= t.capacity && t.sweepLocked(expires-h248SessionTTL) == 0 {
		return false
	}
	t.m[string(domain)] = &domainEntry{gw: gw, expires: expires}
	return true
}

// get returns the gateway serving domain.
func (t *domainTable) get(domain []byte, now int64) (netip.AddrPort, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e := t.m[string(domain)]
	if e == nil || e.expires < now {
		return netip.AddrPort{}, false
	}
	return e.gw, true
}

func (t *domainTable) sweep(now int64) {
	t.mu.Lock()
	t.sweepLocked(now)
	t.mu.Unlock()
}

func (t *domainTable) sweepLocked(now int64) int {
	n := 0
	for d, e := range t.m {
		if e.expires < now {
			delete(t.m, d)
			n++
		}
	}
	return n
}

func (t *domainTable) len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.m)
}
