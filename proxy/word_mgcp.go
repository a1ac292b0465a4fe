package proxy

import (
	"encoding/base64"
	"net/netip"

	"github.com/sigproxy/sigproxy/codec/mgcp"
)

var (
	nameWord  = []byte(mgcp.WordParam)
	nameAuth  = []byte("X-SKDAU")
	b64Strict = base64.StdEncoding.Strict()
)

// mgcpWordScratch is the MGCP worker's space for p2t words: the response
// as the gateway receives it, parsed again, and the word's value.
type mgcpWordScratch struct {
	wordScratch
	msg mgcp.Message
	ed  mgcp.Editor
	val []byte
}

// needsWord reports whether the gateway's command is one words cover
// (§13.2): every command but the registration requests, an RSIP and the
// NTFY answering a challenge (X-SKDAU), which the call agent checks by its
// digest.
//
// Limitation: so an RSIP forced or graceful from a registered gateway's
// address ends its session unworded, as §13.2 lists RSIP among the
// exceptions.
func (mw *mgcpWorker) needsWord() bool {
	m := &mw.msg
	switch m.Verb() {
	case mgcp.VerbRSIP:
		return false
	case mgcp.VerbNTFY:
		i, _ := extParams(m, nameAuth)
		return i < 0
	}
	return true
}

// mgcpWordIn checks the t2p word of a command from a registered gateway
// (§13.3: X-SKDMW: seq=<n>, mac="<B64>"), records its number and removes
// the line. worded reports a verified word. A command without a word from
// an address with no live session passes as before (refused as missing
// with Config.RefuseLegacy); one with a word is refused, since no live key
// verifies it (a word of an ended session).
func (w *Worker) mgcpWordIn(src netip.AddrPort) (r Reason, worded bool) {
	mw := w.mw
	m := &mw.msg
	if !mw.needsWord() {
		return ReasonNone, false
	}
	i, dup := extParams(m, nameWord)
	key, _, s, ok := w.gatewaySession(w.h.mgcp.gws, mgcpSessionPrefix, mw.wd.key[:], src)
	if !ok {
		return w.sessionless(i >= 0, ReasonMGCPWordMismatch, ReasonMGCPWordMissing), false
	}
	wk := w.takeKeys(&s, &mw.wd.wordScratch)
	defer w.wipeKeys(&mw.wd.wordScratch)
	if i < 0 {
		return ReasonMGCPWordMissing, false
	}
	seq, mac, err := mgcp.ParseWordValue(paramValue(m, i))
	if dup || err != nil || b64Strict.DecodedLen(len(mac)) > len(mw.wd.tag) {
		return ReasonMGCPWordMalformed, false
	}
	n, err := b64Strict.Decode(mw.wd.tag[:], mac)
	if err != nil || n != s.Mech.TagSize() {
		return ReasonMGCPWordMalformed, false
	}
	in, err := m.AppendWordInput(mw.wd.in[:0], dirT2P, seq, key[len(mgcpSessionPrefix):])
	mw.wd.in = in
	if err != nil || !w.macer.VerifyWordKeyed(s.Mech, wk, in, mw.wd.tag[:n]) {
		return ReasonMGCPWordMismatch, false
	}
	tk := txnKey{mg: src, id: m.TransactionID()}
	if !w.h.sessions.AcceptIn(key, seq, w.now) && !w.h.mgcp.txns.known(tk, w.now) {
		// Not a retransmission of a command the proxy relays (RFC 3435
		// §3.5: a gateway resends a command as it sent it, word included).
		return ReasonMGCPWordReplayed, false
	}
	if err := mw.ed.Remove(i); err != nil {
		return mgcpEditReason(err), false
	}
	return ReasonNone, true
}

// mgcpAppendWorded writes the call agent's 2xx to a worded command with a
// p2t word over it as the gateway receives it (§13.3): Append, parse the
// result again, compute the word, add X-SKDMW and Append again. Without a
// live session the response goes as it is.
//
// Limitation: a copy of a worded command replayed while its transaction is
// open (32 s after its last use) is relayed; the call agent answers it from
// its record, as it does the retransmission it looks like.
func (w *Worker) mgcpAppendWorded(out []byte) ([]byte, Reason) {
	mw := w.mw
	wd := &mw.wd
	key, _, ok := w.h.mgcp.gws.get(mw.gw, append(wd.key[:0], mgcpSessionPrefix...), w.now)
	if !ok {
		// No session: write the response once, straight into out.
		return mw.appendMessage(out)
	}
	buf, err := mw.ed.Append(wd.buf[:0])
	if err != nil {
		return out, mgcpEditReason(err)
	}
	wd.buf = buf
	seq, s, ok := w.h.sessions.NextOut(key, w.now)
	if !ok {
		return mw.appendMessage(out)
	}
	wk := w.takeKeys(&s, &wd.wordScratch)
	defer w.wipeKeys(&wd.wordScratch)
	if _, err := wd.msg.Parse(buf); err != nil {
		return out, ReasonMGCPMalformed
	}
	in, err := wd.msg.AppendWordInput(wd.in[:0], dirP2T, seq, key[len(mgcpSessionPrefix):])
	wd.in = in
	if err != nil {
		return out, ReasonMGCPMalformed
	}
	tag, err := w.macer.WordKeyed(wd.tag[:0], s.Mech, wk, in)
	if err != nil {
		return out, ReasonMGCPMAC
	}
	b64 := wd.txt[:base64.StdEncoding.EncodedLen(len(tag))]
	base64.StdEncoding.Encode(b64, tag)
	wd.val = mgcp.AppendWordValue(wd.val[:0], seq, b64)
	wd.ed.Reset(&wd.msg)
	if err := wd.ed.Add(nameWord, wd.val); err != nil {
		return out, mgcpEditReason(err)
	}
	if mw.prevEOL != "" {
		out = appendSeparator(out, mw.prevEOL)
	}
	if out, err = wd.ed.Append(out); err != nil {
		return out, mgcpEditReason(err)
	}
	mw.prevEOL = wd.msg.LineEnd()
	return out, ReasonNone
}
