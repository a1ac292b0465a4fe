package proxy

import (
	"encoding/hex"
	"net/netip"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Directions of verification words (PROTOCOL.md §13.1).
const (
	dirT2P = "t2p"
	dirP2T = "p2t"
)

// wordScratch is one event loop's space for a gateway's verification words:
// the session-table key, the word input and the tag, reused per message.
type wordScratch struct {
	key [len(h248SessionPrefix) + maxField]byte
	wk  [skd.WordKeySize]byte // the session's word key while a word is computed
	in  []byte                // the word input, up to a whole message
	tag [64]byte
	txt [88]byte // the tag as hex or B64
	buf []byte   // the message before its word is added (p2t)
}

func newWordScratch() wordScratch {
	return wordScratch{in: make([]byte, 0, 2048), buf: make([]byte, 0, maxUDPPayload)}
}

// gatewaySession finds the live session of the gateway at gw (PROTOCOL.md
// §13.2: words are keyed by the gateway address of a live session): its
// session-table key, prefix and identity, built in dst, the H.248 SPI of its
// key and a copy of the session, whose keys the caller clears (takeKeys).
func (w *Worker) gatewaySession(mgs *mgTable, prefix string, dst []byte,
	gw netip.AddrPort) ([]byte, uint32, keystore.Session, bool) {
	key, spi, ok := mgs.get(gw, append(dst[:0], prefix...), w.now)
	if !ok {
		return nil, 0, keystore.Session{}, false
	}
	s, ok := w.h.sessions.Get(key, w.now)
	return key, spi, s, ok
}

// needsWord reports whether the gateway's message holds a Transaction
// other than a registration request, which is what words cover (§13.2).
func (hw *h248Worker) needsWord() bool {
	for tx := hw.msg.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		if tx.Token() == h248.TokTransaction && !registrationTxn(tx) {
			return true
		}
	}
	return false
}

// registrationTxn reports whether every command of a Transaction is a
// registration request on ROOT: a ServiceChange (§11.2, §11.7), or the
// Notify answering a challenge (skd/auth, §11.4), which the MGC checks by
// its digest.
//
// Limitation: a registration request needs no word, so a ServiceChange
// Forced or Graceful from a registered gateway's address ends its session
// unworded, as §13.2 lists ServiceChange among the exceptions.
func registrationTxn(tx h248.Node) bool {
	n := 0
	for ctx := tx.FirstChild(); ctx.Valid(); ctx = ctx.Next() {
		for cmd := ctx.FirstChild(); cmd.Valid(); cmd = cmd.Next() {
			if cmd.Kind() != h248.KindCommand {
				continue
			}
			switch {
			case !isRoot(cmd):
				return false
			case cmd.Token() == h248.TokServiceChange:
			case cmd.Token() == h248.TokNotify && cmd.FindParam(pkgSKD, "auth").Valid():
			default:
				return false
			}
			n++
		}
	}
	return n > 0
}

// h248WordIn checks the t2p word of a message from a registered gateway
// (§13.3: the authentication header, SPI naming SK, SequenceNum the word's
// number, AuthData the tag), records its number and removes the header. A
// message holding registration requests only, or one without a header from
// an address with no live session, passes as before (refused as missing
// with Config.RefuseLegacy).
//
// Limitation: a header from an address with no live session is refused (a
// word of an ended session, §13.1), so a gateway using RFC 3525's interim
// AH with its MGC cannot pass through the proxy.
func (w *Worker) h248WordIn(src netip.AddrPort) Reason {
	hw := w.hw
	if !hw.needsWord() {
		return ReasonNone
	}
	hdr := hw.msg.Header()
	key, spi, s, ok := w.gatewaySession(w.h.h248.mgs, h248SessionPrefix, hw.word.key[:], src)
	if !ok {
		return w.sessionless(hdr.Auth, ReasonH248WordMismatch, ReasonH248WordMissing)
	}
	wk := w.takeKeys(&s, &hw.word)
	defer w.wipeKeys(&hw.word)
	switch {
	case !hdr.Auth:
		return ReasonH248WordMissing
	case len(hdr.AuthData) != 2*s.Mech.TagSize():
		return ReasonH248WordMalformed
	}
	if spi != hdr.SPI {
		return ReasonH248WordMismatch
	}
	in, err := hw.msg.AppendWordInput(hw.word.in[:0], dirT2P, hdr.Seq,
		key[len(h248SessionPrefix):])
	hw.word.in = in
	tag := hw.msg.AppendAuthData(hw.word.tag[:0])
	if err != nil || !w.macer.VerifyWordKeyed(s.Mech, wk, in, tag) {
		return ReasonH248WordMismatch
	}
	if !w.h.sessions.AcceptIn(key, hdr.Seq, w.now) && !w.h248Retransmission(src) {
		return ReasonH248WordReplayed
	}
	if err := hw.ed.RemoveAuth(); err != nil {
		return editReason(err)
	}
	hw.worded = true
	return ReasonNone
}

