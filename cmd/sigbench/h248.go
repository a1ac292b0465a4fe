package main

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Failure reasons only an H.248 registration ends with. An Error in the Reply to
// the gateway's transaction is reported as "error NNN".
const (
	reasonNoMGChallenge = "reply without challenge"
	reasonNoAuthEvent   = "challenge asks for no skd/auth"
	reasonSPIMismatch   = "spi does not name the session key"
	reasonSeqNum        = "sequence number is not 1"
)

// errorReason names an Error in the Reply to a gateway's transaction.
func errorReason(code uint32) string {
	return "error " + strconv.FormatUint(uint64(code), 10)
}

// authSeqLen is the length of "0x" 8 hex digits ":0x" 8 hex digits, the one
// spelling of SecurityParmIndex COLON SequenceNum RFC 3525 B.2 allows.
const authSeqLen = 2 + 8 + 1 + 2 + 8

// mgcView is what the gateway needs of one message from the MGC side: the Reply (or
// Pending) to its transaction in flight and the first Modify transaction riding
// with it. Nodes are views into the receiver's parsed message.
type mgcView struct {
	reply   h248.Node
	pending bool
	modID   uint32
	modify  h248.Node // the Modify command, zero when none
}

// readMGC walks the transactions of m for transaction id.
func readMGC(m *h248.Message, id uint32) mgcView {
	var v mgcView
	w := m.Walker()
	for tx, err := w.Transaction(); err == nil; tx, err = w.Transaction() {
		switch tx.Token() {
		case h248.TokReply:
			if tx.ID() == id && !v.reply.Valid() {
				v.reply = tx
			}
		case h248.TokPending:
			v.pending = v.pending || tx.ID() == id
		case h248.TokTransaction:
			if cmd := tx.Find(h248.TokModify); cmd.Valid() && !v.modify.Valid() {
				v.modify, v.modID = cmd, tx.ID()
			}
		}
	}
	return v
}

// skdProp returns the value of skd/<item> in a Modify's TerminationState; ok is
// false when absent.
func skdProp(cmd h248.Node, item string) (val []byte, ok bool) {
	ts := cmd.Find(h248.TokTerminationState)
	for p := ts.FirstChild(); p.Valid(); p = p.Next() {
		if string(p.Package()) == "skd" && string(p.Item()) == item {
			return p.Value(), true
		}
	}
	return nil, false
}

// handleH248 advances the registration of gateway t, the owner of the socket the
// datagram came in on, with one message from the proxy.
func (e *engine) handleH248(t *term, r *rx, b []byte) {
	m := r.h248
	if err := m.Parse(b); err != nil {
		e.stray.Add(1)
		return
	}
	defer m.Reset()
	t.mu.Lock()
	if t.state == stateIdle {
		t.mu.Unlock()
		e.stray.Add(1)
		return
	}
	v := readMGC(m, t.mg.txn)
	if !v.reply.Valid() {
		t.mu.Unlock()
		if !v.pending {
			e.stray.Add(1) // a late answer to a finished transaction, or not ours
		}
		return
	}
	e.advance(t, r, func(now time.Time) (string, bool) { return e.onMGChallenge(t, r, &v, now) },
		func() string {
			if t.state == stateWordWait {
				return e.onH248Word(t, r, &v)
			}
			return e.onMGSuccess(t, r, &v)
		})
}

// onMGChallenge judges the message answering the ServiceChange (§11.3). more is
// true when the Notify went out; otherwise reason is the verdict ("" for a plain
// gateway the MGC accepted without a challenge).
//
// Limitation: a gateway retransmits its transactions on the SIP schedule (-t1,
// doubling to 4 s) rather than RFC 3525 §D.1.3's estimate from measured round
// trips, treats a Pending only as "not yet", and answers the MGC's Modify once: a
// repeated challenge after a retransmitted ServiceChange is counted as stray.
func (e *engine) onMGChallenge(t *term, r *rx, v *mgcView, now time.Time) (reason string,
	more bool) {
	if er := v.reply.Find(h248.TokError); er.Valid() {
		return errorReason(er.ID()), false
	}
	if !v.modify.Valid() {
		if len(t.offer) > 0 {
			return reasonNoMGChallenge, false
		}
		return "", false
	}
	if reason := e.readMGChallenge(t, v.modify); reason != "" {
		return reason, false
	}
	if err := e.answerModify(t, r, v.modID, ""); err != nil {
		return reasonSend, false
	}
	return e.sendSecond(t, r, now, notifyURI, t.appendNotify)
}

// sendSecond computes a gateway's digest response with uri (§11.1, §12.1), writes
// the second request with appendReq (Notify, NTFY) in a new transaction and sends
// it. more is true when it went out; otherwise reason says why not.
func (e *engine) sendSecond(t *term, r *rx, now time.Time, uri []byte,
	appendReq func(resp []byte)) (reason string, more bool) {
	var err error
	if r.auth, err = t.appendMGDigest(r.auth[:0], r.digest, uri); err != nil {
		return reasonDigestNotFormed, false
	}
	t.mg.newTxn()
	appendReq(r.auth)
	t.state = stateWait200
	if err := e.send(t, now); err != nil {
		return reasonSend, false
	}
	return "", true
}

