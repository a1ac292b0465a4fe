package keystore

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

func openTestStore(t *testing.T, path string, s *Sealer) SubscriberStore {
	t.Helper()
	st, err := OpenBolt(path, s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestBoltSubscribers(t *testing.T) {
	path := tempPath(t, "ac.db")
	st := openTestStore(t, path, testSealer(t, 1))
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("db mode %#o, want 0600", m)
	}
	if err := st.AddSubscriber("alice", key32(0xa)); err != nil {
		t.Fatal(err)
	}
	if err := st.AddSubscriber("alice", key32(0xb)); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	err := st.AddSubscribers([]Subscriber{{"bob", key32(1)}, {"carol", key32(2)}})
	if err != nil {
		t.Fatal(err)
	}
	// All or none: dave must not be stored when alice is already present.
	err = st.AddSubscribers([]Subscriber{{"dave", key32(3)}, {"alice", key32(4)}})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("batch with existing: %v", err)
	}
	err = st.AddSubscribers([]Subscriber{{"erin", key32(3)}, {"erin", key32(4)}})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("batch with duplicate: %v", err)
	}
	ids, err := st.Subscribers()
	if err != nil || !reflect.DeepEqual(ids, []string{"alice", "bob", "carol"}) {
		t.Fatalf("Subscribers = %v, %v", ids, err)
	}
	kc, err := st.SubscriberKey("alice")
	if err != nil || string(kc) != string(key32(0xa)) {
		t.Fatalf("SubscriberKey = %x, %v", kc, err)
	}
	for _, id := range []string{"mallory", "", strings.Repeat("x", 200)} {
		if _, err := st.SubscriberKey(id); !errors.Is(err, ErrUnknownSubscriber) {
			t.Errorf("SubscriberKey(%.10q): %v", id, err)
		}
	}
	bad := map[string]error{
		"":                        ErrBadName,
		strings.Repeat("x", 129):  ErrBadName,
		"ctl\x01":                 ErrBadName,
		"short-key":               skd.ErrBadKey,
		strings.Repeat("y", 128):  nil,
		"alice@sigproxy.test ok!": nil,
	}
	for id, want := range bad {
		kc := key32(5)
		if id == "short-key" {
			kc = kc[:31]
		}
		if err := st.AddSubscriber(id, kc); !errors.Is(err, want) {
			t.Errorf("AddSubscriber(%.10q): %v, want %v", id, err, want)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openTestStore(t, path, testSealer(t, 1))
	defer st.Close()
	if kc, err := st.SubscriberKey("carol"); err != nil || string(kc) != string(key32(2)) {
		t.Fatalf("after reopen: %x, %v", kc, err)
	}
}

func TestBoltProxyKeys(t *testing.T) {
	st := openTestStore(t, tempPath(t, "ac.db"), testSealer(t, 1))
	defer st.Close()
	if _, _, err := st.ProxyKey("sp1"); !errors.Is(err, ErrUnknownProxy) {
		t.Fatalf("no keys yet: %v", err)
	}
	for i, kid := range []string{"1", "2", "10"} {
		if err := st.AddProxyKey("sp1", kid, key32(byte(i))); err != nil {
			t.Fatal(err)
		}
		if k, v, err := st.ProxyKey("sp1"); err != nil || k != kid || v[0] != byte(i) {
			t.Fatalf("current after adding %s: %s %x %v", kid, k, v, err)
		}
	}
	if err := st.AddProxyKey("sp1", "2", key32(9)); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate kid: %v", err)
	}
	if err := st.AddProxyKey("sp10", "1", key32(7)); err != nil {
		t.Fatal(err)
	}
	v, err := st.ProxyKeyByID("sp1", "2")
	if err != nil || v[0] != 1 {
		t.Fatalf("ProxyKeyByID: %x %v", v, err)
	}
	if _, err := st.ProxyKeyByID("sp1", "3"); !errors.Is(err, ErrUnknownKID) {
		t.Fatalf("unknown kid: %v", err)
	}
	if _, err := st.ProxyKeyByID("sp2", "1"); !errors.Is(err, ErrUnknownProxy) {
		t.Fatalf("unknown proxy: %v", err)
	}
	keys, err := st.ProxyKeys("sp1")
	if err != nil || len(keys) != 3 || keys[0].KID != "1" || keys[1].KID != "2" ||
		keys[2].KID != "10" || keys[2].Key[0] != 2 {
		t.Fatalf("ProxyKeys(sp1) = %v, %v", keys, err)
	}
	if keys, err := st.ProxyKeys("sp10"); err != nil || len(keys) != 1 {
		t.Fatalf("ProxyKeys(sp10) = %v, %v", keys, err)
	}
	if _, err := st.ProxyKeys("sp"); !errors.Is(err, ErrUnknownProxy) {
		t.Fatalf("ProxyKeys(sp): %v", err)
	}
	for _, c := range [][2]string{{"", "1"}, {"sp1", ""}, {"sp 1", "1"}, {"sp1", "k=1"},
		{strings.Repeat("p", 65), "1"}, {"sp1", strings.Repeat("k", 33)}} {
		if err := st.AddProxyKey(c[0], c[1], key32(1)); !errors.Is(err, ErrBadName) {
			t.Errorf("AddProxyKey(%q, %q): %v", c[0], c[1], err)
		}
	}
	if err := st.AddProxyKey("sp1", "4", key32(1)[:16]); !errors.Is(err, skd.ErrBadKey) {
		t.Errorf("short Ksp: %v", err)
	}
}

