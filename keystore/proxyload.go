package keystore

import (
	"errors"
	"fmt"
)

// ErrWrongProxy reports a proxy key file written for another proxy id.
var ErrWrongProxy = errors.New("keystore: key file belongs to another proxy")

// LoadMasterKey reads an existing master key file (the format of
// LoadOrCreateMasterKey). Unlike LoadOrCreateMasterKey it never creates one: a
// reader of sealed files gains nothing from a fresh key.
func LoadMasterKey(path string) ([MasterKeySize]byte, error) {
	return readMasterKey(path)
}

// LoadProxyKeyring opens the sealed proxy key file at keyPath with the master
// key file at masterPath and returns the keyring, checking that the file was
// exported for proxyID and holds at least one key.
func LoadProxyKeyring(keyPath, masterPath, proxyID string) (*Keyring, error) {
	keys, err := readProxyKeys(keyPath, masterPath, proxyID)
	if err != nil {
		return nil, err
	}
	defer clearKeys(keys)
	return NewKeyring(keys)
}

// ReloadProxyKeyring reads the key file again, with the checks of
// LoadProxyKeyring, and swaps ring's keys for its keys: this is how a running
// proxy takes up a rotated key. On any error ring keeps the keys it had, so a
// bad file never leaves the proxy without keys. It returns the number of keys
// now held.
func ReloadProxyKeyring(ring *Keyring, keyPath, masterPath, proxyID string) (int, error) {
	keys, err := readProxyKeys(keyPath, masterPath, proxyID)
	if err != nil {
		return ring.Len(), err
	}
	defer clearKeys(keys)
	if err := ring.Update(keys); err != nil {
		return ring.Len(), err
	}
	return len(keys), nil
}

// readProxyKeys opens and checks a proxy key file; the caller clears the keys.
func readProxyKeys(keyPath, masterPath, proxyID string) ([]ProxyKey, error) {
	master, err := LoadMasterKey(masterPath)
	if err != nil {
		return nil, err
	}
	sealer, err := NewSealer(master)
	clear(master[:])
	if err != nil {
		return nil, err
	}
	id, keys, err := ReadProxyKeyFile(keyPath, sealer)
	if err != nil {
		return nil, err
	}
	if id != proxyID {
		clearKeys(keys)
		return nil, fmt.Errorf("%w: %q, not %q", ErrWrongProxy, id, proxyID)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrBadKeyFile)
	}
	return keys, nil
}

func clearKeys(keys []ProxyKey) {
	for _, k := range keys {
		clear(k.Key)
	}
}
