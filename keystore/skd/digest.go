package skd

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
)

// Digest algorithm names of RFC 7616 §3.3 that the profile uses (PROTOCOL.md §4).
const (
	DigestMD5    = "MD5"
	DigestSHA256 = "SHA-256"
)

// digestHash returns a fresh hash for an RFC 7616 algorithm name
// (case-insensitive, as the algorithm token is compared in practice).
func digestHash(alg string) (hash.Hash, error) {
	switch {
	case strings.EqualFold(alg, DigestMD5):
		return md5.New(), nil
	case strings.EqualFold(alg, DigestSHA256):
		return sha256.New(), nil
	}
	return nil, ErrDigestAlgorithm
}

// HA1 computes the first verification word, H(username ":" realm ":" password) in
// lower-case hex, for "MD5" or "SHA-256" (RFC 7616 §3.4.2, PROTOCOL.md §4).
func HA1(alg, username, realm, password string) (string, error) {
	h, err := digestHash(alg)
	if err != nil {
		return "", err
	}
	return hashJoined(h, username, realm, password), nil
}

// DigestResponse computes the expected digest response in lower-case hex from HA1
// (RFC 7616 §3.4.1): with qop "auth" it is H(HA1:nonce:nc:cnonce:qop:HA2); with an
// empty qop (RFC 2069 compatibility) H(HA1:nonce:HA2); HA2 = H(method:uri).
// Any other qop fails with ErrDigestQop.
func DigestResponse(alg, ha1, nonce, method, uri, qop, nc, cnonce string) (string, error) {
	h, err := digestHash(alg)
	if err != nil {
		return "", err
	}
	ha2 := hashJoined(h, method, uri)
	switch qop {
	case "auth":
		return hashJoined(h, ha1, nonce, nc, cnonce, qop, ha2), nil
	case "":
		return hashJoined(h, ha1, nonce, ha2), nil
	}
	return "", ErrDigestQop
}

// hashJoined hashes parts joined by ':' and returns lower-case hex.
func hashJoined(h hash.Hash, parts ...string) string {
	h.Reset()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}