// rawBolt edits the file behind the store's back, as an attacker with write
// access to the disk could.
func rawBolt(t *testing.T, path string, edit func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(edit); err != nil {
		t.Fatal(err)
	}
}

func TestBoltTamperedRecords(t *testing.T) {
	path := tempPath(t, "ac.db")
	st := openTestStore(t, path, testSealer(t, 1))
	_ = st.AddSubscriber("alice", key32(1))
	_ = st.AddSubscriber("bob", key32(2))
	_ = st.AddProxyKey("sp1", "1", key32(3))
	_ = st.AddProxyKey("sp1", "2", key32(4))
	st.Close()
	rawBolt(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubscribers)
		orig := append([]byte(nil), b.Get([]byte("alice"))...)
		// Alice's record under bob's name: a valid record in the wrong place.
		if err := b.Put([]byte("bob"), orig); err != nil {
			return err
		}
		flipped := append([]byte(nil), orig...)
		flipped[len(flipped)-3] ^= 1
		if err := b.Put([]byte("alice"), flipped); err != nil {
			return err
		}
		// Point sp1's current kid at kid 1's record for kid 2.
		keys := tx.Bucket(bucketProxyKeys)
		one := append([]byte(nil), keys.Get(proxyKeyName("sp1", "1"))...)
		return keys.Put(proxyKeyName("sp1", "2"), one)
	})
	st = openTestStore(t, path, testSealer(t, 1))
	defer st.Close()
	if _, err := st.SubscriberKey("alice"); !errors.Is(err, ErrSealed) {
		t.Errorf("tampered record: %v", err)
	}
	if _, err := st.SubscriberKey("bob"); !errors.Is(err, ErrSealed) {
		t.Errorf("record moved to another identity: %v", err)
	}
	if _, _, err := st.ProxyKey("sp1"); !errors.Is(err, ErrSealed) {
		t.Errorf("proxy key moved to another kid: %v", err)
	}
	if _, err := st.ProxyKeys("sp1"); !errors.Is(err, ErrSealed) {
		t.Errorf("ProxyKeys with a moved record: %v", err)
	}
	if v, err := st.ProxyKeyByID("sp1", "1"); err != nil || v[0] != 3 {
		t.Errorf("untouched record: %x, %v", v, err)
	}
}

func TestBoltWrongMasterKey(t *testing.T) {
	path := tempPath(t, "ac.db")
	st := openTestStore(t, path, testSealer(t, 1))
	_ = st.AddSubscriber("alice", key32(1))
	_ = st.AddProxyKey("sp1", "1", key32(3))
	st.Close()
	st = openTestStore(t, path, testSealer(t, 2))
	defer st.Close()
	if _, err := st.SubscriberKey("alice"); !errors.Is(err, ErrSealed) {
		t.Errorf("subscriber under wrong master: %v", err)
	}
	if _, _, err := st.ProxyKey("sp1"); !errors.Is(err, ErrSealed) {
		t.Errorf("proxy key under wrong master: %v", err)
	}
}

func TestBoltRefusesOpenFile(t *testing.T) {
	path := tempPath(t, "ac.db")
	st := openTestStore(t, path, testSealer(t, 1))
	st.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBolt(path, testSealer(t, 1)); !errors.Is(err, ErrBadKeyFile) {
		t.Fatalf("0644 db: %v", err)
	}
	if _, err := OpenBolt(tempPath(t, "x.db"), nil); err == nil {
		t.Fatal("nil sealer accepted")
	}
}
