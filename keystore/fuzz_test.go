package keystore

import (
	"errors"
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// FuzzSealerOpen: arbitrary records never open and never panic.
func FuzzSealerOpen(f *testing.F) {
	s := testSealer(f, 1)
	f.Fuzz(func(t *testing.T, sealed, ad []byte) {
		plain, err := s.Open(sealed, ad)
		if !errors.Is(err, ErrSealed) || plain != nil {
			t.Fatalf("random record: %q, %v", plain, err)
		}
	})
}

// FuzzDecodeProxyFile parses the opened document of a proxy key file: it never
// panics, and what it accepts satisfies the file's rules.
func FuzzDecodeProxyFile(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		proxy, keys, err := decodeProxyFile("fuzz", doc)
		if err != nil {
			if !errors.Is(err, ErrBadKeyFile) {
				t.Fatalf("error %v is not ErrBadKeyFile", err)
			}
			return
		}
		if checkToken(proxy, MaxProxyID) != nil || len(keys) == 0 || len(keys) > MaxProxyKeys {
			t.Fatalf("accepted proxy %q with %d keys", proxy, len(keys))
		}
		for _, k := range keys {
			if len(k.Key) != skd.KspSize || checkToken(k.KID, MaxKID) != nil {
				t.Fatalf("accepted key %q of %d bytes", k.KID, len(k.Key))
			}
		}
	})
}
