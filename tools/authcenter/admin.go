package authcenter

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// OpenStore opens (creating when missing, mode 0600) the AC's bbolt key store at
// dbPath, sealed with the master key file at masterKeyPath. A master key is
// created only together with a new store: for an existing store a missing
// master key file is an error, since a fresh key would seal new records under
// a key the old ones do not open with.
func OpenStore(dbPath, masterKeyPath string) (keystore.SubscriberStore, error) {
	load := keystore.LoadOrCreateMasterKey
	if _, err := os.Stat(dbPath); err == nil {
		load = keystore.LoadMasterKey
	}
	master, err := load(masterKeyPath)
	if err != nil {
		return nil, fmt.Errorf("authcenter: master key for %s: %w", dbPath, err)
	}
	sealer, err := keystore.NewSealer(master)
	clear(master[:])
	if err != nil {
		return nil, err
	}
	return keystore.OpenBolt(dbPath, sealer)
}

// AddSubscribers generates a fresh Kc from rnd (crypto/rand when nil) for each
// identity and stores them all, or none when any is present (keystore.ErrExists).
// It returns the identities with their keys, for WriteTerminalKeys.
func AddSubscribers(store keystore.SubscriberStore, identities []string,
	rnd io.Reader) ([]keystore.Subscriber, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	subs := make([]keystore.Subscriber, 0, len(identities))
	for _, id := range identities {
		kc := make([]byte, skd.KcSize)
		if _, err := io.ReadFull(rnd, kc); err != nil {
			return nil, fmt.Errorf("authcenter: generate Kc: %w", err)
		}
		subs = append(subs, keystore.Subscriber{Identity: id, Kc: kc})
	}
	if err := store.AddSubscribers(subs); err != nil {
		return nil, err
	}
	return subs, nil
}

// SequentialIdentities returns count identities prefix+index, index from start
// (e.g. user1..user50), the naming sigterm --count uses.
func SequentialIdentities(prefix string, start, count int) []string {
	ids := make([]string, 0, max(count, 0))
	for i := 0; i < count; i++ {
		ids = append(ids, prefix+strconv.Itoa(start+i))
	}
	return ids
}

// ErrNotExportable reports an identity that the terminal key list format cannot
// carry (it contains white space, ':', '=' or ',', or starts with '#').
var ErrNotExportable = errors.New("authcenter: identity not representable in a key list")

// terminalKeySeparators may not occur in an exported identity: they separate
// identity and key in the list format.
const terminalKeySeparators = " \t:=,"

// WriteTerminalKeys writes the identity -> Kc list terminals read (sigterm
// --kc-file) to path, mode 0600: a comment line, then one "identity base64(Kc)"
// line per subscriber.
func WriteTerminalKeys(path string, subs []keystore.Subscriber) error {
	var b strings.Builder
	b.WriteString("# sigproxy-v1 terminal keys: identity base64(Kc). Secret.\n")
	for _, s := range subs {
		if strings.ContainsAny(s.Identity, terminalKeySeparators) ||
			strings.HasPrefix(s.Identity, "#") {
			return fmt.Errorf("%w: %q", ErrNotExportable, s.Identity)
		}
		b.WriteString(s.Identity)
		b.WriteByte(' ')
		b.WriteString(base64.StdEncoding.EncodeToString(s.Kc))
		b.WriteByte('\n')
	}
	return keystore.WritePrivateFile(path, []byte(b.String()))
}

// SubscriberPassword returns identity's digest password (PROTOCOL.md §1), for
// SIP clients that take a password rather than Kc. It is a secret.
func SubscriberPassword(store keystore.SubscriberStore, identity string) (string, error) {
	kc, err := store.SubscriberKey(identity)
	if err != nil {
		return "", err
	}
	defer clear(kc)
	return skd.DigestPassword(kc), nil
}

// AddProxyKey generates a fresh Ksp from rnd (crypto/rand when nil) for proxyID
// under kid, or under the next numeric kid (highest numeric kid + 1, else "1")
// when kid is empty; the new key becomes the proxy's current key. It returns the
// kid used.
func AddProxyKey(store keystore.SubscriberStore, proxyID, kid string,
	rnd io.Reader) (string, error) {
	return putProxyKey(store, store.AddProxyKey, proxyID, kid, rnd)
}

// StageProxyKey is AddProxyKey for a key that does not become current: the AC
// keeps wrapping under the current key until SetCurrentProxyKey, so proxies
// can load the new key first (rotation without failed registrations). A proxy
// without any key gets it as current.
func StageProxyKey(store keystore.SubscriberStore, proxyID, kid string,
	rnd io.Reader) (string, error) {
	return putProxyKey(store, store.StageProxyKey, proxyID, kid, rnd)
}

// putProxyKey generates a Ksp and stores it with put under kid, or under the
// next numeric kid when kid is empty.
func putProxyKey(store keystore.SubscriberStore, put func(proxyID, kid string, ksp []byte) error,
	proxyID, kid string, rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if kid == "" {
		var err error
		if kid, err = nextKID(store, proxyID); err != nil {
			return "", err
		}
	}
	ksp := make([]byte, skd.KspSize)
	defer clear(ksp)
	if _, err := io.ReadFull(rnd, ksp); err != nil {
		return "", fmt.Errorf("authcenter: generate Ksp: %w", err)
	}
	if err := put(proxyID, kid, ksp); err != nil {
		return "", err
	}
	return kid, nil
}

func nextKID(store keystore.SubscriberStore, proxyID string) (string, error) {
	keys, err := store.ProxyKeys(proxyID)
	if errors.Is(err, keystore.ErrUnknownProxy) {
		return "1", nil
	}
	if err != nil {
		return "", err
	}
	highest := 0
	for _, k := range keys {
		if n, err := strconv.Atoi(k.KID); err == nil && n > highest {
			highest = n
		}
		clear(k.Key)
	}
	return strconv.Itoa(highest + 1), nil
}

// ExportProxyKeys writes every key of proxyID to outPath as the proxy's sealed key
// file (keystore.WriteProxyKeyFile, mode 0600), sealed under the master key file
// at sealKeyPath (created when missing: the proxy is then given that file too).
// It returns the number of keys written.
func ExportProxyKeys(store keystore.SubscriberStore, proxyID, outPath,
	sealKeyPath string) (int, error) {
	keys, err := store.ProxyKeys(proxyID)
	if err != nil {
		return 0, err
	}
	defer func() {
		for _, k := range keys {
			clear(k.Key)
		}
	}()
	master, err := keystore.LoadOrCreateMasterKey(sealKeyPath)
	if err != nil {
		return 0, err
	}
	sealer, err := keystore.NewSealer(master)
	clear(master[:])
	if err != nil {
		return 0, err
	}
	if err := keystore.WriteProxyKeyFile(outPath, sealer, proxyID, keys); err != nil {
		return 0, err
	}
	return len(keys), nil
}
