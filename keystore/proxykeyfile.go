package keystore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// ProxyKey is one proxy key Ksp and its key id.
type ProxyKey struct {
	KID string
	Key []byte
}

// String redacts Key.
func (k ProxyKey) String() string {
	return fmt.Sprintf("keystore.ProxyKey{KID:%q Key:[REDACTED]}", k.KID)
}

// GoString is String.
func (k ProxyKey) GoString() string { return k.String() }

// Format writes String for every verb.
func (k ProxyKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// MarshalJSON redacts Key, for loggers that encode values as JSON.
func (k ProxyKey) MarshalJSON() ([]byte, error) { return redactedJSON("kid", k.KID), nil }

// redactedJSON renders {"<name>":"<value>","key":"[REDACTED]"}.
func redactedJSON(name, value string) []byte {
	out, _ := json.Marshal(map[string]string{name: value, "key": "[REDACTED]"})
	return out
}

// Proxy key file format: a header line, then one line of standard base64 of a
// Sealer record whose plaintext is the JSON document
// {"proxy":"sp1","keys":[{"kid":"1","key":"<base64 Ksp>"}]}.
const (
	proxyFileHeader = skd.Version + " proxy-keys"
	// proxyFileAD binds the sealed document to its purpose.
	proxyFileAD = skd.Version + " proxy-key-file"
	// maxProxyKeyFile bounds the file read: MaxProxyKeys entries of about 90 JSON
	// bytes each, sealed and base64-encoded, stay well below it.
	maxProxyKeyFile = 32 << 10
)

type proxyFileDoc struct {
	Proxy string           `json:"proxy"`
	Keys  []proxyFileEntry `json:"keys"`
}

type proxyFileEntry struct {
	KID string `json:"kid"`
	Key []byte `json:"key"` // encoding/json writes []byte as standard base64
}

// WriteProxyKeyFile writes proxyID's keys to path as a file sealed with sealer,
// mode 0600, replacing any file there atomically.
func WriteProxyKeyFile(path string, sealer *Sealer, proxyID string, keys []ProxyKey) error {
	if err := checkProxyKeys(proxyID, keys); err != nil {
		return err
	}
	doc := proxyFileDoc{Proxy: proxyID}
	for _, k := range keys {
		doc.Keys = append(doc.Keys, proxyFileEntry(k))
	}
	plain, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	sealed, err := sealer.Seal(plain, []byte(proxyFileAD))
	clear(plain)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	out.WriteString(proxyFileHeader + "\n")
	out.WriteString(base64.StdEncoding.EncodeToString(sealed))
	out.WriteByte('\n')
	return WritePrivateFile(path, out.Bytes())
}

// ReadProxyKeyFile reads a file written by WriteProxyKeyFile. Errors: ErrBadKeyFile
// (mode lets group or others in, wrong format, invalid content), ErrSealed (does
// not open under sealer).
func ReadProxyKeyFile(path string, sealer *Sealer) (string, []ProxyKey, error) {
	data, err := ReadPrivateFile(path, maxProxyKeyFile)
	if err != nil {
		return "", nil, err
	}
	header, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok || string(header) != proxyFileHeader {
		return "", nil, fmt.Errorf("%w: %s: no %q header", ErrBadKeyFile, path, proxyFileHeader)
	}
	sealed, err := base64.StdEncoding.AppendDecode(nil, bytes.TrimSpace(body))
	if err != nil {
		return "", nil, fmt.Errorf("%w: %s: body is not base64", ErrBadKeyFile, path)
	}
	plain, err := sealer.Open(sealed, []byte(proxyFileAD))
	if err != nil {
		return "", nil, fmt.Errorf("keystore: %s: %w", path, err)
	}
	defer clear(plain)
	return decodeProxyFile(path, plain)
}

func decodeProxyFile(path string, plain []byte) (string, []ProxyKey, error) {
	var doc proxyFileDoc
	if err := json.Unmarshal(plain, &doc); err != nil {
		return "", nil, fmt.Errorf("%w: %s: document: %v", ErrBadKeyFile, path, err)
	}
	keys := make([]ProxyKey, 0, len(doc.Keys))
	for _, e := range doc.Keys {
		keys = append(keys, ProxyKey(e))
	}
	if err := checkProxyKeys(doc.Proxy, keys); err != nil {
		return "", nil, fmt.Errorf("%w: %s: %v", ErrBadKeyFile, path, err)
	}
	return doc.Proxy, keys, nil
}

// checkProxyKeys validates a proxy's key list: valid names, 1..MaxProxyKeys
// entries, distinct kids, KspSize keys.
func checkProxyKeys(proxyID string, keys []ProxyKey) error {
	if err := checkToken(proxyID, MaxProxyID); err != nil {
		return fmt.Errorf("keystore: proxy id %.40q: %w", proxyID, err)
	}
	if len(keys) == 0 || len(keys) > MaxProxyKeys {
		return fmt.Errorf("keystore: proxy %q: %d keys, want 1..%d: %w",
			proxyID, len(keys), MaxProxyKeys, ErrBadName)
	}
	return checkKeyList(keys)
}

// checkKeyList validates kids and key sizes and refuses duplicates.
func checkKeyList(keys []ProxyKey) error {
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if err := checkToken(k.KID, MaxKID); err != nil {
			return fmt.Errorf("keystore: kid %.40q: %w", k.KID, err)
		}
		if seen[k.KID] {
			return fmt.Errorf("keystore: kid %q: %w", k.KID, ErrExists)
		}
		seen[k.KID] = true
		if len(k.Key) != skd.KspSize {
			return fmt.Errorf("keystore: kid %q: %w", k.KID, skd.ErrBadKey)
		}
	}
	return nil
}

// WritePrivateFile writes data to path with mode 0600, atomically: it writes a
// fresh 0600 temporary file next to path, syncs it and renames it over path, so
// readers see the old file or the new one, never a part.
func WritePrivateFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("keystore: write %s: %w", path, err)
	}
	return nil
}
