package proxy

import (
	"encoding/hex"
	"net/netip"
	"strconv"
	"sync"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// h248Seq is the SequenceNum of the registration success, the first message
// under a new session key (PROTOCOL.md §11.5).
const h248Seq = 1

var statusModify = []byte("Modify")

// h248Keys opens the proxy's copy of SK in the success Modify that rides
// with the MGC's Reply to a checked Notify, stores SK, strips the proxy's
// copy and puts the MAC into the authentication header (§11.5). A non-zero
// Reason fails the registration closed.
func (w *Worker) h248Keys(rp mgcReply) Reason {
	hw := w.hw
	p, s := w.h.pending.lookup(hw.regKeyFor(rp.e.mg), w.now)
	defer s.mu.Unlock()
	if replyError(rp.tx) {
		if p != nil {
			s.remove(p)
			w.h.count(ReasonH248Rejected)
		}
		if hw.msg.Root().FindParam(pkgSKD, "proxy").Valid() {
			return ReasonH248KeyDistNoAgreement
		}
		return ReasonNone
	}
	if p == nil || p.state < stateVerified {
		if p != nil {
			s.remove(p)
		}
		return ReasonH248KeyDistNoAgreement
	}
	r := w.h248OpenAndSign(p)
	if r != ReasonNone {
		s.remove(p)
		return r
	}
	p.state, p.deadline = stateDone, w.now+doneTTL
	s.releaseSource(p)
	w.h.ctr.h248Registered.Add(1)
	w.logH248("registered", rp.e.mg, p, 0, ReasonNone)
	return ReasonNone
}

// skdValues are the key-distribution values of a success Modify.
type skdValues struct {
	tx                     h248.Node // the MGC's Transaction holding the Modify
	term, proxy, kid, wrap []byte
}

// h248Values reads skd/term, skd/proxy, skd/kid and skd/wrap: each exactly
// once, in the TerminationState of one Modify on ROOT.
func (w *Worker) h248Values() (skdValues, Reason) {
	tx, term := w.findMGCCommand("term")
	if !term.Valid() {
		return skdValues{}, ReasonH248KeyDistMissing
	}
	ts := term.Parent()
	v := skdValues{tx: tx}
	for _, f := range [...]struct {
		name string
		dst  *[]byte
	}{{"term", &v.term}, {"proxy", &v.proxy}, {"kid", &v.kid}, {"wrap", &v.wrap}} {
		n := ts.FindParam(pkgSKD, f.name)
		if !n.Valid() {
			return v, ReasonH248KeyDistMissing
		}
		if n.FindNext(ts).Valid() || n.Op() != '=' {
			return v, ReasonH248KeyDistMalformed
		}
		*f.dst = n.Value()
	}
	if len(v.term) > maxBlobB64 || len(v.proxy) > maxBlobB64 || len(v.kid) == 0 ||
		len(v.kid) > maxKID {
		return v, ReasonH248KeyDistMalformed
	}
	return v, ReasonNone
}

// h248OpenAndSign does the cryptographic part of h248Keys.
func (w *Worker) h248OpenAndSign(p *pending) Reason {
	v, r := w.h248Values()
	if r != ReasonNone {
		return r
	}
	sk, r := w.openGatewayCopy(p, v.wrap, v.term, v.kid, v.proxy, h248KeyReasons)
	if r != ReasonNone {
		return r
	}
	defer clear(w.sk[:])
	spi, r := w.h248Sign(p, sk, &v)
	if r != ReasonNone {
		return r
	}
	if r := w.h248StripProxyCopy(); r != ReasonNone {
		return r
	}
	return w.h248Store(p, sk, spi)
}

// keyReasons are a gateway protocol's names for the ways opening the
// proxy's copy of SK fails.
type keyReasons struct{ malformed, unknownKID, unwrap Reason }

var h248KeyReasons = keyReasons{ReasonH248KeyDistMalformed, ReasonH248UnknownKID,
	ReasonH248Unwrap}

// openGatewayCopy checks the wrap algorithm (the agreement's) and the
// terminal's blob (its shape: it is relayed and MACed), then opens the
// proxy's copy under Ksp[kid]. The key aliases w.sk; the caller clears it.
func (w *Worker) openGatewayCopy(p *pending, wrap, term, kid, proxyB64 []byte,
	rs keyReasons) ([]byte, Reason) {
	alg, ok := skd.ParseWrapAlg(wrap)
	if !ok || alg != p.mech.Wrap() || !w.validBlob(term, alg) {
		return nil, rs.malformed
	}
	sk, r := w.openProxyCopy(p, alg, kid, proxyB64)
	switch r {
	case ReasonNone:
		return sk, ReasonNone
	case ReasonUnknownKID:
		return nil, rs.unknownKID
	case ReasonUnwrap:
		return nil, rs.unwrap
	}
	return nil, rs.malformed
}

// h248Sign computes the MAC over the §5.5 input with the §11.5 fields and
// sets the authentication header; it returns SK's SPI, derived once here.
func (w *Worker) h248Sign(p *pending, sk []byte, v *skdValues) (uint32, Reason) {
	hw := w.hw
	spi, err := w.macer.H248SPI(sk)
	if err != nil {
		return 0, ReasonH248MAC
	}
	seq := appendSPISeq(hw.seq[:0], spi, h248Seq)
	f := skd.RegFields{
		Protocol: "h248",
		Status:   statusModify,
		TxnID:    strconv.AppendUint(hw.txnID[:0], uint64(v.tx.ID()), 10),
		Seq:      seq,
		FromTag:  p.identity.bytes(),
		ToTag:    hw.msg.Header().MID,
		Terminal: v.term,
		Wrap:     v.wrap,
	}
	tag, ok := w.pendingMAC(p, sk, &f)
	if !ok {
		return 0, ReasonH248MAC
	}
	hw.auth = appendAuthHeader(hw.auth[:0], spi, h248Seq, hw.hexTag[:hex.Encode(hw.hexTag[:], tag)])
	if hw.ed.SetAuth(hw.auth) != nil {
		return 0, ReasonH248MAC
	}
	return spi, ReasonNone
}

// appendSPISeq writes "0x<SPI>:0x<SeqNum>", eight lower-case hex digits each.
func appendSPISeq(dst []byte, spi, seq uint32) []byte {
	const digits = "0123456789abcdef"
	for i, v := range [2]uint32{spi, seq} {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, "0x"...)
		for shift := 28; shift >= 0; shift -= 4 {
			dst = append(dst, digits[v>>uint(shift)&0xF])
		}
	}
	return dst
}

