package terminal

import (
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// keyDist is the parsed Key-Distribution header of a 200 (PROTOCOL.md §5.4).
type keyDist struct {
	terminal, wrap, mac string
	hasMAC              bool
}

// readFinal judges the response to the second REGISTER: for an offering terminal a 200
// must carry a session key that opens and a MAC that verifies.
func (t *Terminal) readFinal(m *sip.Message, ch *challenge, rc *recorder) error {
	if m.StatusCode() != 200 {
		return t.finalFailure(m, rc)
	}
	rc.rep.Status = 200
	kd, present, err := parseKeyDist(m)
	if t.deregistering {
		// §9: a removal carries no key; the words of the old key end.
		rc.step("received 200 to the de-registration key-distribution=%t", present)
		return nil
	}
	if len(t.cfg.Offer) == 0 {
		rc.step("received 200 key-distribution=%t", present)
		return nil
	}
	switch {
	case !present:
		return rc.fail(ErrNoKeyDistribution, "no key-distribution")
	case err != nil:
		return rc.fail(ErrBadKeyDistribution, "malformed key-distribution")
	}
	rc.step("received 200 wrap=%s mac=%t", kd.wrap, kd.hasMAC)
	sk, err := t.openSK(ch, kd, rc)
	if err != nil {
		return err
	}
	defer clear(sk)
	if err := t.verifyMAC(m, ch, kd, sk, rc); err != nil {
		return err
	}
	t.startWords(ch.mech, sk) // requests from now on carry words (PROTOCOL.md §13)
	return nil
}

// openSK opens terminal= under the terminal KEK (PROTOCOL.md §3, recipient terminal,
// kid empty) after checking that the wrap is the chosen mechanism's.
func (t *Terminal) openSK(ch *challenge, kd *keyDist, rc *recorder) ([]byte, error) {
	alg, ok := skd.ParseWrapAlg([]byte(kd.wrap))
	if !ok || alg != ch.mech.Wrap() {
		return nil, rc.fail(ErrWrapMismatch, "wrap "+strconv.Quote(kd.wrap)+
			" does not match "+ch.mech.String())
	}
	blob, err := base64.StdEncoding.Strict().DecodeString(kd.terminal)
	if err != nil {
		return nil, rc.fail(ErrBadKeyDistribution, "terminal blob is not base64")
	}
	kek := skd.TerminalKEK(t.cfg.Kc)
	defer clear(kek[:])
	ad := skd.WrapAD{
		Recipient: []byte(skd.RecipientTerminal),
		Identity:  []byte(t.cfg.Identity),
		Realm:     []byte(ch.realm),
		Nonce:     []byte(ch.nonce),
	}
	sk, err := skd.UnwrapKey(alg, &kek, &ad, blob)
	if err != nil {
		return nil, rc.fail(ErrKeyUnwrap, "sk unwrap")
	}
	rc.rep.SKOpened = true
	rc.step("opened sk wrap=%s", alg)
	return sk, nil
}

// verifyMAC rebuilds the MAC input of PROTOCOL.md §5.5 from what the terminal sent and
// received and checks mac= in constant time.
func (t *Terminal) verifyMAC(m *sip.Message, ch *challenge, kd *keyDist, sk []byte,
	rc *recorder) error {
	f, err := t.macFields(m, ch, kd)
	if err != nil {
		return rc.fail(ErrBadResponse, "200 fields: "+err.Error())
	}
	return t.checkMAC(f, ch, kd, sk, rc)
}

// checkMAC completes f with the agreement and the key distribution, rebuilds the
// MAC input (§5.5) and checks kd's mac= in constant time: SIP's 200 and MGCP's
// success RQNT alike.
func (t *Terminal) checkMAC(f *skd.RegFields, ch *challenge, kd *keyDist, sk []byte,
	rc *recorder) error {
	if !kd.hasMAC {
		return rc.fail(ErrNoMAC, "no mac")
	}
	tag, err := base64.StdEncoding.Strict().DecodeString(kd.mac)
	if err != nil {
		return rc.fail(ErrBadKeyDistribution, "mac is not base64")
	}
	f.Nonce, f.Chosen, f.Offered = []byte(ch.nonce), []byte(ch.chosen), t.offeredBytes()
	f.Terminal, f.Wrap = []byte(kd.terminal), []byte(kd.wrap)
	input, err := skd.AppendMACInput(nil, f)
	if err != nil {
		return rc.fail(ErrBadResponse, "mac input: "+err.Error())
	}
	if !skd.NewMACer().Verify(ch.mech, sk, input, tag) {
		return rc.fail(ErrMACMismatch, "mac mismatch")
	}
	rc.rep.MACVerified = true
	rc.step("verified mac mechanism=%s", ch.mech)
	return nil
}

// macFields fills the registration MAC fields from the 200 and the terminal's state.
func (t *Terminal) macFields(m *sip.Message, ch *challenge, kd *keyDist) (*skd.RegFields,
	error) {
	callID, _ := m.Get(sip.HdrCallID)
	cseq, _ := m.Get(sip.HdrCSeq)
	num, method, err := sip.ParseCSeq(cseq)
	if err != nil {
		return nil, err
	}
	from, _ := m.Get(sip.HdrFrom)
	to, _ := m.Get(sip.HdrTo)
	return &skd.RegFields{
		Protocol: "sip",
		Status:   []byte("200"),
		TxnID:    callID,
		Seq:      fmt.Appendf(nil, "%d %s", num, method),
		FromTag:  sip.Tag(from),
		ToTag:    sip.Tag(to),
	}, nil
}

// parseKeyDist reads the one Key-Distribution header (comma-separated name=value
// pairs). present is false when there is none; two headers are malformed.
func parseKeyDist(m *sip.Message) (kd *keyDist, present bool, err error) {
	switch m.Count(sip.HdrKeyDistribution) {
	case 0:
		return nil, false, nil
	case 1:
	default:
		return nil, true, ErrBadKeyDistribution
	}
	v, _ := m.Get(sip.HdrKeyDistribution)
	term, _ := sip.ListParam(v, "terminal")
	wrap, _ := sip.ListParam(v, "wrap")
	mac, hasMAC := sip.ListParam(v, "mac")
	if len(term) == 0 || len(wrap) == 0 {
		return nil, true, ErrBadKeyDistribution
	}
	return &keyDist{terminal: string(term), wrap: string(wrap), mac: string(mac),
		hasMAC: hasMAC}, true, nil
}

// offeredBytes returns the offered entries as the MAC input takes them.
func (t *Terminal) offeredBytes() [][]byte {
	offered := make([][]byte, len(t.cfg.Offer))
	for i, e := range t.cfg.Offer {
		offered[i] = []byte(e)
	}
	return offered
}