// readMGChallenge copies the challenge's realm, nonce, algorithm, RequestID and, for
// an offering gateway, the proxy's choice out of the read buffer.
func (e *engine) readMGChallenge(t *term, cmd h248.Node) string {
	realm, _ := skdProp(cmd, "realm")
	nonce, _ := skdProp(cmd, "nonce")
	alg, _ := skdProp(cmd, "alg")
	if !e.pickMGDigest(t, realm, nonce, alg) {
		return reasonNoChallenge
	}
	ch := &t.ch
	ev := cmd.Find(h248.TokEvents)
	if !ev.FindParam("skd", "auth").Valid() {
		return reasonNoAuthEvent
	}
	t.mg.rid = ev.ID()
	ch.realm = append(ch.realm[:0], realm...)
	ch.nonce = append(ch.nonce[:0], nonce...)
	if len(t.offer) == 0 {
		return ""
	}
	server, ok := skdProp(cmd, "server")
	if !ok {
		return reasonNoSecServer
	}
	return t.takeChoice(server)
}

// pickMGDigest sets the gateway's digest algorithm to the first configured one
// that alg names, and reports whether the challenge is usable: a known algorithm
// and a realm and nonce that are present and within maxNonce. The H.248 and MGCP
// gateways share it so both judge a challenge alike.
func (e *engine) pickMGDigest(t *term, realm, nonce, alg []byte) bool {
	ch := &t.ch
	ch.alg = ""
	for _, want := range e.digest {
		if strings.EqualFold(string(alg), want) {
			ch.alg = want
			break
		}
	}
	return ch.alg != "" && len(realm) > 0 && len(nonce) > 0 && len(nonce) <= maxNonce &&
		len(realm) <= maxNonce
}

// takeChoice keeps the proxy's chosen entry (skd/server, X-SKDSV) when it names a
// mechanism the gateway offered and supports; otherwise it returns the reason.
func (t *term) takeChoice(server []byte) string {
	server = bytes.TrimSpace(server)
	name, _, _ := bytes.Cut(server, []byte(";"))
	mech, ok := skd.ParseMechanism(bytes.TrimSpace(name))
	if !ok || mech == skd.MechNone || !t.offers(bytes.TrimSpace(name)) {
		return reasonUnoffered
	}
	t.ch.chosen = append(t.ch.chosen[:0], server...)
	t.ch.mech = mech
	return ""
}

// answerModify replies to the MGC's Modify id, with Error 402 naming reason when the
// gateway refuses it.
func (e *engine) answerModify(t *term, r *rx, id uint32, reason string) error {
	r.out = appendModifyReply(r.out[:0], t.mg.mid, id, reason)
	e.sent.Add(1)
	_, err := t.sock.conn.WriteToUDPAddrPort(r.out, e.target)
	return err
}

// onMGSuccess judges the message answering the Notify (§11.5): for an offering
// gateway the success Modify must carry a session key that opens and an
// authentication header that verifies. The Modify is answered either way.
func (e *engine) onMGSuccess(t *term, r *rx, v *mgcView) string {
	if er := v.reply.Find(h248.TokError); er.Valid() {
		return errorReason(er.ID())
	}
	if len(t.offer) == 0 {
		return ""
	}
	if !v.modify.Valid() {
		return reasonNoKeyDist
	}
	reason := e.checkMGSuccess(t, r, v)
	if err := e.answerModify(t, r, v.modID, reason); err != nil && reason == "" {
		reason = reasonSend
	}
	return reason
}

// checkMGSuccess opens skd/term under the gateway's KEK and verifies the
// authentication header: SPI, SequenceNum and the MAC over the §5.5 input.
func (e *engine) checkMGSuccess(t *term, r *rx, v *mgcView) string {
	termBlob, ok := skdProp(v.modify, "term")
	if !ok {
		return reasonNoKeyDist
	}
	wrapName, _ := skdProp(v.modify, "wrap")
	sk, reason := openSK(t, r, wrapName, termBlob)
	if reason != "" {
		return reason
	}
	defer clear(sk)
	hdr := r.h248.Header()
	if !hdr.Auth {
		return reasonNoMAC
	}
	if spi, err := r.macer.H248SPI(sk); err != nil || spi != hdr.SPI {
		return reasonSPIMismatch
	}
	if hdr.Seq != 1 {
		return reasonSeqNum
	}
	j := bytes.LastIndexByte(hdr.AuthRaw, ':')
	if j < authSeqLen {
		return reasonBadResponse
	}
	r.tag = r.h248.AppendAuthData(r.tag[:0])
	r.seq = strconv.AppendUint(r.seq[:0], uint64(v.modID), 10)
	f := skd.RegFields{
		Protocol: "h248", Status: statusModify, TxnID: r.seq,
		Seq: hdr.AuthRaw[j-authSeqLen : j], FromTag: t.idBytes, ToTag: hdr.MID,
		Nonce: t.ch.nonce, Chosen: t.ch.chosen, Offered: t.offered, Terminal: termBlob,
		Wrap: wrapName,
	}
	var err error
	if r.macIn, err = skd.AppendMACInput(r.macIn[:0], &f); err != nil {
		return reasonBadResponse
	}
	if !r.macer.Verify(t.ch.mech, sk, r.macIn, r.tag) {
		return reasonMACMismatch
	}
	e.verified.Add(1)
	e.keepWords(t, r, sk)
	return ""
}

// statusModify is the status field of the H.248 MAC input (§11.5).
var statusModify = []byte("Modify")
