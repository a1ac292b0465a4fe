package keystore

import "errors"

// Errors returned by this package, for errors.Is. Context (which subscriber, which
// file) is added by wrapping; key bytes never appear in an error.
var (
	// ErrUnknownSubscriber reports an identity the store does not hold.
	ErrUnknownSubscriber = errors.New("keystore: unknown subscriber")
	// ErrUnknownProxy reports a proxy id with no key.
	ErrUnknownProxy = errors.New("keystore: unknown proxy")
	// ErrUnknownKID reports a key id that is not (or no longer) known.
	ErrUnknownKID = errors.New("keystore: unknown key id")
	// ErrSealed reports a sealed record that does not open: tampered, moved to
	// another name, or sealed under another master key.
	ErrSealed = errors.New("keystore: sealed record does not open")
	// ErrTableFull reports a SessionTable at capacity even after evicting expired
	// sessions.
	ErrTableFull = errors.New("keystore: session table full")
	// ErrBadKeyFile reports a key file that is malformed or accessible by group or
	// others.
	ErrBadKeyFile = errors.New("keystore: bad key file")
	// ErrExists reports an identity or key id that is already present.
	ErrExists = errors.New("keystore: already exists")
	// ErrBadName reports an identity, proxy id or key id that is empty, too long or
	// has characters outside its allowed set.
	ErrBadName = errors.New("keystore: bad name")
	// ErrKeyInUse reports a proxy key that cannot be removed because the
	// authentication center still wraps under it (the current key).
	ErrKeyInUse = errors.New("keystore: proxy key is the current one")
	// ErrBadAOR reports an address of record that is empty or longer than MaxAOR.
	ErrBadAOR = errors.New("keystore: bad address of record")
)

// Name limits.
const (
	// MaxIdentity bounds a subscriber identity (the digest username); the
	// authentication center refuses longer ones at its API.
	MaxIdentity = 128
	// MaxProxyID bounds a proxy id; it travels as a SIP URI user part in Path.
	MaxProxyID = 64
	// MaxKID bounds a key id; it travels as a SIP token in Key-Distribution.
	MaxKID = 32
	// MaxProxyKeys bounds the keys of one proxy file or keyring: a few live kids
	// during rotation, with a wide margin.
	MaxProxyKeys = 64
)

// checkIdentity accepts 1..MaxIdentity bytes without control characters.
func checkIdentity(id string) error {
	if id == "" || len(id) > MaxIdentity {
		return ErrBadName
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] == 0x7f {
			return ErrBadName
		}
	}
	return nil
}

// CheckProxyID reports ErrBadName unless id is a valid proxy id: 1 to
// MaxProxyID bytes of [A-Za-z0-9._-]. It never contains a path separator.
func CheckProxyID(id string) error { return checkToken(id, MaxProxyID) }

// checkToken accepts 1..max bytes of [A-Za-z0-9._-], a set that is a SIP token
// and a URI user part without escaping.
func checkToken(s string, max int) error {
	if s == "" || len(s) > max {
		return ErrBadName
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
		if !ok {
			return ErrBadName
		}
	}
	return nil
}
