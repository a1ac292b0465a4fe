package terminal

import (
	"bytes"
	"encoding/base64"
	"errors"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Errors of the verification words after registration (PROTOCOL.md §13).
var (
	ErrNotRegistered = errors.New("terminal: no secured registration to word requests with")
	ErrNoWord        = errors.New("terminal: success response without a verification word")
	ErrWordMismatch  = errors.New("terminal: verification word does not verify")
	ErrWordReplayed  = errors.New("terminal: verification word number already seen")
)

// words is the terminal's side of §13 for one registration: SK and the
// mechanism, the last t2p number sent and the p2t window. A new
// registration replaces it, so the numbers start again with the new key.
type words struct {
	sk    [skd.SessionKeySize]byte
	mech  skd.Mechanism
	aor   []byte
	out   uint32
	in    skd.Window
	macer *skd.MACer
}

// startWords keeps the key of a registration that verified.
func (t *Terminal) startWords(mech skd.Mechanism, sk []byte) {
	t.endWords()
	w := &words{mech: mech, macer: skd.NewMACer(),
		aor: []byte("sip:" + t.cfg.Identity + "@" + t.cfg.Realm)}
	copy(w.sk[:], sk)
	t.words = w
}

// endWords forgets the key.
func (t *Terminal) endWords() {
	if t.words != nil {
		clear(t.words.sk[:])
		t.words = nil
	}
}

// sign adds the next t2p word to req (a request this terminal built, with a
// Content-Length header), before Content-Length.
func (t *Terminal) sign(req []byte) ([]byte, error) {
	w := t.words
	var m sip.Message
	if err := m.Parse(req); err != nil {
		return nil, err
	}
	w.out++
	in, err := sip.AppendWordInput(nil, &m, sip.WordT2P, w.out, w.aor)
	if err != nil {
		return nil, err
	}
	tag, err := w.macer.Word(nil, w.mech, w.sk[:], in)
	if err != nil {
		return nil, err
	}
	at := bytes.Index(req, []byte("\r\nContent-Length:")) + 2
	out := make([]byte, 0, len(req)+96)
	out = append(out, req[:at]...)
	out = sip.AppendWord(out, w.out, tag)
	return append(out, req[at:]...), nil
}

// checkWord verifies the p2t word of a success response and records its
// number: a response without one, with one that does not verify, or with a
// number seen before fails (§13.4).
func (t *Terminal) checkWord(m *sip.Message) error {
	w := t.words
	v, n := m.Word()
	if n == 0 {
		return ErrNoWord
	}
	seq, mac, err := sip.ParseWord(v)
	if n > 1 || err != nil {
		return ErrWordMismatch
	}
	tag, err := base64.StdEncoding.Strict().DecodeString(string(mac))
	if err != nil {
		return ErrWordMismatch
	}
	in, err := sip.AppendWordInput(nil, m, sip.WordP2T, seq, w.aor)
	if err != nil || !w.macer.VerifyWord(w.mech, w.sk[:], in, tag) {
		return ErrWordMismatch
	}
	if !w.in.Accept(seq) {
		return ErrWordReplayed
	}
	return nil
}
