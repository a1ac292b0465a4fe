package proxy

import (
	"bytes"
	"encoding/base64"
	"net/netip"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// SIP verification words (PROTOCOL.md §13): a request from a terminal whose
// From URI is the address of record of a live session must carry a t2p word
// the proxy checks and removes; a 2xx the proxy forwards to that terminal
// gets a p2t word. The word key comes with the session, derived once at
// registration. The step borrows the Worker's registration scratch (macIn for
// the input, blob for the decoded tag, tag for the computed one, kdLine for
// the header line): a message either completes a registration
// (Key-Distribution) or carries a word, never both.

var (
	methodACK  = []byte("ACK")
	hdrWarning = []byte("Warning")
)

// wordWarnings are the Warning values of the 403s, by reason.
var wordWarnings = [numReasons][]byte{
	ReasonWordMissing:   []byte(`399 sigproxy "verification word missing"`),
	ReasonWordMalformed: []byte(`399 sigproxy "verification word malformed"`),
	ReasonWordMismatch:  []byte(`399 sigproxy "verification word mismatch"`),
	ReasonWordReplayed:  []byte(`399 sigproxy "verification word replayed"`),
}

// checkRequestWord checks the t2p word of a request from a terminal and
// records its number; a non-zero Reason refuses the request. A request that
// starts a registration (REGISTER with Security-Client) needs none, and
// neither does one from a sender without a session, unless the operator
// refuses those (Config.RefuseLegacy); such a sender's word is refused, since
// no live key can vouch for it.
func (w *Worker) checkRequestWord() Reason {
	m := &w.msg
	if m.Index(sip.HdrSecurityClient, 0) >= 0 && bytes.Equal(m.Method(), methodRegister) {
		return ReasonNone
	}
	from, _ := m.Get(sip.HdrFrom)
	aor := sip.NameAddrURI(from)
	s, ok := w.h.sessions.Get(aor, w.now)
	if !ok || s.Mech == skd.MechNone {
		_, n := m.Word()
		return w.sessionless(n > 0, ReasonWordMismatch, ReasonWordMissing)
	}
	clear(s.SK[:])
	key := s.WordKey[:s.Mech.WordKeyLen()]
	defer clear(s.WordKey[:])
	v, n := m.Word()
	if n == 0 {
		return ReasonWordMissing
	}
	seq, mac, err := sip.ParseWord(v)
	if n > 1 || err != nil {
		return ReasonWordMalformed
	}
	// A tag of another length is a word under another mechanism.
	tn, err := base64.StdEncoding.Decode(w.blob[:], mac)
	if err != nil || tn != s.Mech.TagSize() {
		return ReasonWordMalformed
	}
	in, err := sip.AppendWordInput(w.macIn[:0], m, sip.WordT2P, seq, aor)
	if err != nil {
		return ReasonWordMalformed
	}
	w.macIn = in
	if !w.macer.VerifyWordKeyed(s.Mech, key, in, w.blob[:tn]) {
		return ReasonWordMismatch
	}
	// A UDP retransmission repeats the word; it passes for a transaction's
	// lifetime (64*T1), the rest of the window is one-time.
	if ok, _ := w.h.sessions.AcceptInRetransmit(aor, seq, w.now, doneTTL); !ok {
		return ReasonWordReplayed
	}
	return ReasonNone
}

// refuseWord answers a request whose word failed with 403 and a Warning
// naming the reason (PROTOCOL.md §13.4); an ACK gets no response (RFC 3261
// §17.2.1), so it is dropped and counted. The log line is at debug level:
// a flood of forged requests must not become a flood of log lines.
func (w *Worker) refuseWord(out []byte, src netip.AddrPort, r Reason) ([]byte, netip.AddrPort, bool) {
	if bytes.Equal(w.msg.Method(), methodACK) {
		return w.drop(r)
	}
	w.h.count(r)
	if ce := w.h.log.Check(zap.DebugLevel, "verification word refused"); ce != nil {
		callID, _ := w.msg.Get(sip.HdrCallID)
		from, _ := w.msg.Get(sip.HdrFrom)
		ce.Write(zap.ByteString("aor", sip.NameAddrURI(from)),
			zap.ByteString("call_id", callID), zap.String("reason", r.String()))
	}
	out = w.buildReply(out[:0], src, 403, "Forbidden", hdrWarning, wordWarnings[r], ReasonNone)
	return w.sent(out, src)
}

// responseWord returns the Verification-Word line for a 2xx from the
// softswitch on its way to the terminal whose session its From URI names,
// nil when none is due. The fields the input covers are ones forwardResponse
// leaves as they are, so the word holds for the message as the terminal
// receives it.
//
// Limitation: a 2xx whose word input cannot be built (more Contact values
// than sip.MaxListElements) leaves without a word; the terminal then treats
// it as failed, as §13.4 asks.
func (w *Worker) responseWord() []byte {
	m := &w.msg
	if code := m.StatusCode(); code < 200 || code > 299 {
		return nil
	}
	from, _ := m.Get(sip.HdrFrom)
	aor := sip.NameAddrURI(from)
	seq, s, ok := w.h.sessions.NextOut(aor, w.now)
	if !ok {
		return nil
	}
	clear(s.SK[:])
	defer clear(s.WordKey[:])
	in, err := sip.AppendWordInput(w.macIn[:0], m, sip.WordP2T, seq, aor)
	if err != nil {
		return nil
	}
	w.macIn = in
	tag, err := w.macer.WordKeyed(w.tag[:0], s.Mech, s.WordKey[:s.Mech.WordKeyLen()], in)
	if err != nil {
		return nil
	}
	w.kdLine = sip.AppendWord(w.kdLine[:0], seq, tag)
	clear(w.tag[:])
	return w.kdLine
}

// sessionless judges a request from a sender with no live session under a
// mechanism (PROTOCOL.md §13.2), for every protocol: a word no live key can
// vouch for (a de-registered or expired terminal still wording, or a forger)
// is a mismatch; no word passes, unless the operator refuses legacy senders.
func (w *Worker) sessionless(worded bool, mismatch, missing Reason) Reason {
	switch {
	case worded:
		return mismatch
	case w.h.cfg.RefuseLegacy:
		return missing
	}
	return ReasonNone
}
