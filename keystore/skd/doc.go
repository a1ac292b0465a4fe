// Package skd holds the session-key distribution primitives of the sigproxy wire
// profile (docs/PROTOCOL.md §1–§5): the HKDF labels and derived keys, the wrapped
// session key and its associated data, the HTTP Digest verification words, the
// mechanism choice of RFC 3329 with the profile's tie rules, and the registration
// success MAC over a protocol-neutral set of fields.
//
// The package knows no wire format and no network: every protocol handler (SIP
// today) fills a RegFields or a WrapAD from its own parser and calls in here, so the
// proxy, the softswitch, the terminal and the authentication center share one
// implementation of each rule.
//
// # Algorithms
//
// HKDF-SHA-256 (RFC 5869, empty salt), AES-128-GCM and HMAC-SHA-256 come from the
// standard library. Ascon-128a is the pre-standard Ascon v1.2 of the CAESAR
// portfolio as implemented by github.com/cloudflare/circl/cipher/ascon, not the
// NIST SP 800-232 Ascon-AEAD128: the two differ in byte order and initial value, so
// a terminal must use a v1.2 implementation. The MAC of mechanism ascon128a-v12 is
// computed by a small in-package Ascon-128a (initialisation, associated data,
// finalisation only; there is no plaintext) because circl builds a heap object per
// key and the MAC key changes with every registration; tests check it against
// circl's Seal bit for bit.
//
// # Performance contract
//
// Opener.Open, MACer.Sum, MACer.Verify, AppendMACInput and AppendWrapAD do not
// allocate when dst has room (guarded by tests). Opener and MACer keep internal
// scratch space and are for one goroutine at a time; make one per event loop.
// Everything else (WrapKey, UnwrapKey, the KDF helpers, HA1, DigestResponse) may
// allocate and is meant for the authentication center, the softswitch and the
// terminal.
//
// Byte slices passed in are only read during the call; returned slices are either
// appended to the caller's dst or freshly allocated, never views of internal state.
//
// # Secrets
//
// No error returned by this package carries key bytes. Opener and MACer redact
// themselves when formatted with the fmt package.
package skd
