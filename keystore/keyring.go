package keystore

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Keyring is the proxy's read-mostly table from key id to proxy key-encryption
// key (skd.ProxyKEK of each Ksp). Lookups take no lock and do not allocate;
// Update swaps the whole table atomically for key rotation. Safe for concurrent
// use.
type Keyring struct {
	table atomic.Pointer[map[string]*keyringEntry]
}

// keyringEntry is one kid's KEK and a pool of Openers built for it, so that
// Keyring.Open can serve any goroutine without building ciphers per call.
type keyringEntry struct {
	kek     [skd.KEKSize]byte
	openers sync.Pool
}

// NewKeyring builds a Keyring from keys (kids distinct and valid, keys
// skd.KspSize bytes, at most MaxProxyKeys). An empty list gives a Keyring that
// knows no kid: every lookup fails closed with ErrUnknownKID.
func NewKeyring(keys []ProxyKey) (*Keyring, error) {
	k := &Keyring{}
	if err := k.Update(keys); err != nil {
		return nil, err
	}
	return k, nil
}

// Update replaces the Keyring's keys with keys (same rules as NewKeyring). Lookups
// running concurrently see the old table or the new one.
func (k *Keyring) Update(keys []ProxyKey) error {
	if len(keys) > MaxProxyKeys {
		return fmt.Errorf("keystore: %d keys, want at most %d: %w",
			len(keys), MaxProxyKeys, ErrBadName)
	}
	if err := checkKeyList(keys); err != nil {
		return err
	}
	table := make(map[string]*keyringEntry, len(keys))
	for _, pk := range keys {
		e := &keyringEntry{kek: skd.ProxyKEK(pk.Key)}
		e.openers.New = func() any {
			o, err := skd.NewOpener(&e.kek)
			if err != nil {
				return nil // unreachable for a 16-byte KEK; Open fails closed
			}
			return o
		}
		table[pk.KID] = e
	}
	k.table.Store(&table)
	return nil
}

func (k *Keyring) entry(kid []byte) (*keyringEntry, error) {
	table := k.table.Load()
	if table == nil {
		return nil, ErrUnknownKID
	}
	e, ok := (*table)[string(kid)]
	if !ok {
		return nil, ErrUnknownKID
	}
	return e, nil
}

// KEK returns the proxy KEK for kid, or ErrUnknownKID. The array is shared and
// must not be modified; it stays valid after an Update. It does not allocate.
func (k *Keyring) KEK(kid []byte) (*[skd.KEKSize]byte, error) {
	e, err := k.entry(kid)
	if err != nil {
		return nil, err
	}
	return &e.kek, nil
}

// Open opens the proxy's copy of a wrapped session key with the KEK of kid and
// appends SK to dst (see skd.Opener.Open for errors; ErrUnknownKID for an unknown
// kid). Safe for concurrent use; it does not allocate in steady state when dst
// has skd.SessionKeySize bytes of room.
func (k *Keyring) Open(dst, kid []byte, alg skd.WrapAlg, ad *skd.WrapAD,
	blob []byte) ([]byte, error) {
	e, err := k.entry(kid)
	if err != nil {
		return dst, err
	}
	o, ok := e.openers.Get().(*skd.Opener)
	if !ok || o == nil {
		return dst, ErrUnknownKID
	}
	out, err := o.Open(dst, alg, ad, blob)
	e.openers.Put(o)
	return out, err
}

// Len returns the number of kids.
func (k *Keyring) Len() int {
	if t := k.table.Load(); t != nil {
		return len(*t)
	}
	return 0
}

// String reports the number of kids only.
func (k *Keyring) String() string {
	return fmt.Sprintf("keystore.Keyring{kids:%d [REDACTED]}", k.Len())
}

// GoString is String.
func (k *Keyring) GoString() string { return k.String() }

// Format writes String for every verb.
func (k *Keyring) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }
