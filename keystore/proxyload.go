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
	defer func() {
		for _, k := range keys {
			clear(k.Key)
		}
	}()
	if id != proxyID {
		return nil, fmt.Errorf("%w: %q, not %q", ErrWrongProxy, id, proxyID)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrBadKeyFile)
	}
	return NewKeyring(keys)
}