// h248Retransmission reports whether every worded Transaction of the
// message is one the proxy already gave an id: a gateway retransmits a
// request as it sent it (RFC 3525 §8.2.3), number included, and the MGC
// answers a retransmission from its own record.
//
// Limitation: so a copy of a worded message replayed while its
// transactions are open (32 s after their last use) is relayed; the MGC
// treats it as the retransmission it looks like.
func (w *Worker) h248Retransmission(src netip.AddrPort) bool {
	for tx := w.hw.msg.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		if tx.Token() == h248.TokTransaction && !registrationTxn(tx) &&
			!w.h.h248.txns.known(txnKey{mg: src, id: tx.ID()}, w.now) {
			return false
		}
	}
	return true
}

// h248RefuseWord answers every Transaction of a gateway's message whose
// word failed with Error 401 (§13.4); nothing of the message is forwarded.
func (w *Worker) h248RefuseWord(out []byte, src netip.AddrPort, r Reason) ([]byte,
	netip.AddrPort, bool) {
	hw := w.hw
	w.h.count(r)
	out = w.appendH248Header(out)
	for tx := hw.msg.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		if tx.Token() == h248.TokTransaction {
			out = appendErrorReply(out, tx.ID(), 401, h248Texts[r])
		}
	}
	w.logH248("verification word refused", src, nil, 401, r)
	return w.localH248(out, src)
}

// h248ForwardWorded writes the MGC's message for a registered gateway with
// the p2t word over it as the gateway receives it (§13.3): Append, parse
// the result again, compute the word over its body, set the authentication
// header and Append again. The header lies outside the body, so setting it
// leaves the input as computed. Without a live session the message goes as
// it is.
func (w *Worker) h248ForwardWorded(out []byte, mg netip.AddrPort) ([]byte, netip.AddrPort,
	bool) {
	hw := w.hw
	key, spi, ok := w.h.h248.mgs.get(mg, append(hw.word.key[:0], h248SessionPrefix...), w.now)
	if !ok {
		// No session: write the message once, straight into out.
		return w.h248Forward(out, mg)
	}
	buf, err := hw.ed.Append(hw.word.buf[:0])
	if err != nil {
		return w.drop(editReason(err))
	}
	hw.word.buf = buf
	seq, s, ok := w.h.sessions.NextOut(key, w.now)
	if !ok {
		return w.sentH248Copy(out, buf, mg)
	}
	wk := w.takeKeys(&s, &hw.word)
	defer w.wipeKeys(&hw.word)
	if hw.msg.Parse(buf) != nil {
		return w.drop(ReasonH248Malformed)
	}
	hw.ed.Reset(&hw.msg)
	in, err := hw.msg.AppendWordInput(hw.word.in[:0], dirP2T, seq, key[len(h248SessionPrefix):])
	hw.word.in = in
	if err != nil {
		return w.drop(ReasonH248Malformed)
	}
	tag, err := w.macer.WordKeyed(hw.word.tag[:0], s.Mech, wk, in)
	if err != nil {
		return w.drop(ReasonH248MAC)
	}
	hw.auth = appendAuthHeader(hw.auth[:0], spi, seq, hw.word.txt[:hex.Encode(hw.word.txt[:], tag)])
	if hw.ed.SetAuth(hw.auth) != nil {
		return w.drop(ReasonH248MAC)
	}
	return w.h248Forward(out, mg)
}

// sentH248Copy sends msg, already written, as it is.
func (w *Worker) sentH248Copy(out, msg []byte, dst netip.AddrPort) ([]byte, netip.AddrPort,
	bool) {
	if len(msg) > maxUDPPayload {
		return w.drop(ReasonH248TooLarge)
	}
	return w.sentH248(append(out, msg...), dst)
}

// appendAuthHeader writes "Authentication = 0x<SPI>:0x<SeqNum>:0x<tag hex>",
// in lower case, as the registration success carries it (§11.5).
func appendAuthHeader(dst []byte, spi, seq uint32, tagHex []byte) []byte {
	dst = append(dst, "Authentication = "...)
	dst = appendSPISeq(dst, spi, seq)
	dst = append(dst, ":0x"...)
	return append(dst, tagHex...)
}

// takeKeys moves a session copy's word key into the worker's space, ws.wk,
// which the caller clears (wipeKeys), and clears the copy's keys: handing the
// copy's own bytes to the MACer would move every copy to the heap.
func (w *Worker) takeKeys(s *keystore.Session, ws *wordScratch) []byte {
	n := copy(ws.wk[:], s.WordKey[:s.Mech.WordKeyLen()])
	clear(s.SK[:])
	clear(s.WordKey[:])
	return ws.wk[:n]
}

// wipeKeys clears what takeKeys copied.
func (w *Worker) wipeKeys(ws *wordScratch) { clear(ws.wk[:]) }
