package authcenter

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/keystore"
)

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }

func TestAdminHelpers(t *testing.T) {
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "ac.db"), filepath.Join(dir, "m.key"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ids := SequentialIdentities("user", 1, 3)
	if strings.Join(ids, ",") != "user1,user2,user3" {
		t.Fatalf("ids %v", ids)
	}
	subs, err := AddSubscribers(store, ids, nil)
	if err != nil || len(subs) != 3 {
		t.Fatal(err)
	}
	_, err = AddSubscribers(store, []string{"user4", "user1"}, nil)
	if !errors.Is(err, keystore.ErrExists) {
		t.Fatalf("re-adding: %v", err)
	}
	if _, err := store.SubscriberKey("user4"); !errors.Is(err, keystore.ErrUnknownSubscriber) {
		t.Fatal("partial batch stored")
	}
	keysFile := filepath.Join(dir, "terminals.keys")
	if err := WriteTerminalKeys(keysFile, subs); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(keysFile)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("terminal keys mode %#o", st.Mode().Perm())
	}
	data, _ := os.ReadFile(keysFile)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "#") {
		t.Fatalf("terminal keys file %q", data)
	}
	id, b64, _ := strings.Cut(lines[2], " ")
	kc, _ := store.SubscriberKey("user2")
	if id != "user2" || b64 != base64.StdEncoding.EncodeToString(kc) {
		t.Fatalf("line %q", lines[2])
	}
	err = WriteTerminalKeys(filepath.Join(dir, "x"), []keystore.Subscriber{{Identity: "a b"}})
	if !errors.Is(err, ErrNotExportable) {
		t.Fatalf("identity with a space: %v", err)
	}
	pw, err := SubscriberPassword(store, "user2")
	if err != nil || len(pw) != 24 {
		t.Fatalf("password %q, %v", pw, err)
	}
	if _, err := SubscriberPassword(store, "nobody"); !errors.Is(err, keystore.ErrUnknownSubscriber) {
		t.Fatal(err)
	}
	for want := 1; want <= 3; want++ {
		kid, err := AddProxyKey(store, "sp1", "", nil)
		if err != nil || kid != fmt.Sprint(want) {
			t.Fatalf("auto kid %q, want %d: %v", kid, want, err)
		}
	}
	if kid, err := AddProxyKey(store, "sp1", "blue", nil); err != nil || kid != "blue" {
		t.Fatalf("named kid: %q %v", kid, err)
	}
	if kid, _ := AddProxyKey(store, "sp1", "", nil); kid != "4" {
		t.Fatalf("auto kid after a named one: %q", kid)
	}
	out := filepath.Join(dir, "sp1.keys")
	sealKey := filepath.Join(dir, "proxy-master.key")
	n, err := ExportProxyKeys(store, "sp1", out, sealKey)
	if err != nil || n != 5 {
		t.Fatalf("export: %d %v", n, err)
	}
	master, _ := keystore.LoadOrCreateMasterKey(sealKey)
	sealer, _ := keystore.NewSealer(master)
	proxy, keys, err := keystore.ReadProxyKeyFile(out, sealer)
	if err != nil || proxy != "sp1" || len(keys) != 5 {
		t.Fatalf("read back: %q %v %v", proxy, keys, err)
	}
	want, _ := store.ProxyKeyByID("sp1", "blue")
	found := false
	for _, k := range keys {
		found = found || (k.KID == "blue" && bytes.Equal(k.Key, want))
	}
	if !found {
		t.Fatal("kid blue missing from the export")
	}
	_, err = ExportProxyKeys(store, "sp9", out, sealKey)
	if !errors.Is(err, keystore.ErrUnknownProxy) {
		t.Fatalf("unknown proxy export: %v", err)
	}
}

func TestOpenStoreRefusesNewMasterKeyForExistingStore(t *testing.T) {
	dir := t.TempDir()
	db, master := filepath.Join(dir, "ac.db"), filepath.Join(dir, "ac-master.key")
	store, err := OpenStore(db, master)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	if _, err := OpenStore(db, filepath.Join(dir, "typo.key")); err == nil {
		t.Fatal("an existing store opened with a master key file that did not exist")
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.key")); err == nil {
		t.Error("a master key file was created for an existing store")
	}
}