// h248StripProxyCopy removes every skd/proxy and skd/kid of the message: the
// gateway gets its own copy only.
func (w *Worker) h248StripProxyCopy() Reason {
	root := w.hw.msg.Root()
	for _, name := range [...]string{"proxy", "kid"} {
		for n := root.FindParam(pkgSKD, name); n.Valid(); n = n.FindNext(root) {
			if err := w.hw.ed.Remove(n); err != nil {
				return editReason(err)
			}
		}
	}
	return ReasonNone
}

// h248Store keeps SK under "h248:"+identity and remembers which gateway
// address holds it, with its SPI, for the deregistration and the words.
func (w *Worker) h248Store(p *pending, sk []byte, spi uint32) Reason {
	hw := w.hw
	key := append(hw.sessKey[:0], h248SessionPrefix...)
	key = append(key, p.identity.bytes()...)
	if !w.storeGatewaySession(w.h.h248.mgs, key, hw.mg, p, sk, spi, h248Seq) {
		return ReasonH248SessionFull
	}
	return ReasonNone
}

// storeGatewaySession keeps SK under key (the protocol's prefix and the
// identity) for h248SessionTTL and records in mgs that gw holds it, with
// SK's H.248 SPI (0 for MGCP, whose words name no SPI); false when either
// table is full. outSeq is the last p2t word number the
// registration itself used (§13.1: 1 for H.248, whose success carries
// SeqNum 1; 0 for MGCP).
func (w *Worker) storeGatewaySession(mgs *mgTable, key []byte, gw netip.AddrPort, p *pending,
	sk []byte, spi, outSeq uint32) bool {
	if !mgs.put(gw, p.identity.bytes(), spi, w.now+h248SessionTTL) {
		return false
	}
	sess := keystore.Session{Mech: p.mech, Expires: w.now + h248SessionTTL, OutSeq: outSeq}
	copy(sess.SK[:], sk)
	// The word key is derived once here, not for every word (§13.1).
	_, err := w.macer.WordKey(sess.WordKey[:0], p.mech, sk)
	if err == nil {
		err = w.h.sessions.Put(key, &sess)
	}
	clear(sess.SK[:])
	clear(sess.WordKey[:])
	if err != nil {
		mgs.take(gw, nil)
		return false
	}
	return true
}

// dropGatewaySession removes the session key gw holds (found in mgs, its
// session-table key built in buf behind prefix); false when it holds none.
func (w *Worker) dropGatewaySession(mgs *mgTable, buf []byte, prefix string,
	gw netip.AddrPort) bool {
	key, ok := mgs.take(gw, append(buf, prefix...))
	if !ok {
		return false
	}
	w.h.sessions.Delete(key)
	return true
}

// mgTable remembers which identity each registered gateway address holds a
// session key for, so that a ServiceChange Forced or Graceful, which names
// no identity, can end it. Bounded by the session capacity; entries expire
// with the session.
//
// Limitation: it is keyed by the gateway's address and port; a gateway that
// comes back from another address (NAT rebinding) cannot end its old
// session by ServiceChange, which then lives out its 3600 s.
type mgTable struct {
	mu       sync.Mutex
	m        map[netip.AddrPort]*mgReg
	free     []*mgReg
	capacity int
}

type mgReg struct {
	identity field
	spi      uint32 // the H.248 SPI of the session key, kept for the words (§13.3)
	expires  int64
}

// mgTableHint bounds the map's preallocation; it grows past it on demand.
const mgTableHint = 1024

func newMGTable(capacity int) *mgTable {
	return &mgTable{m: make(map[netip.AddrPort]*mgReg, min(capacity, mgTableHint)),
		capacity: capacity}
}

// put records identity for mg; false when the table is full of live entries.
func (t *mgTable) put(mg netip.AddrPort, identity []byte, spi uint32, expires int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.m[mg]
	if r == nil {
		if len(t.m) >= t.capacity && t.sweepLocked(expires-h248SessionTTL) == 0 {
			return false
		}
		if n := len(t.free); n > 0 {
			r, t.free = t.free[n-1], t.free[:n-1]
		} else {
			r = new(mgReg)
		}
		t.m[mg] = r
	}
	_ = r.identity.set(identity)
	r.spi, r.expires = spi, expires
	return true
}

// get appends the identity mg holds a live session for to dst, and returns
// the session key's H.248 SPI.
func (t *mgTable) get(mg netip.AddrPort, dst []byte, now int64) ([]byte, uint32, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.m[mg]
	if r == nil || r.expires <= now {
		return dst, 0, false
	}
	return append(dst, r.identity.bytes()...), r.spi, true
}

// live reports whether mg holds a live session.
func (t *mgTable) live(mg netip.AddrPort, now int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.m[mg]
	return r != nil && r.expires > now
}

// take removes mg's entry and appends its identity to dst.
func (t *mgTable) take(mg netip.AddrPort, dst []byte) ([]byte, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.m[mg]
	if r == nil {
		return dst, false
	}
	dst = append(dst, r.identity.bytes()...)
	delete(t.m, mg)
	t.free = append(t.free, r)
	return dst, true
}

func (t *mgTable) sweep(now int64) {
	t.mu.Lock()
	t.sweepLocked(now)
	t.mu.Unlock()
}

func (t *mgTable) sweepLocked(now int64) int {
	n := 0
	for mg, r := range t.m {
		if r.expires <= now {
			delete(t.m, mg)
			t.free = append(t.free, r)
			n++
		}
	}
	return n
}
