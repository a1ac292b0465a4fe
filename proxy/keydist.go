package proxy

import (
	"bytes"
	"encoding/base64"
	"strconv"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Bounds on the Key-Distribution values the proxy reads. A wrapped 16-byte
// key is 44 or 48 bytes (64 base64 characters); anything larger is not ours.
const (
	maxBlobB64 = 128
	maxKID     = 64
	maxOpeners = 16 // live key ids cached per worker
)

var recipientProxy = []byte(skd.RecipientProxy)

// doneTTL keeps a finished registration so that a retransmitted second
// REGISTER, and the softswitch's retransmitted 200, are handled again the same
// way: 64*T1, the lifetime of a non-INVITE server transaction (RFC 3261 §17.2.2).
const doneTTL = 32e9

// registerResponse runs the registration steps for a response to REGISTER
// from the softswitch (PROTOCOL.md §5.2 and §5.4). A non-zero Reason means the
// response must not reach the terminal as it is: the registration fails closed.
func (w *Worker) registerResponse() (respEdits, Reason) {
	code := w.msg.StatusCode()
	callID, _ := w.msg.Get(sip.HdrCallID)
	switch {
	case code < 200:
		return respEdits{}, ReasonNone
	case code == 401 || code == 407:
		return w.challenged(callID, code)
	case code >= 300:
		if w.h.pending.drop(callID, w.now) {
			w.h.count(ReasonRejected)
			w.logOutcome("registration rejected", nil, ReasonRejected)
		}
		return respEdits{}, ReasonNone
	}

	p, s := w.h.pending.lookup(callID, w.now)
	if p == nil {
		s.mu.Unlock()
		return w.plainSuccess()
	}
	defer s.mu.Unlock()
	if p.state < stateVerified {
		s.remove(p)
		return respEdits{}, ReasonNoAgreement
	}
	ed, r := w.keyDistribution(p)
	if r != ReasonNone {
		s.remove(p)
		return ed, r
	}
	p.state, p.deadline = stateDone, w.now+doneTTL
	s.releaseSource(p)
	return ed, ReasonNone
}

// challenged records the challenge nonce and realm and adds the proxy's
// choice as Security-Server. A challenge the proxy cannot record fails the
// registration: without the nonce no MAC could be computed later.
func (w *Worker) challenged(callID []byte, code int) (respEdits, Reason) {
	p, s := w.h.pending.lookup(callID, w.now)
	defer s.mu.Unlock()
	if p == nil {
		return respEdits{}, ReasonNone
	}
	w.server = append(w.server[:0], p.chosenEntry()...)
	if p.state != stateOffered {
		// A later challenge: the softswitch answered a retransmitted first
		// REGISTER again, and its 401 may arrive after the second REGISTER.
		// It must not move the registration back; the nonce that counts is
		// the one the terminal answers (secondRegister takes it).
		return respEdits{securityServer: w.server}, ReasonNone
	}
	id := sip.HdrWWWAuthenticate
	if code == 407 {
		id = sip.HdrProxyAuthenticate
	}
	ch, _ := w.msg.Get(id)
	nonce, _ := sip.AuthParam(ch, "nonce")
	realm, _ := sip.AuthParam(ch, "realm")
	if len(nonce) == 0 || p.nonce.set(nonce) != nil || p.realm.set(realm) != nil {
		s.remove(p)
		return respEdits{}, ReasonFieldTooLong
	}
	p.state = stateChallenged
	return respEdits{securityServer: w.server}, ReasonNone
}

// plainSuccess handles a 2xx to a REGISTER the proxy holds no agreement for:
// a plain registration passes; keys without an agreement fail closed.
func (w *Worker) plainSuccess() (respEdits, Reason) {
	if w.msg.Index(sip.HdrKeyDistribution, 0) >= 0 {
		return respEdits{}, ReasonNoAgreement
	}
	if removesBindings(&w.msg) {
		w.deregister()
	}
	return respEdits{}, ReasonNone
}

// removesBindings reports a 200 to REGISTER that leaves the address of record
// without bindings: a zero lifetime, or no Contact listed at all (RFC 3261
// §10.3 step 8 lists every binding left; a registrar answering a removal
// lists none). No binding, no session key.
func removesBindings(m *sip.Message) bool {
	return registrationExpiry(m) == 0 || m.Index(sip.HdrContact, 0) < 0
}

// deregister removes the session key of the 200's address of record.
func (w *Worker) deregister() {
	to, _ := w.msg.Get(sip.HdrTo)
	w.h.sessions.Delete(sip.NameAddrURI(to))
	w.h.ctr.deregistered.Add(1)
	w.logOutcome("deregistered", nil, ReasonNone)
}

// keyDistribution opens the proxy's copy of SK, stores it, and rewrites the
// Key-Distribution header with the MAC (PROTOCOL.md §5.4, §5.5).
func (w *Worker) keyDistribution(p *pending) (respEdits, Reason) {
	m := &w.msg
	if n := m.Count(sip.HdrKeyDistribution); n != 1 {
		if n == 0 && removesBindings(m) {
			w.deregister() // a removal carries no key
			return respEdits{}, ReasonNone
		}
		if n == 0 {
			return respEdits{}, ReasonKeyDistMissing
		}
		return respEdits{}, ReasonKeyDistMalformed
	}
	kd, _ := m.Get(sip.HdrKeyDistribution)
	terminal, ok1 := sip.ListParam(kd, "terminal")
	proxyB64, ok2 := sip.ListParam(kd, "proxy")
	kid, ok3 := sip.ListParam(kd, "kid")
	wrapName, ok4 := sip.ListParam(kd, "wrap")
	if !ok1 || !ok2 || !ok3 || !ok4 || len(terminal) > maxBlobB64 ||
		len(proxyB64) > maxBlobB64 || len(kid) == 0 || len(kid) > maxKID {
		return respEdits{}, ReasonKeyDistMalformed
	}
	alg, ok := skd.ParseWrapAlg(wrapName)
	if !ok || alg != p.mech.Wrap() || !w.validBlob(terminal, alg) {
		return respEdits{}, ReasonKeyDistMalformed
	}

	sk, r := w.openProxyCopy(p, alg, kid, proxyB64)
	if r != ReasonNone {
		return respEdits{}, r
	}
	defer clear(w.sk[:])
	tag, r := w.regMAC(p, sk, terminal, wrapName)
	if r != ReasonNone {
		return respEdits{}, r
	}
	if r := w.storeSession(p, sk); r != ReasonNone {
		return respEdits{}, r
	}

	line := append(w.kdLine[:0], "Key-Distribution: terminal=\""...)
	line = append(line, terminal...)
	line = append(line, "\", wrap="...)
	line = append(line, wrapName...)
	line = append(line, ", mac=\""...)
	line = base64.StdEncoding.AppendEncode(line, tag)
	w.kdLine = append(line, "\"\r\n"...)

	w.h.ctr.registered.Add(1)
	w.logOutcome("registered", p, ReasonNone)
	return respEdits{keyDist: w.kdLine}, ReasonNone
}

// validBlob reports whether b64 is a wrapped key of alg's size; the terminal's
// copy is relayed and MACed, so it must at least have the right shape.
func (w *Worker) validBlob(b64 []byte, alg skd.WrapAlg) bool {
	if base64.StdEncoding.DecodedLen(len(b64)) > len(w.blob) {
		return false
	}
	n, err := base64.StdEncoding.Decode(w.blob[:], b64)
	return err == nil && n == alg.BlobSize()
}

// openProxyCopy decodes and opens the proxy's copy of SK under Ksp[kid].
func (w *Worker) openProxyCopy(p *pending, alg skd.WrapAlg, kid, b64 []byte) ([]byte, Reason) {
	if base64.StdEncoding.DecodedLen(len(b64)) > len(w.blob) {
		return nil, ReasonKeyDistMalformed
	}
	n, err := base64.StdEncoding.Decode(w.blob[:], b64)
	if err != nil {
		return nil, ReasonKeyDistMalformed
	}
	kek, err := w.h.cfg.Keyring.KEK(kid)
	if err != nil {
		return nil, ReasonUnknownKID
	}
	op, err := w.opener(kid, kek)
	if err != nil {
		return nil, ReasonUnwrap
	}
	ad := skd.WrapAD{
		Recipient: recipientProxy,
		Identity:  p.identity.bytes(),
		Realm:     p.realm.bytes(),
		Nonce:     p.nonce.bytes(),
		KID:       kid,
	}
	sk, err := op.Open(w.sk[:0], alg, &ad, w.blob[:n])
	if err != nil || len(sk) != skd.SessionKeySize {
		return nil, ReasonUnwrap
	}
	return sk, ReasonNone
}

// regMAC computes the verification word over the canonical input.
func (w *Worker) regMAC(p *pending, sk, terminal, wrapName []byte) ([]byte, Reason) {
	m := &w.msg
	callID, _ := m.Get(sip.HdrCallID)
	num, method := m.CSeq()

	seq := strconv.AppendUint(w.seq[:0], uint64(num), 10)
	seq = append(seq, ' ')
	seq = append(seq, method...)
	status := appendInt(w.status[:0], m.StatusCode())

	f := skd.RegFields{
		Protocol: "sip",
		Status:   status,
		TxnID:    callID,
		Seq:      seq,
		FromTag:  m.FromTag(),
		ToTag:    m.ToTag(),
		Terminal: terminal,
		Wrap:     wrapName,
	}
	tag, ok := w.pendingMAC(p, sk, &f)
	if !ok {
		return nil, ReasonMAC
	}
	return tag, ReasonNone
}

// pendingMAC completes f with what the registration in progress recorded
// (the challenge nonce, the chosen entry, the offer) and returns the tag of
// its mechanism over the MAC input, keyed by sk. The tag aliases w.tag.
func (w *Worker) pendingMAC(p *pending, sk []byte, f *skd.RegFields) ([]byte, bool) {
	offered := w.list[:p.nEntries]
	for i := range offered {
		offered[i] = p.entry(i)
	}
	f.Nonce, f.Chosen, f.Offered = p.nonce.bytes(), p.chosenEntry(), offered
	in, err := skd.AppendMACInput(w.macIn[:0], f)
	if err != nil {
		return nil, false
	}
	w.macIn = in
	tag, err := w.macer.Sum(w.tag[:0], p.mech, sk, in)
	return tag, err == nil
}

// storeSession keeps SK for the registration's lifetime, or removes it on a
// zero expiry (de-registration).
func (w *Worker) storeSession(p *pending, sk []byte) Reason {
	to, _ := w.msg.Get(sip.HdrTo)
	aor := sip.NameAddrURI(to)
	exp := registrationExpiry(&w.msg)
	if exp == 0 {
		w.deregister()
		return ReasonNone
	}
	s := keystore.Session{Mech: p.mech, Expires: w.now + exp*1e9}
	copy(s.SK[:], sk)
	// The word key is derived once here, not for every word (PROTOCOL.md §13.1).
	_, err := w.macer.WordKey(s.WordKey[:0], p.mech, sk)
	if err == nil {
		err = w.h.sessions.Put(aor, &s)
	}
	clear(s.SK[:])
	clear(s.WordKey[:])
	if err != nil {
		return ReasonSessionFull
	}
	return ReasonNone
}

// registrationExpiry returns how long the session key is kept, in seconds:
// the longest Contact expires parameter (a 200 lists every binding of the
// address of record, RFC 3261 §10.3 step 8), else Expires, else the default
// (§10.2.4), capped at MaxRegistrationExpiry.
func registrationExpiry(m *sip.Message) int64 {
	limit := int(MaxRegistrationExpiry.Seconds())
	longest, found := 0, false
	it := m.List(sip.HdrContact)
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		if v, ok := sip.Param(c, "expires"); ok {
			if n, ok := smallUint(v, 1<<31); ok {
				longest, found = max(longest, n), true
			}
		}
	}
	if !found {
		v, ok := m.Get(sip.HdrExpires)
		if !ok {
			return int64(DefaultRegistrationExpiry.Seconds())
		}
		if longest, ok = smallUint(v, 1<<31); !ok {
			return int64(DefaultRegistrationExpiry.Seconds())
		}
	}
	return int64(min(longest, limit))
}

