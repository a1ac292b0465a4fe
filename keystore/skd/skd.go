package skd

import (
	"bytes"
	"errors"
)

// Version is the profile label that prefixes every KDF label, the wrap AD and the
// MAC input.
const Version = "sigproxy-v1"

// Key and field sizes of the profile (PROTOCOL.md §1, §3, §5.5).
const (
	// SessionKeySize is the size of SK.
	SessionKeySize = 16
	// KcSize is the size of a subscriber key Kc.
	KcSize = 32
	// KspSize is the size of a proxy key Ksp.
	KspSize = 32
	// KEKSize is the size of a key-encryption key (terminal or proxy).
	KEKSize = 16
	// MaxOffered bounds the offered mechanism entries kept and MACed: RFC 3329
	// defines a handful of mechanisms, and 16 leaves room for parameter variants
	// while keeping the MAC input and the proxy's per-dialog state small.
	MaxOffered = 16
	// MaxField bounds any LP field of the wrap AD or the MAC input. SIP values that
	// go there (Call-ID, tags, nonces, mechanism entries, a 64-character blob) are
	// far shorter in practice; 1024 keeps the worst-case MAC input near 30 KiB.
	MaxField = 1024
)

// Errors returned by this package. Callers test them with errors.Is; they never
// carry key bytes.
var (
	// ErrUnwrap reports a wrapped key that does not open: wrong key, wrong
	// associated data, or a tampered blob.
	ErrUnwrap = errors.New("skd: wrapped key does not open")
	// ErrBadBlob reports a wrapped key of the wrong length for its algorithm.
	ErrBadBlob = errors.New("skd: wrapped key has the wrong length")
	// ErrUnknownMechanism reports a mechanism this package does not implement.
	ErrUnknownMechanism = errors.New("skd: unknown mechanism")
	// ErrUnknownWrap reports a wrap algorithm this package does not implement.
	ErrUnknownWrap = errors.New("skd: unknown wrap algorithm")
	// ErrFieldTooLong reports an AD or MAC input field longer than MaxField.
	ErrFieldTooLong = errors.New("skd: field too long")
	// ErrTooManyOffered reports more than MaxOffered offered entries.
	ErrTooManyOffered = errors.New("skd: too many offered mechanisms")
	// ErrBadKey reports a key or session key of the wrong size.
	ErrBadKey = errors.New("skd: key has the wrong size")
	// ErrDigestAlgorithm reports an HTTP Digest algorithm other than MD5 or
	// SHA-256.
	ErrDigestAlgorithm = errors.New("skd: unknown digest algorithm")
	// ErrDigestQop reports a digest qop other than "auth" or empty.
	ErrDigestQop = errors.New("skd: unsupported digest qop")
)

// Mechanism is an RFC 3329 security mechanism of this profile (PROTOCOL.md §2).
type Mechanism uint8

// The mechanisms of the profile. MechNone is the zero value: no mechanism.
const (
	MechNone Mechanism = iota
	MechHMACSHA256
	MechAscon128aV12
)

// Mechanism and wrap algorithm names as they appear on the wire.
const (
	nameHMACSHA256 = "hmac-sha256"
	nameAscon      = "ascon128a-v12"
	nameAESGCM     = "aes128gcm"
	nameNone       = "none"
)

// ParseMechanism maps a mechanism name (case-insensitive) to a Mechanism. It
// reports false for any other name.
func ParseMechanism(name []byte) (Mechanism, bool) {
	switch {
	case bytes.EqualFold(name, []byte(nameHMACSHA256)):
		return MechHMACSHA256, true
	case bytes.EqualFold(name, []byte(nameAscon)):
		return MechAscon128aV12, true
	}
	return MechNone, false
}

// String returns the wire name of m, or "none".
func (m Mechanism) String() string {
	switch m {
	case MechHMACSHA256:
		return nameHMACSHA256
	case MechAscon128aV12:
		return nameAscon
	}
	return nameNone
}

// Wrap returns the key-wrap algorithm that goes with m (PROTOCOL.md §2).
func (m Mechanism) Wrap() WrapAlg {
	switch m {
	case MechHMACSHA256:
		return WrapAES128GCM
	case MechAscon128aV12:
		return WrapAscon128aV12
	}
	return WrapNone
}

// TagSize returns the size of m's MAC tag: 32 for hmac-sha256, 16 for
// ascon128a-v12, 0 for MechNone.
func (m Mechanism) TagSize() int {
	switch m {
	case MechHMACSHA256:
		return 32
	case MechAscon128aV12:
		return asconTagSize
	}
	return 0
}

// macKeySize returns the size of m's MAC key (PROTOCOL.md §1).
func (m Mechanism) macKeySize() int {
	switch m {
	case MechHMACSHA256:
		return 32
	case MechAscon128aV12:
		return asconKeySize
	}
	return 0
}

// WrapAlg is a session-key wrap algorithm (PROTOCOL.md §3).
type WrapAlg uint8

// The wrap algorithms of the profile. WrapNone is the zero value.
const (
	WrapNone WrapAlg = iota
	WrapAES128GCM
	WrapAscon128aV12
)

// Nonce and tag sizes of the two AEADs.
const (
	gcmNonceSize   = 12
	gcmTagSize     = 16
	asconNonceSize = 16
	asconTagSize   = 16
	asconKeySize   = 16
)

// ParseWrapAlg maps a wrap algorithm name (case-insensitive) to a WrapAlg. It
// reports false for any other name.
func ParseWrapAlg(name []byte) (WrapAlg, bool) {
	switch {
	case bytes.EqualFold(name, []byte(nameAESGCM)):
		return WrapAES128GCM, true
	case bytes.EqualFold(name, []byte(nameAscon)):
		return WrapAscon128aV12, true
	}
	return WrapNone, false
}

// String returns the wire name of w, or "none".
func (w WrapAlg) String() string {
	switch w {
	case WrapAES128GCM:
		return nameAESGCM
	case WrapAscon128aV12:
		return nameAscon
	}
	return nameNone
}

// BlobSize returns the size of a wrapped session key: 44 for aes128gcm, 48 for
// ascon128a-v12, 0 for WrapNone.
func (w WrapAlg) BlobSize() int {
	if w.nonceSize() == 0 {
		return 0
	}
	return w.nonceSize() + SessionKeySize + w.tagSize()
}

func (w WrapAlg) nonceSize() int {
	switch w {
	case WrapAES128GCM:
		return gcmNonceSize
	case WrapAscon128aV12:
		return asconNonceSize
	}
	return 0
}

func (w WrapAlg) tagSize() int {
	switch w {
	case WrapAES128GCM:
		return gcmTagSize
	case WrapAscon128aV12:
		return asconTagSize
	}
	return 0
}
