package keystore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// SubscriberStore holds subscriber keys Kc and proxy keys Ksp on the
// authentication center's side. It is an interface so that a shared backend can
// replace the embedded one when several authentication centers serve one network.
// Implementations are safe for concurrent use; returned key slices are the
// caller's own copies.
type SubscriberStore interface {
	// AddSubscriber stores kc (skd.KcSize bytes) for identity; ErrExists when
	// present.
	AddSubscriber(identity string, kc []byte) error
	// AddSubscribers stores several subscribers at once, all or none; ErrExists
	// when any is present or listed twice.
	AddSubscribers(subs []Subscriber) error
	// SubscriberKey returns identity's Kc; ErrUnknownSubscriber when absent.
	SubscriberKey(identity string) ([]byte, error)
	// Subscribers lists the identities in byte order.
	Subscribers() ([]string, error)
	// AddProxyKey stores ksp (skd.KspSize bytes) as proxyID's key kid and makes it
	// the current one (latest added is current); ErrExists when kid is present.
	AddProxyKey(proxyID, kid string, ksp []byte) error
	// StageProxyKey stores ksp as proxyID's key kid without making it current,
	// so that proxies can load it before the AC wraps under it (a proxy with no
	// key yet gets it as current); ErrExists when kid is present.
	StageProxyKey(proxyID, kid string, ksp []byte) error
	// SetCurrentProxyKey makes the stored key kid proxyID's current one;
	// ErrUnknownProxy or ErrUnknownKID when it is not stored.
	SetCurrentProxyKey(proxyID, kid string) error
	// RemoveProxyKey deletes proxyID's key kid once no proxy needs it;
	// ErrKeyInUse when kid is the current key, ErrUnknownKID when absent.
	RemoveProxyKey(proxyID, kid string) error
	// ProxyKey returns proxyID's current key; ErrUnknownProxy when it has none.
	ProxyKey(proxyID string) (kid string, ksp []byte, err error)
	// ProxyKeyByID returns one key of proxyID; ErrUnknownProxy or ErrUnknownKID.
	ProxyKeyByID(proxyID, kid string) ([]byte, error)
	// ProxyKeys returns every key of proxyID (for the proxy's key file), ordered
	// by key id length then bytes (numeric ids in numeric order); ErrUnknownProxy
	// when it has none.
	ProxyKeys(proxyID string) ([]ProxyKey, error)
	// Close releases the store.
	Close() error
}

// Subscriber is one subscriber's identity and key Kc, for AddSubscribers.
type Subscriber struct {
	Identity string
	Kc       []byte
}

// String redacts Kc.
func (s Subscriber) String() string {
	return fmt.Sprintf("keystore.Subscriber{Identity:%q Kc:[REDACTED]}", s.Identity)
}

// GoString is String.
func (s Subscriber) GoString() string { return s.String() }

// Format writes String for every verb.
func (s Subscriber) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// MarshalJSON redacts Kc, for loggers that encode values as JSON.
func (s Subscriber) MarshalJSON() ([]byte, error) {
	return redactedJSON("identity", s.Identity), nil
}

// Bucket names of the bbolt file. They are also bound into each value's
// associated data.
var (
	bucketSubscribers  = []byte("subscribers")   // identity -> sealed Kc
	bucketProxyKeys    = []byte("proxy_keys")    // LP(proxy) LP(kid) -> sealed Ksp
	bucketProxyCurrent = []byte("proxy_current") // proxy -> sealed current kid
)

// storeADLabel prefixes the associated data of every sealed value of the store.
const storeADLabel = skd.Version + " keystore"

// boltOpenTimeout bounds the wait for bbolt's file lock: a second process on the
// same file fails fast instead of hanging.
const boltOpenTimeout = time.Second

// boltStore is the bbolt SubscriberStore.
type boltStore struct {
	db     *bolt.DB
	sealer *Sealer
}

// OpenBolt opens the bbolt file at path, creating it with mode 0600. Values are
// sealed with sealer; the associated data binds each value to its bucket and key,
// so a value moved to another identity does not open (ErrSealed). An existing file
// that group or others may access fails with ErrBadKeyFile.
func OpenBolt(path string, sealer *Sealer) (SubscriberStore, error) {
	if sealer == nil {
		return nil, errors.New("keystore: OpenBolt needs a sealer")
	}
	if err := checkPrivatePath(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: boltOpenTimeout})
	if err != nil {
		return nil, fmt.Errorf("keystore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSubscribers, bucketProxyKeys, bucketProxyCurrent} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("keystore: init %s: %w", path, err)
	}
	return &boltStore{db: db, sealer: sealer}, nil
}

