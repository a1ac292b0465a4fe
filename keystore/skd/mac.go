package skd

import (
	"crypto/subtle"
	"fmt"
	"io"
)

// macLabelPrefix and macLabelSuffix frame the protocol name in the first MAC input
// field: "sigproxy-v1 sip-reg-mac".
const (
	macLabelPrefix = Version + " "
	macLabelSuffix = "-reg-mac"
	// maxProtocol bounds RegFields.Protocol: protocol names are short tokens
	// ("sip", "h248", "mgcp", "h323"); 16 leaves room and keeps the label short.
	maxProtocol = 16
)

// RegFields are the protocol-neutral fields of a registration success MAC
// (PROTOCOL.md §5.5). Each protocol handler fills them from its own parser; the
// label is "sigproxy-v1 " + Protocol + "-reg-mac". Chosen and each Offered entry
// are trimmed of surrounding spaces and tabs by AppendMACInput, so callers may
// pass them as received.
type RegFields struct {
	Protocol       string   // "sip"
	Status         []byte   // "200"
	TxnID          []byte   // SIP: Call-ID
	Seq            []byte   // SIP: "<cseq number> <method>", canonical
	FromTag, ToTag []byte   // dialog tags
	Nonce          []byte   // challenge nonce of the 401
	Chosen         []byte   // chosen mechanism entry as sent
	Offered        [][]byte // offered entries as received, at most MaxOffered
	Terminal       []byte   // the terminal= base64 text, without quotes
	Wrap           []byte   // wrap algorithm name
}

// AppendMACInput appends the MAC input of PROTOCOL.md §5.5 to dst:
//
//	LP(label) LP(status) LP(txn id) LP(seq) LP(from tag) LP(to tag) LP(nonce)
//	LP(chosen) count16(offered) LP(offered[i])... LP(terminal) LP(wrap)
//
// Errors: ErrFieldTooLong when a field exceeds MaxField or Protocol exceeds 16
// bytes or is empty, ErrTooManyOffered when more than MaxOffered entries are
// given; dst is then returned unchanged. It does not allocate when dst has room.
func AppendMACInput(dst []byte, f *RegFields) ([]byte, error) {
	if err := checkRegFields(f); err != nil {
		return dst, err
	}
	dst = append(dst, 0, byte(len(macLabelPrefix)+len(f.Protocol)+len(macLabelSuffix)))
	dst = append(dst, macLabelPrefix...)
	dst = append(dst, f.Protocol...)
	dst = append(dst, macLabelSuffix...)
	for _, b := range [...][]byte{f.Status, f.TxnID, f.Seq, f.FromTag, f.ToTag, f.Nonce} {
		dst = appendLP(dst, b)
	}
	dst = appendLP(dst, trimSpace(f.Chosen))
	dst = append(dst, byte(len(f.Offered)>>8), byte(len(f.Offered)))
	for _, e := range f.Offered {
		dst = appendLP(dst, trimSpace(e))
	}
	dst = appendLP(dst, f.Terminal)
	return appendLP(dst, f.Wrap), nil
}

// checkRegFields enforces the limits of AppendMACInput before anything is written.
func checkRegFields(f *RegFields) error {
	if len(f.Protocol) == 0 || len(f.Protocol) > maxProtocol {
		return ErrFieldTooLong
	}
	if len(f.Offered) > MaxOffered {
		return ErrTooManyOffered
	}
	for _, b := range [...][]byte{f.Status, f.TxnID, f.Seq, f.FromTag, f.ToTag, f.Nonce,
		f.Chosen, f.Terminal, f.Wrap} {
		if len(b) > MaxField {
			return ErrFieldTooLong
		}
	}
	for _, e := range f.Offered {
		if len(e) > MaxField {
			return ErrFieldTooLong
		}
	}
	return nil
}

// trimSpace removes leading and trailing SP and HTAB (the SIP white space that
// may surround a comma-separated entry) without allocating.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// MACer computes and checks registration verification words (PROTOCOL.md §2,
// §5.5) without allocating in steady state: it derives the MAC key from SK with
// HKDF-SHA-256 on a reused hash state, then runs HMAC-SHA-256 on the same state or
// Ascon-128a (v1.2) with an empty plaintext, the input as associated data and a
// zero nonce. Key material in its scratch space is wiped after each call. A MACer
// is for one goroutine at a time.
type MACer struct {
	kdf    *hkdfSHA256
	mac    hmacSHA256
	key    [32]byte
	tag    [32]byte
	labelB []byte // labelMACKey as heap bytes, for the hash writes

	wordLabel []byte // labelWordKey as heap bytes

	spiLabel []byte // labelH248SPI as heap bytes
}

// NewMACer returns a MACer.
func NewMACer() *MACer {
	return &MACer{
		kdf:       newHKDFSHA256(),
		mac:       newHMACSHA256(),
		labelB:    []byte(labelMACKey),
		spiLabel:  []byte(labelH248SPI),
		wordLabel: []byte(labelWordKey),
	}
}

// Sum appends mech's tag over input, keyed by the MAC key derived from sk, to dst.
// Errors: ErrUnknownMechanism, ErrBadKey (sk not SessionKeySize bytes); dst is then
// returned unchanged. It does not allocate when dst has TagSize bytes of room.
func (m *MACer) Sum(dst []byte, mech Mechanism, sk []byte, input []byte) ([]byte, error) {
	tag, err := m.sum(mech, sk, input)
	if err != nil {
		return dst, err
	}
	dst = append(dst, tag...)
	clear(m.tag[:])
	return dst, nil
}

// Verify reports whether tag is mech's tag over input under the MAC key derived
// from sk. The comparison is constant time; any error (unknown mechanism, bad key
// size, wrong tag length) reports false.
func (m *MACer) Verify(mech Mechanism, sk []byte, input []byte, tag []byte) bool {
	want, err := m.sum(mech, sk, input)
	if err != nil {
		return false
	}
	ok := subtle.ConstantTimeCompare(want, tag) == 1
	clear(m.tag[:])
	return ok
}

// sum computes the registration MAC tag into m.tag and returns a view of it.
func (m *MACer) sum(mech Mechanism, sk []byte, input []byte) ([]byte, error) {
	return m.sumWith(m.labelB, mech, sk, input)
}

// sumWith computes mech's tag under the key derived from sk with the HKDF info
// label into m.tag and returns a view of it.
func (m *MACer) sumWith(label []byte, mech Mechanism, sk, input []byte) ([]byte, error) {
	n := mech.macKeySize()
	if n == 0 {
		return nil, ErrUnknownMechanism
	}
	if len(sk) != SessionKeySize {
		return nil, ErrBadKey
	}
	key := m.key[:n]
	m.kdf.derive(key, sk, label)
	defer clear(m.key[:])
	if mech == MechHMACSHA256 {
		m.mac.start(key)
		m.mac.write(input)
		return m.mac.finish(m.tag[:0]), nil
	}
	asconMAC((*[asconKeySize]byte)(key), input, (*[asconTagSize]byte)(m.tag[:asconTagSize]))
	return m.tag[:asconTagSize], nil
}

// String returns a fixed text: a MACer's scratch space may hold key material.
func (m *MACer) String() string { return "skd.MACer{[REDACTED]}" }

// GoString is String, so %#v redacts too.
func (m *MACer) GoString() string { return m.String() }

// Format writes String for every verb.
func (m *MACer) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }
