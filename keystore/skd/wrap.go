package skd

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/cloudflare/circl/cipher/ascon"
)

// Recipients of a wrapped session key (PROTOCOL.md §3).
const (
	RecipientTerminal = "terminal"
	RecipientProxy    = "proxy"
)

// labelWrap is the first field of the wrap AD.
const labelWrap = Version + " wrap"

// wrapADFields is the number of LP fields of the wrap AD; maxWrapAD its largest
// size, which sizes the Opener's scratch space.
const (
	wrapADFields = 6
	maxWrapAD    = wrapADFields * (2 + MaxField)
)

// WrapAD is the associated data of a wrapped SK (PROTOCOL.md §3): the recipient
// ("terminal" or "proxy"), the digest username, the digest realm, the digest
// challenge nonce and the proxy key id (empty for the terminal's copy).
type WrapAD struct {
	Recipient, Identity, Realm, Nonce, KID []byte
}

// AppendWrapAD appends the encoded AD of PROTOCOL.md §3 to dst:
// LP("sigproxy-v1 wrap") LP(recipient) LP(identity) LP(realm) LP(nonce) LP(kid).
// A field longer than MaxField fails with ErrFieldTooLong and returns dst
// unchanged. It does not allocate when dst has room.
func AppendWrapAD(dst []byte, ad *WrapAD) ([]byte, error) {
	fields := [...][]byte{ad.Recipient, ad.Identity, ad.Realm, ad.Nonce, ad.KID}
	for _, f := range fields {
		if len(f) > MaxField {
			return dst, ErrFieldTooLong
		}
	}
	dst = appendLPString(dst, labelWrap)
	for _, f := range fields {
		dst = appendLP(dst, f)
	}
	return dst, nil
}

// appendLP appends the two-byte big-endian length of b and b. Callers check
// len(b) <= MaxField first.
func appendLP(dst, b []byte) []byte {
	dst = append(dst, byte(len(b)>>8), byte(len(b)))
	return append(dst, b...)
}

func appendLPString(dst []byte, s string) []byte {
	dst = append(dst, byte(len(s)>>8), byte(len(s)))
	return append(dst, s...)
}

// newAEAD builds the AEAD of alg under kek.
func newAEAD(alg WrapAlg, kek *[KEKSize]byte) (cipher.AEAD, error) {
	switch alg {
	case WrapAES128GCM:
		block, err := aes.NewCipher(kek[:])
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(block)
	case WrapAscon128aV12:
		return ascon.New(kek[:], ascon.Ascon128a)
	}
	return nil, ErrUnknownWrap
}

// WrapKey seals the session key sk under kek for the recipient and context in ad
// (PROTOCOL.md §3) and returns the blob nonce || ciphertext || tag, with a nonce
// read from rnd (crypto/rand.Reader when nil). It allocates; the authentication
// center uses it.
func WrapKey(alg WrapAlg, kek *[KEKSize]byte, ad *WrapAD, sk []byte,
	rnd io.Reader) ([]byte, error) {
	if len(sk) != SessionKeySize {
		return nil, ErrBadKey
	}
	aead, err := newAEAD(alg, kek)
	if err != nil {
		return nil, err
	}
	adBytes, err := AppendWrapAD(nil, ad)
	if err != nil {
		return nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	blob := make([]byte, alg.nonceSize(), alg.BlobSize())
	if _, err := io.ReadFull(rnd, blob); err != nil {
		return nil, fmt.Errorf("skd: wrap nonce: %w", err)
	}
	return aead.Seal(blob, blob, sk, adBytes), nil
}

// UnwrapKey opens a blob made by WrapKey and returns the session key. A blob of
// the wrong length fails with ErrBadBlob; a blob that does not authenticate under
// kek and ad fails with ErrUnwrap. It allocates; the terminal uses it.
func UnwrapKey(alg WrapAlg, kek *[KEKSize]byte, ad *WrapAD, blob []byte) ([]byte, error) {
	o, err := NewOpener(kek)
	if err != nil {
		return nil, err
	}
	return o.Open(make([]byte, 0, SessionKeySize), alg, ad, blob)
}

// Opener opens wrapped session keys under one KEK without allocating (the proxy's
// hot path): both AEADs are built once in NewOpener, and the AD is encoded into
// scratch space the Opener owns. An Opener is for one goroutine at a time.
type Opener struct {
	gcm   cipher.AEAD
	ascon *ascon.Cipher
	ad    []byte // scratch, capacity maxWrapAD
}

// NewOpener builds an Opener for kek. kek is not retained.
func NewOpener(kek *[KEKSize]byte) (*Opener, error) {
	gcm, err := newAEAD(WrapAES128GCM, kek)
	if err != nil {
		return nil, err
	}
	asc, err := ascon.New(kek[:], ascon.Ascon128a)
	if err != nil {
		return nil, err
	}
	return &Opener{gcm: gcm, ascon: asc, ad: make([]byte, 0, maxWrapAD)}, nil
}

// Open authenticates and decrypts blob under the Opener's KEK, alg and ad, and
// appends the session key to dst. Errors: ErrUnknownWrap, ErrBadBlob (length),
// ErrFieldTooLong (ad), ErrUnwrap (does not open). On error nothing is appended.
// It does not allocate when dst has SessionKeySize bytes of room.
func (o *Opener) Open(dst []byte, alg WrapAlg, ad *WrapAD, blob []byte) ([]byte, error) {
	var aead cipher.AEAD
	switch alg {
	case WrapAES128GCM:
		aead = o.gcm
	case WrapAscon128aV12:
		aead = o.ascon
	default:
		return dst, ErrUnknownWrap
	}
	if len(blob) != alg.BlobSize() {
		return dst, ErrBadBlob
	}
	adBytes, err := AppendWrapAD(o.ad[:0], ad)
	if err != nil {
		return dst, err
	}
	n := alg.nonceSize()
	out, err := aead.Open(dst, blob[:n], blob[n:], adBytes)
	if err != nil {
		return dst, ErrUnwrap
	}
	return out, nil
}

// String returns a fixed text: an Opener holds key schedules.
func (o *Opener) String() string { return "skd.Opener{[REDACTED]}" }

// GoString is String, so %#v redacts too.
func (o *Opener) GoString() string { return o.String() }

// Format writes String for every verb, so no fmt verb prints key schedules.
func (o *Opener) Format(f fmt.State, _ rune) { io.WriteString(f, o.String()) }