// checkPrivatePath applies checkPrivate to an existing file; a missing file is
// fine (it will be created 0600).
func checkPrivatePath(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return checkPrivate(f, path)
}

// valueAD is the associated data of one stored value: label, bucket, key.
func valueAD(bucket, key []byte) []byte {
	ad := appendLP(nil, []byte(storeADLabel))
	ad = appendLP(ad, bucket)
	return appendLP(ad, key)
}

// appendLP appends a two-byte big-endian length and b; every caller's b is a
// bounded name.
func appendLP(dst, b []byte) []byte {
	dst = append(dst, byte(len(b)>>8), byte(len(b)))
	return append(dst, b...)
}

func proxyKeyName(proxyID, kid string) []byte {
	return appendLP(appendLP(nil, []byte(proxyID)), []byte(kid))
}

// put seals value and stores it under bucket/key.
func (s *boltStore) put(b *bolt.Bucket, bucket, key, value []byte) error {
	sealed, err := s.sealer.Seal(value, valueAD(bucket, key))
	if err != nil {
		return err
	}
	return b.Put(key, sealed)
}

// get opens bucket/key; nil, nil when absent. The result is the caller's copy.
func (s *boltStore) get(tx *bolt.Tx, bucket, key []byte) ([]byte, error) {
	v := tx.Bucket(bucket).Get(key)
	if v == nil {
		return nil, nil
	}
	return s.sealer.Open(v, valueAD(bucket, key))
}

func (s *boltStore) AddSubscriber(identity string, kc []byte) error {
	return s.AddSubscribers([]Subscriber{{Identity: identity, Kc: kc}})
}

func (s *boltStore) AddSubscribers(subs []Subscriber) error {
	for _, sub := range subs {
		if err := checkSubscriber(sub); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscribers)
		for _, sub := range subs {
			key := []byte(sub.Identity)
			if b.Get(key) != nil {
				return fmt.Errorf("keystore: subscriber %q: %w", sub.Identity, ErrExists)
			}
			if err := s.put(b, bucketSubscribers, key, sub.Kc); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkSubscriber(sub Subscriber) error {
	if err := checkIdentity(sub.Identity); err != nil {
		return fmt.Errorf("keystore: identity %.40q: %w", sub.Identity, err)
	}
	if len(sub.Kc) != skd.KcSize {
		return fmt.Errorf("keystore: subscriber %q: Kc: %w", sub.Identity, skd.ErrBadKey)
	}
	return nil
}

func (s *boltStore) SubscriberKey(identity string) ([]byte, error) {
	if checkIdentity(identity) != nil {
		return nil, ErrUnknownSubscriber
	}
	var kc []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		kc, err = s.get(tx, bucketSubscribers, []byte(identity))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("keystore: subscriber %q: %w", identity, err)
	}
	if kc == nil {
		return nil, ErrUnknownSubscriber
	}
	return kc, nil
}

func (s *boltStore) Subscribers() ([]string, error) {
	var ids []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSubscribers).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	return ids, err
}

func (s *boltStore) AddProxyKey(proxyID, kid string, ksp []byte) error {
	return s.addProxyKey(proxyID, kid, ksp, true)
}

func (s *boltStore) StageProxyKey(proxyID, kid string, ksp []byte) error {
	return s.addProxyKey(proxyID, kid, ksp, false)
}

// addProxyKey stores a new key; it becomes current when current is set or
// when the proxy has no current key yet.
func (s *boltStore) addProxyKey(proxyID, kid string, ksp []byte, current bool) error {
	if err := checkProxyKeyArgs(proxyID, kid, ksp); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		keys := tx.Bucket(bucketProxyKeys)
		name := proxyKeyName(proxyID, kid)
		if keys.Get(name) != nil {
			return fmt.Errorf("keystore: proxy %q kid %q: %w", proxyID, kid, ErrExists)
		}
		if err := s.put(keys, bucketProxyKeys, name, ksp); err != nil {
			return err
		}
		cur := tx.Bucket(bucketProxyCurrent)
		if !current && cur.Get([]byte(proxyID)) != nil {
			return nil
		}
		return s.put(cur, bucketProxyCurrent, []byte(proxyID), []byte(kid))
	})
}

