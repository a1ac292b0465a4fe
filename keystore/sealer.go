package keystore

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// MasterKeySize is the size of a master key.
const MasterKeySize = 32

// sealVersion is the first byte of every sealed record; it is also bound into the
// associated data, so a later format cannot be confused with this one.
const sealVersion = 1

// sealOverhead is the version byte, the GCM nonce and the GCM tag.
const sealOverhead = 1 + 12 + 16

// Sealer seals small secrets at rest with a 32-byte master key: AES-256-GCM with
// a random 96-bit nonce, and associated data that binds the record's purpose and
// name, so a sealed value copied to another name does not open. Record format:
// version (1 byte) || nonce (12) || ciphertext || tag (16). A Sealer is safe for
// concurrent use. Random nonces are fine for the record counts of a key store
// (far below 2^32 seals per master key).
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for master. An all-zero key (an uninitialised
// array) is refused with skd.ErrBadKey.
func NewSealer(master [MasterKeySize]byte) (*Sealer, error) {
	if master == [MasterKeySize]byte{} {
		return nil, fmt.Errorf("keystore: master key is all zero: %w", skd.ErrBadKey)
	}
	block, err := aes.NewCipher(master[:])
	clear(master[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns plain sealed with ad.
func (s *Sealer) Seal(plain, ad []byte) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), sealOverhead+len(plain))
	out[0] = sealVersion
	if _, err := io.ReadFull(rand.Reader, out[1:]); err != nil {
		return nil, fmt.Errorf("keystore: seal nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:], plain, sealAD(ad)), nil
}

// Open returns the plaintext of a record made by Seal with the same ad, or
// ErrSealed.
func (s *Sealer) Open(sealed, ad []byte) ([]byte, error) {
	if len(sealed) < sealOverhead || sealed[0] != sealVersion {
		return nil, ErrSealed
	}
	n := 1 + s.aead.NonceSize()
	plain, err := s.aead.Open(nil, sealed[1:n], sealed[n:], sealAD(ad))
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}

func sealAD(ad []byte) []byte {
	return append([]byte{sealVersion}, ad...)
}

// String returns a fixed text: a Sealer holds the master key schedule.
func (s *Sealer) String() string { return "keystore.Sealer{[REDACTED]}" }

// GoString is String.
func (s *Sealer) GoString() string { return s.String() }

// Format writes String for every verb.
func (s *Sealer) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// maxMasterKeyFile bounds what LoadOrCreateMasterKey reads: 44 base64 characters
// and a line end, with room for white space an editor may add.
const maxMasterKeyFile = 128

// LoadOrCreateMasterKey reads the master key file at path: one line of standard
// base64 (RFC 4648 §4, 44 characters) encoding 32 bytes. When the file does not
// exist it is created with mode 0600 holding a fresh random key. A file that group
// or others may access, that is not a regular file, or that does not hold exactly
// one 32-byte key fails with ErrBadKeyFile.
func LoadOrCreateMasterKey(path string) ([MasterKeySize]byte, error) {
	key, err := createMasterKey(path)
	if !errors.Is(err, fs.ErrExist) {
		return key, err
	}
	return readMasterKey(path)
}

// createMasterKey creates path exclusively; fs.ErrExist means someone already has.
func createMasterKey(path string) ([MasterKeySize]byte, error) {
	var key [MasterKeySize]byte
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return key, err
	}
	if _, err := io.ReadFull(rand.Reader, key[:]); err != nil {
		f.Close()
		os.Remove(path)
		return key, fmt.Errorf("keystore: master key: %w", err)
	}
	line := base64.StdEncoding.AppendEncode(nil, key[:])
	_, err = f.Write(append(line, '\n'))
	clear(line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return [MasterKeySize]byte{}, fmt.Errorf("keystore: write master key: %w", err)
	}
	return key, nil
}

func readMasterKey(path string) ([MasterKeySize]byte, error) {
	var key [MasterKeySize]byte
	data, err := ReadPrivateFile(path, maxMasterKeyFile)
	if err != nil {
		return key, err
	}
	defer clear(data)
	n, err := base64.StdEncoding.Decode(key[:], bytes.TrimSpace(data))
	if err != nil || n != MasterKeySize {
		return [MasterKeySize]byte{}, fmt.Errorf("%w: %s: not one base64 32-byte key",
			ErrBadKeyFile, path)
	}
	return key, nil
}

// ReadPrivateFile reads a regular file of at most max bytes that only its owner
// may access. A file open to group or others, not regular, or longer than max
// fails with ErrBadKeyFile.
func ReadPrivateFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkPrivate(f, path); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		clear(data)
		return nil, fmt.Errorf("%w: %s: longer than %d bytes", ErrBadKeyFile, path, max)
	}
	return data, nil
}

// checkPrivate refuses a file that is not regular or whose mode lets group or
// others in.
func checkPrivate(f *os.File, path string) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%w: %s: not a regular file", ErrBadKeyFile, path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s: mode %#o lets group or others in, want 0600",
			ErrBadKeyFile, path, perm)
	}
	return nil
}
