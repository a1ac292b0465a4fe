package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Failure reasons of the worded transactions -after sends (PROTOCOL.md §13).
const (
	reasonWordNone     = "word: none on success"
	reasonWordBad      = "word: malformed"
	reasonWordMismatch = "word: does not verify"
	reasonWordReplay   = "word: number already seen"
	reasonWordBuild    = "word: not computed"
)

// maxAfter bounds -after: worded transactions per registration.
const maxAfter = 1000

// wordState is a terminal's side of §13 for its current registration: the word
// key (derived once, so each word skips the HKDF), the last t2p number and the
// p2t window. A new registration starts it again.
type wordState struct {
	key  [skd.WordKeySize]byte
	klen int
	mech skd.Mechanism
	out  uint32
	in   skd.Window
	left int    // worded transactions still to send
	spi  uint32 // H.248: the SecurityParmIndex naming the session key
}

// start keeps the word key of a registration whose session key verified.
func (w *wordState) start(m *skd.MACer, mech skd.Mechanism, sk []byte, n int) {
	w.reset()
	k, err := m.WordKey(w.key[:0], mech, sk)
	if err != nil {
		return
	}
	w.klen, w.mech, w.left = len(k), mech, n
}

// reset forgets the key and the numbers.
func (w *wordState) reset() {
	clear(w.key[:])
	*w = wordState{}
}

// active reports whether a worded transaction is still due.
func (w *wordState) active() bool { return w.klen > 0 && w.left > 0 }

// checkSIPWord verifies the p2t word of a SIP success response to the terminal.
func (e *engine) checkSIPWord(t *term, r *rx) string {
	m := &r.msg
	v, n := m.Word()
	if n == 0 {
		return reasonWordNone
	}
	seq, mac, err := sip.ParseWord(v)
	if n > 1 || err != nil {
		return reasonWordBad
	}
	if r.tag, err = decodeB64(r.tag, mac); err != nil {
		return reasonWordBad
	}
	if r.macIn, err = sip.AppendWordInput(r.macIn[:0], m, sip.WordP2T, seq, t.aorBytes); err != nil {
		return reasonWordBad
	}
	return e.acceptWord(t, r, seq)
}

// acceptWord checks r.tag over r.macIn and takes the p2t number seq.
func (e *engine) acceptWord(t *term, r *rx, seq uint32) string {
	w := &t.w
	if !r.macer.VerifyWordKeyed(w.mech, w.key[:w.klen], r.macIn, r.tag) {
		return reasonWordMismatch
	}
	if !w.in.Accept(seq) {
		return reasonWordReplay
	}
	e.wordsVerified.Add(1)
	return ""
}

// appendOptions writes the terminal's next worded OPTIONS into t.req: the
// request is built, parsed for its word input, and the word goes in before
// Content-Length. r.msg is free again when this runs.
func (t *term) appendOptions(r *rx, realm string) bool {
	b := t.appendRequestHead(t.req[:0], "OPTIONS", realm, false)
	at := len(b)
	b = append(b, "Content-Length: 0\r\n\r\n"...)
	t.req = b
	if err := r.msg.Parse(b); err != nil {
		return false
	}
	w := &t.w
	var err error
	if r.macIn, err = sip.AppendWordInput(r.macIn[:0], &r.msg, sip.WordT2P, w.out+1,
		t.aorBytes); err != nil {
		return false
	}
	if r.tag, err = r.macer.WordKeyed(r.tag[:0], w.mech, w.key[:w.klen], r.macIn); err != nil {
		return false
	}
	w.out++
	b = sip.AppendWord(b[:at], w.out, r.tag)
	t.req = append(b, "Content-Length: 0\r\n\r\n"...)
	return true
}

// keepWords derives the word key of a registration whose session key sk just
// verified, when -after asks for worded transactions. For H.248 it also keeps
// the SPI that names sk in the authentication header.
func (e *engine) keepWords(t *term, r *rx, sk []byte) {
	if e.after == 0 {
		return
	}
	t.w.start(r.macer, t.ch.mech, sk, e.after)
	if t.mg != nil && e.proto == protoH248 {
		spi, err := r.macer.H248SPI(sk)
		if err != nil {
			t.w.reset()
			return
		}
		t.w.spi = spi
	}
}

// sendWord sends t's next worded transaction. The first one records the
// registration's success, so its latency leaves the worded transactions out.
// It returns the failure reason, "" when the request went out. The caller holds
// t.mu.
func (e *engine) sendWord(t *term, r *rx, now time.Time) string {
	if t.state != stateWordWait {
		e.rec.registration(now.Sub(t.started), "")
	}
	t.state = stateWordWait
	t.w.left--
	var ok bool
	switch {
	case t.mg != nil && e.proto == protoMGCP:
		t.mg.newTxn()
		ok = t.appendWordNTFY(r)
	case t.mg != nil:
		t.mg.newTxn()
		ok = t.appendWordNotify(r)
	default:
		t.cseq++
		t.nextBranch()
		ok = t.appendOptions(r, e.realm)
	}
	if !ok {
		return reasonWordBuild
	}
	t.deadline = now.Add(e.timeout)
	e.wordsSent.Add(1)
	if err := e.send(t, now); err != nil {
		return reasonSend
	}
	return ""
}

// wordsDone ends t's worded transactions: a failure is counted by its reason
// apart from the registrations, which succeeded already.
func (e *engine) wordsDone(t *term, reason string) {
	if reason != "" {
		e.rec.wordFailure(reason)
	}
	e.release(t, reason)
}

// onSIPWord judges the final response to a worded OPTIONS.
func (e *engine) onSIPWord(t *term, r *rx, code int) string {
	if code != 200 {
		return statusReason(code)
	}
	return e.checkSIPWord(t, r)
}

// onH248Word judges the Reply to a worded Notify: no Error, an authentication
// header whose SPI names the session key and whose AuthData is the p2t word.
func (e *engine) onH248Word(t *term, r *rx, v *mgcView) string {
	if er := v.reply.Find(h248.TokError); er.Valid() {
		return errorReason(er.ID())
	}
	m := r.h248
	hdr := m.Header()
	if !hdr.Auth {
		return reasonWordNone
	}
	if hdr.SPI != t.w.spi {
		return reasonWordMismatch
	}
	r.tag = m.AppendAuthData(r.tag[:0])
	var err error
	if r.macIn, err = m.AppendWordInput(r.macIn[:0], sip.WordP2T, hdr.Seq, t.idBytes); err != nil {
		return reasonWordBad
	}
	return e.acceptWord(t, r, hdr.Seq)
}

// onMGCPWord judges the response to a worded NTFY: 200 with an X-SKDMW that
// verifies.
func (e *engine) onMGCPWord(t *term, r *rx, v *caView) string {
	m := v.resp
	if c := m.Code(); c != mgcpOK {
		return errorReason(uint32(c))
	}
	i := m.Find(mgcp.WordParam)
	if i < 0 {
		return reasonWordNone
	}
	seq, mac, err := mgcp.ParseWordValue(m.Param(i).Value)
	if err != nil {
		return reasonWordBad
	}
	if r.tag, err = decodeB64(r.tag, mac); err != nil {
		return reasonWordBad
	}
	if r.macIn, err = m.AppendWordInput(r.macIn[:0], sip.WordP2T, seq, t.idBytes); err != nil {
		return reasonWordBad
	}
	return e.acceptWord(t, r, seq)
}

// appendWordNotify writes the gateway's next worded Notify (an observed event
// on ROOT without skd/auth, so §13.2 asks for a word) into t.req: the body is
// built in r.auth, its word computed, then the authentication header and the
// body go to t.req.
func (t *term) appendWordNotify(r *rx) bool {
	g := t.mg
	b := g.appendTxnHead(r.auth[:0])
	b = append(b, " {\n  Context = - {\n    Notify = ROOT {\n"+
		"      ObservedEvents = 7 { al/of }\n    }\n  }\n}\n"...)
	r.auth = b
	if r.h248.Parse(b) != nil || !t.signWord(r, r.h248) {
		return false
	}
	h := append(t.req[:0], "Authentication = 0x"...)
	h = appendHex32(h, t.w.spi)
	h = append(h, ":0x"...)
	h = appendHex32(h, t.w.out)
	h = append(h, ":0x"...)
	h = hex.AppendEncode(h, r.tag)
	h = append(h, '\n')
	t.req = append(h, r.auth...)
	return true
}

// appendWordNTFY writes the gateway's next worded NTFY (an observed event
// without X-SKDAU) into t.req, its X-SKDMW line last.
func (t *term) appendWordNTFY(r *rx) bool {
	g := t.mg
	b := g.appendCmdHead(t.req[:0], "NTFY")
	b = append(b, "X: 7\r\nO: L/hd\r\n"...)
	t.req = b
	if _, err := r.mgcp[0].Parse(b); err != nil || !t.signWord(r, &r.mgcp[0]) {
		return false
	}
	r.blob = base64.StdEncoding.AppendEncode(r.blob[:0], r.tag)
	r.seq = mgcp.AppendWordValue(r.seq[:0], t.w.out, r.blob)
	var err error
	t.req, err = mgcp.AppendParam(t.req, wordParam, r.seq, "\r\n")
	return err == nil
}

// wordParam is the MGCP word line's name as bytes.
var wordParam = []byte(mgcp.WordParam)

// gwMessage is a gateway request parser that builds its §13.3 word input.
type gwMessage interface {
	AppendWordInput(dst []byte, dir string, seq uint32, identity []byte) ([]byte, error)
}

// signWord takes the next t2p number and puts its word over the parsed gateway
// request m in r.tag.
func (t *term) signWord(r *rx, m gwMessage) bool {
	w := &t.w
	var err error
	if r.macIn, err = m.AppendWordInput(r.macIn[:0], sip.WordT2P, w.out+1, t.idBytes); err != nil {
		return false
	}
	if r.tag, err = r.macer.WordKeyed(r.tag[:0], w.mech, w.key[:w.klen], r.macIn); err != nil {
		return false
	}
	w.out++
	return true
}

// appendHex32 appends v as 8 hex digits.
func appendHex32(b []byte, v uint32) []byte {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], v)
	return hex.AppendEncode(b, n[:])
}