func (s *boltStore) SetCurrentProxyKey(proxyID, kid string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if _, err := s.currentKID(tx, proxyID); err != nil {
			return err
		}
		ksp, err := s.proxyKey(tx, proxyID, kid)
		if err != nil {
			return err
		}
		clear(ksp)
		cur := tx.Bucket(bucketProxyCurrent)
		return s.put(cur, bucketProxyCurrent, []byte(proxyID), []byte(kid))
	})
}

func (s *boltStore) RemoveProxyKey(proxyID, kid string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		current, err := s.currentKID(tx, proxyID)
		if err != nil {
			return err
		}
		if current == kid {
			return fmt.Errorf("keystore: proxy %q kid %q: %w", proxyID, kid, ErrKeyInUse)
		}
		ksp, err := s.proxyKey(tx, proxyID, kid)
		if err != nil {
			return err
		}
		clear(ksp)
		return tx.Bucket(bucketProxyKeys).Delete(proxyKeyName(proxyID, kid))
	})
}

func checkProxyKeyArgs(proxyID, kid string, ksp []byte) error {
	if checkToken(proxyID, MaxProxyID) != nil || checkToken(kid, MaxKID) != nil {
		return fmt.Errorf("keystore: proxy %.40q kid %.40q: %w", proxyID, kid, ErrBadName)
	}
	if len(ksp) != skd.KspSize {
		return fmt.Errorf("keystore: proxy %q kid %q: Ksp: %w", proxyID, kid, skd.ErrBadKey)
	}
	return nil
}

func (s *boltStore) ProxyKey(proxyID string) (string, []byte, error) {
	var kid string
	var ksp []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		k, err := s.currentKID(tx, proxyID)
		if err != nil {
			return err
		}
		kid = k
		ksp, err = s.proxyKey(tx, proxyID, kid)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return kid, ksp, nil
}

func (s *boltStore) ProxyKeyByID(proxyID, kid string) ([]byte, error) {
	var ksp []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := s.currentKID(tx, proxyID); err != nil {
			return err
		}
		var err error
		ksp, err = s.proxyKey(tx, proxyID, kid)
		return err
	})
	return ksp, err
}

// currentKID returns proxyID's current kid or ErrUnknownProxy.
func (s *boltStore) currentKID(tx *bolt.Tx, proxyID string) (string, error) {
	if checkToken(proxyID, MaxProxyID) != nil {
		return "", ErrUnknownProxy
	}
	kid, err := s.get(tx, bucketProxyCurrent, []byte(proxyID))
	if err != nil {
		return "", fmt.Errorf("keystore: proxy %q current kid: %w", proxyID, err)
	}
	if kid == nil {
		return "", ErrUnknownProxy
	}
	return string(kid), nil
}

// proxyKey returns one stored Ksp or ErrUnknownKID.
func (s *boltStore) proxyKey(tx *bolt.Tx, proxyID, kid string) ([]byte, error) {
	if checkToken(kid, MaxKID) != nil {
		return nil, ErrUnknownKID
	}
	ksp, err := s.get(tx, bucketProxyKeys, proxyKeyName(proxyID, kid))
	if err != nil {
		return nil, fmt.Errorf("keystore: proxy %q kid %q: %w", proxyID, kid, err)
	}
	if ksp == nil {
		return nil, ErrUnknownKID
	}
	return ksp, nil
}

func (s *boltStore) ProxyKeys(proxyID string) ([]ProxyKey, error) {
	var keys []ProxyKey
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := s.currentKID(tx, proxyID); err != nil {
			return err
		}
		prefix := appendLP(nil, []byte(proxyID))
		c := tx.Bucket(bucketProxyKeys).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			kid, ok := kidFromName(k[len(prefix):])
			if !ok {
				return fmt.Errorf("keystore: proxy %q: malformed key name: %w", proxyID, ErrSealed)
			}
			ksp, err := s.proxyKey(tx, proxyID, kid)
			if err != nil {
				return err
			}
			keys = append(keys, ProxyKey{KID: kid, Key: ksp})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// kidFromName decodes the LP(kid) tail of a proxy key name.
func kidFromName(tail []byte) (string, bool) {
	if len(tail) < 2 || int(tail[0])<<8|int(tail[1]) != len(tail)-2 {
		return "", false
	}
	return string(tail[2:]), true
}

func (s *boltStore) Close() error { return s.db.Close() }

// String names the file only: the store holds a Sealer.
func (s *boltStore) String() string { return "keystore.boltStore{" + s.db.Path() + "}" }
