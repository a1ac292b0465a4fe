package skd

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"io"
)

// KDF labels of PROTOCOL.md §1 (HKDF info strings).
const (
	labelDigestPassword = Version + " digest-password"
	labelKEKTerminal    = Version + " kek-terminal"
	labelKEKProxy       = Version + " kek-proxy"
	labelMACKey         = Version + " mac-key"
)

// digestPasswordRaw is the HKDF output length of the digest password: 18 bytes
// encode to 24 base64 characters without padding.
const digestPasswordRaw = 18

// NewSessionKey reads a fresh SK from rnd (crypto/rand.Reader when rnd is nil).
func NewSessionKey(rnd io.Reader) ([SessionKeySize]byte, error) {
	var sk [SessionKeySize]byte
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, sk[:]); err != nil {
		return sk, err
	}
	return sk, nil
}

// DigestPassword derives the HTTP Digest password of a subscriber from Kc
// (PROTOCOL.md §1): 18 bytes of HKDF-SHA-256, base64, 24 ASCII characters.
func DigestPassword(kc []byte) string {
	raw := deriveStd(kc, labelDigestPassword, digestPasswordRaw)
	s := base64.StdEncoding.EncodeToString(raw)
	clear(raw)
	return s
}

// TerminalKEK derives the terminal key-encryption key from Kc (PROTOCOL.md §1).
func TerminalKEK(kc []byte) [KEKSize]byte {
	return deriveKEK(kc, labelKEKTerminal)
}

// ProxyKEK derives the proxy key-encryption key from Ksp (PROTOCOL.md §1).
func ProxyKEK(ksp []byte) [KEKSize]byte {
	return deriveKEK(ksp, labelKEKProxy)
}

func deriveKEK(secret []byte, label string) [KEKSize]byte {
	var kek [KEKSize]byte
	raw := deriveStd(secret, label, KEKSize)
	copy(kek[:], raw)
	clear(raw)
	return kek
}

// deriveStd runs the standard library HKDF-SHA-256 with an empty salt. The
// lengths used here are far below HKDF's 255*32-byte limit, so it cannot fail.
func deriveStd(secret []byte, label string, n int) []byte {
	out, err := hkdf.Key(sha256.New, secret, nil, label, n)
	if err != nil {
		panic("skd: hkdf length out of range") // unreachable: n is a constant <= 32
	}
	return out
}

// hmacSHA256 is HMAC-SHA-256 (RFC 2104) over one reused SHA-256 state, so that
// rekeying costs no allocation (crypto/hmac allocates per key). Every slice given
// to the hash lives inside the struct, which keeps it off the stack-escape path.
type hmacSHA256 struct {
	h     hash.Hash
	ipad  [sha256.BlockSize]byte
	opad  [sha256.BlockSize]byte
	inner [sha256.Size]byte
}

func newHMACSHA256() hmacSHA256 {
	return hmacSHA256{h: sha256.New()}
}

// start keys the MAC and begins a message.
func (m *hmacSHA256) start(key []byte) {
	m.h.Reset()
	if len(key) > sha256.BlockSize {
		m.h.Write(key)
		key = m.h.Sum(m.inner[:0])
		m.h.Reset()
	}
	clear(m.ipad[:])
	copy(m.ipad[:], key)
	for i := range m.ipad {
		m.opad[i] = m.ipad[i] ^ 0x5c
		m.ipad[i] ^= 0x36
	}
	m.h.Write(m.ipad[:])
}

func (m *hmacSHA256) write(p []byte) { m.h.Write(p) }

// finish appends the MAC to dst and wipes the pads.
func (m *hmacSHA256) finish(dst []byte) []byte {
	inner := m.h.Sum(m.inner[:0])
	m.h.Reset()
	m.h.Write(m.opad[:])
	m.h.Write(inner)
	dst = m.h.Sum(dst)
	m.wipe()
	return dst
}

func (m *hmacSHA256) wipe() {
	clear(m.ipad[:])
	clear(m.opad[:])
	clear(m.inner[:])
	m.h.Reset()
}

// hkdfSHA256 is HKDF-SHA-256 (RFC 5869) with an empty salt on the reused HMAC
// state: it writes len(out) bytes of output keying material, up to maxHKDFOut.
// info must live on the heap (a struct field or a constant string's bytes) so
// that passing it to the hash does not move a caller's stack array to the heap.
type hkdfSHA256 struct {
	mac  hmacSHA256
	zero [sha256.Size]byte // the empty salt, as HMAC key: HashLen zero bytes
	prk  [sha256.Size]byte
	t    [sha256.Size]byte
	ctr  [1]byte
}

// maxHKDFOut bounds the in-package HKDF output: the profile needs at most 32
// bytes; two blocks let the RFC 5869 test vectors run against the same code.
const maxHKDFOut = 2 * sha256.Size

func newHKDFSHA256() *hkdfSHA256 {
	return &hkdfSHA256{mac: newHMACSHA256()}
}

// derive fills out (len <= maxHKDFOut) from ikm and info.
func (k *hkdfSHA256) derive(out, ikm, info []byte) {
	k.mac.start(k.zero[:])
	k.mac.write(ikm)
	k.mac.finish(k.prk[:0])
	var prev []byte
	for i := 0; len(out) > 0 && i < maxHKDFOut/sha256.Size; i++ {
		k.ctr[0] = byte(i + 1)
		k.mac.start(k.prk[:])
		k.mac.write(prev)
		k.mac.write(info)
		k.mac.write(k.ctr[:])
		prev = k.mac.finish(k.t[:0])
		out = out[copy(out, prev):]
	}
	clear(k.prk[:])
	clear(k.t[:])
}