// opener returns the cached Opener for kid, building it on first use.
func (w *Worker) opener(kid []byte, kek *[16]byte) (*skd.Opener, error) {
	for i := range w.openers {
		if o := &w.openers[i]; o.kek == kek && bytes.Equal(o.kid, kid) {
			return o.opener, nil
		}
	}
	op, err := skd.NewOpener(kek)
	if err != nil {
		return nil, err
	}
	if len(w.openers) >= maxOpeners {
		w.openers = w.openers[:0]
	}
	w.openers = append(w.openers, kidOpener{kid: bytes.Clone(kid), kek: kek, opener: op})
	return op, nil
}

// failClosed replaces a registration success the proxy cannot vouch for with
// 500 Key Distribution Failed, so no 200 without a valid MAC reaches the
// terminal (PROTOCOL.md §5.4).
func (w *Worker) failClosed(out []byte, r Reason) []byte {
	w.h.count(r)
	w.h.ctr.local.Add(1)
	w.logOutcome("registration failed", nil, r)
	m := &w.msg
	_, rest := w.topVia()
	out = appendStatusLine(out, 500, "Key Distribution Failed")
	topVia := false
	for i := 0; i < m.NumHeaders(); i++ {
		hd := m.Header(i)
		switch hd.ID {
		case sip.HdrVia:
			if !topVia {
				topVia = true
				out = appendPoppedVia(out, rest)
				continue
			}
		case sip.HdrFrom, sip.HdrTo, sip.HdrCallID, sip.HdrCSeq:
		default:
			continue
		}
		out = append(out, hd.Line...)
	}
	out = appendWarning(out, r)
	return append(out, "Content-Length: 0\r\n\r\n"...)
}

// logOutcome writes the one line per registration outcome. It never logs key
// material: only names, the mechanism and the reason.
func (w *Worker) logOutcome(msg string, p *pending, r Reason) {
	level := zap.InfoLevel
	if r != ReasonNone {
		level = zap.WarnLevel
	}
	ce := w.h.log.Check(level, msg)
	if ce == nil {
		return
	}
	callID, _ := w.msg.Get(sip.HdrCallID)
	to, _ := w.msg.Get(sip.HdrTo)
	fields := []zap.Field{
		zap.ByteString("aor", sip.NameAddrURI(to)),
		zap.ByteString("call_id", callID),
	}
	if p != nil {
		fields = append(fields, zap.String("mechanism", p.mech.String()),
			zap.ByteString("identity", p.identity.bytes()))
	}
	if r != ReasonNone {
		fields = append(fields, zap.String("reason", r.String()))
	}
	ce.Write(fields...)
}
