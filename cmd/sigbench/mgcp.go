package main

import (
	"bytes"
	"strconv"
	"time"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// The MGCP gateway (docs/PROTOCOL.md §12): RSIP, the 200 with the challenge RQNT
// (answered with 200), NTFY, the 200 with the success RQNT whose key and MAC it
// checks. It keeps its state in the same mgTerm as the H.248 gateway: one socket
// per gateway, a transaction id in flight, the request identifier to echo.

// Failure reasons only an MGCP registration ends with. An error response to the
// gateway's command is reported as "error NNN", like an H.248 Error.
const (
	reasonNoGWChallenge = "200 without challenge"
	reasonNoSKDAuth     = "challenge asks for no skd/auth"
)

// MGCP parameter names of the profile (§12.1) and the codes the gateway writes.
var (
	xChallenge = "X-SKDCH"
	xServer    = "X-SKDSV"
	xKeys      = "X-SKDKD"
	authEvent  = []byte("skd/auth")
	statusRQNT = []byte("RQNT")
	ntfyURI    = []byte("NTFY:mgcp:") // method ":" and the uri up to the identity
	textOK     = []byte("OK")
)

// mgcpOK and mgcpProtocol are the codes of the gateway's responses (RFC 3435 §2.4).
const (
	mgcpOK       = 200
	mgcpProtocol = 510
)

// caView is what the gateway needs of one datagram from the CA side: the response
// to its command in flight and the first RQNT riding with it, each parsed into one
// of the receiver's two messages (views into the datagram stay valid meanwhile).
type caView struct {
	resp *mgcp.Message // nil when the datagram holds no response to the command
	rqnt *mgcp.Message // nil when it holds no RQNT
}

// readCA reads the messages of datagram b into r.mgcp, keeping the response to tid
// and the first RQNT. Parsing stops once both are found or at the first error.
func readCA(r *rx, b []byte, tid uint32) caView {
	var v caView
	d := &r.dgram // in rx: a Datagram on the stack would escape through its error
	d.Reset(b)
	m := &r.mgcp[0]
	for d.Next(m) {
		switch {
		case v.resp == nil && m.IsResponse() && m.TransactionID() == tid:
			v.resp = m
		case v.rqnt == nil && m.Verb() == mgcp.VerbRQNT:
			v.rqnt = m
		default:
			continue // not kept: the next message goes into the same one
		}
		if v.resp != nil && v.rqnt != nil {
			return v
		}
		m = &r.mgcp[1] // the first kept one is r.mgcp[0]
	}
	return v
}

// extValue returns the value of the first parameter named name; ok is false when
// absent.
func extValue(m *mgcp.Message, name string) ([]byte, bool) {
	i := m.Find(name)
	if i < 0 {
		return nil, false
	}
	return m.Param(i).Value, true
}

// handleMGCP advances the registration of gateway t, the owner of the socket the
// datagram came in on, with one datagram from the proxy.
func (e *engine) handleMGCP(t *term, r *rx, b []byte) {
	t.mu.Lock()
	if t.state == stateIdle {
		t.mu.Unlock()
		e.stray.Add(1)
		return
	}
	v := readCA(r, b, t.mg.txn)
	switch {
	case v.resp == nil:
		t.mu.Unlock()
		e.stray.Add(1) // a late answer to a finished command, or not ours
		return
	case v.resp.IsProvisional() || v.resp.IsResponseAck():
		t.mu.Unlock()
		return
	}
	e.advance(t, r, func(now time.Time) (string, bool) { return e.onGWChallenge(t, r, &v, now) },
		func() string {
			if t.state == stateWordWait {
				return e.onMGCPWord(t, r, &v)
			}
			return e.onGWSuccess(t, r, &v)
		})
}

// onGWChallenge judges the datagram answering the RSIP (§12.2 step 2). more is true
// when the NTFY went out; otherwise reason is the verdict ("" for a plain gateway
// accepted without a challenge).
//
// Limitation: as the H.248 gateway, it retransmits on the SIP schedule and answers
// the CA's RQNT once: a repeated challenge after a retransmitted RSIP is stray.
func (e *engine) onGWChallenge(t *term, r *rx, v *caView, now time.Time) (reason string,
	more bool) {
	if c := v.resp.Code(); c != mgcpOK {
		return errorReason(uint32(c)), false
	}
	ch, hasCh := []byte(nil), false
	if v.rqnt != nil {
		ch, hasCh = extValue(v.rqnt, xChallenge)
	}
	if !hasCh {
		if len(t.offer) > 0 {
			return reasonNoGWChallenge, false
		}
		return "", false
	}
	if reason := e.readGWChallenge(t, v.rqnt, ch); reason != "" {
		return reason, false
	}
	if err := e.respondRQNT(t, r, v.rqnt.TransactionID(), ""); err != nil {
		return reasonSend, false
	}
	return e.sendSecond(t, r, now, ntfyURI, t.appendNTFY)
}

// readGWChallenge copies the challenge's realm, nonce, algorithm, request
// identifier and, for an offering gateway, the proxy's choice out of the datagram.
func (e *engine) readGWChallenge(t *term, q *mgcp.Message, chv []byte) string {
	realm, _ := sip.ListParam(chv, "realm")
	nonce, _ := sip.ListParam(chv, "nonce")
	alg, _ := sip.ListParam(chv, "algorithm")
	if !e.pickMGDigest(t, realm, nonce, alg) {
		return reasonNoChallenge
	}
	ch := &t.ch
	events, _ := q.Value(mgcp.ParamRequestedEvents)
	if !hasEvent(events, authEvent) {
		return reasonNoSKDAuth
	}
	x, _ := q.Value(mgcp.ParamRequestIdentifier)
	t.mg.xid = append(t.mg.xid[:0], x...)
	ch.realm = append(ch.realm[:0], realm...)
	ch.nonce = append(ch.nonce[:0], nonce...)
	if len(t.offer) == 0 {
		return ""
	}
	server, ok := extValue(q, xServer)
	if !ok {
		return reasonNoSecServer
	}
	return t.takeChoice(server)
}

// hasEvent reports whether the RequestedEvents value lists event (its name before
// any action in parentheses).
func hasEvent(events, event []byte) bool {
	it := mgcp.NewListIter(events)
	for el, ok := it.Next(); ok; el, ok = it.Next() {
		name, _, _ := bytes.Cut(el, []byte("("))
		if bytes.EqualFold(bytes.TrimSpace(name), event) {
			return true
		}
	}
	return false
}

// respondRQNT answers the CA's RQNT tid: 200, or 510 naming reason when the gateway
// refuses it. reason is one of sigbench's fixed failure texts.
func (e *engine) respondRQNT(t *term, r *rx, tid uint32, reason string) error {
	code, text := mgcpOK, textOK
	if reason != "" {
		code = mgcpProtocol
		r.seq = append(append(r.seq[:0], "sigbench: "...), reason...)
		text = r.seq
	}
	var err error
	if r.out, err = mgcp.AppendResponseLine(r.out[:0], code, tid, text, "\r\n"); err != nil {
		return err
	}
	e.sent.Add(1)
	_, err = t.sock.conn.WriteToUDPAddrPort(r.out, e.target)
	return err
}

// onGWSuccess judges the datagram answering the NTFY (§12.2 step 4): for an
// offering gateway the success RQNT must carry a session key that opens and a MAC
// that verifies. The RQNT is answered either way.
func (e *engine) onGWSuccess(t *term, r *rx, v *caView) string {
	if c := v.resp.Code(); c != mgcpOK {
		return errorReason(uint32(c))
	}
	if len(t.offer) == 0 {
		return ""
	}
	if v.rqnt == nil {
		return reasonNoKeyDist
	}
	reason := e.checkGWSuccess(t, r, v.rqnt)
	if err := e.respondRQNT(t, r, v.rqnt.TransactionID(), reason); err != nil &&
		reason == "" {
		reason = reasonSend
	}
	return reason
}

// checkGWSuccess opens terminal= of X-SKDKD under the gateway's KEK and verifies
// mac= over the §5.5 input with the §12.2 fields.
func (e *engine) checkGWSuccess(t *term, r *rx, q *mgcp.Message) string {
	kd, ok := extValue(q, xKeys)
	if !ok {
		return reasonNoKeyDist
	}
	termBlob, _ := sip.ListParam(kd, "terminal")
	wrapName, _ := sip.ListParam(kd, "wrap")
	mac, hasMAC := sip.ListParam(kd, "mac")
	sk, reason := openSK(t, r, wrapName, termBlob)
	if reason != "" {
		return reason
	}
	defer clear(sk)
	if !hasMAC {
		return reasonNoMAC
	}
	var err error
	if r.tag, err = decodeB64(r.tag, mac); err != nil {
		return reasonBadKeyDist
	}
	r.seq = strconv.AppendUint(r.seq[:0], uint64(q.TransactionID()), 10)
	f := skd.RegFields{
		Protocol: "mgcp", Status: statusRQNT, TxnID: r.seq, Seq: q.Endpoint(),
		FromTag: t.idBytes, ToTag: nil, Nonce: t.ch.nonce, Chosen: t.ch.chosen,
		Offered: t.offered, Terminal: termBlob, Wrap: wrapName,
	}
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

// appendCmdHead writes the command line of the gateway's command in flight:
// verb, transaction id, endpoint, version.
func (g *mgTerm) appendCmdHead(b []byte, verb string) []byte {
	b = append(b, verb...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(g.txn), 10)
	b = append(b, ' ')
	b = append(b, g.endpoint...)
	return append(b, " MGCP 1.0\r\n"...)
}

// appendRSIP writes the registration request (§12.2 step 1) into t.req: RSIP
// restart with the identity and, for an offering gateway, the offer.
func (t *term) appendRSIP() {
	g := t.mg
	b := g.appendCmdHead(t.req[:0], "RSIP")
	b = append(b, "RM: restart\r\nX-SKDID: "...)
	b = append(b, t.identity...)
	b = append(b, "\r\n"...)
	if len(t.offer) > 0 {
		b = append(b, "X-SKDOF: "...)
		b = append(b, g.offerText...)
		b = append(b, "\r\n"...)
	}
	t.req = b
}

// appendNTFY writes the registration again (§12.2 step 3) into t.req: the
// observed skd/auth with the digest response resp and, for an offering gateway,
// the chosen entry echoed and the offer repeated.
func (t *term) appendNTFY(resp []byte) {
	g := t.mg
	b := g.appendCmdHead(t.req[:0], "NTFY")
	b = append(b, "X: "...)
	b = append(b, g.xid...)
	b = append(b, "\r\nO: skd/auth\r\nX-SKDAU: username=\""...)
	b = append(b, t.identity...)
	b = append(b, "\", nonce=\""...)
	b = append(b, t.ch.nonce...)
	b = append(b, "\", response=\""...)
	b = append(b, resp...)
	b = append(b, "\"\r\n"...)
	if len(t.offer) > 0 {
		b = append(b, "X-SKDVF: "...)
		b = append(b, t.ch.chosen...)
		b = append(b, "\r\nX-SKDOF: "...)
		b = append(b, g.offerText...)
		b = append(b, "\r\n"...)
	}
	t.req = b
}
