package authcenter

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigproxy/sigproxy/keystore"
)

// TestAdminRotation runs a key rotation through the admin API of a running
// AC over a real loopback listener: stage, export, activate, retire.
func TestAdminRotation(t *testing.T) {
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "ac.db"), filepath.Join(dir, "ac-master.key"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	exportDir := filepath.Join(dir, "export")
	if err := os.Mkdir(exportDir, 0o700); err != nil {
		t.Fatal(err)
	}
	admin, err := NewAdmin(store, exportDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	c := &AdminClient{BaseURL: "http://" + admin.Addr().String()}
	ctx := context.Background()

	if kid, err := c.AddProxyKey(ctx, "sp1", "", false); err != nil || kid != "1" {
		t.Fatalf("first key: %q, %v", kid, err)
	}
	if kid, err := c.AddProxyKey(ctx, "sp1", "", true); err != nil || kid != "2" {
		t.Fatalf("staged key: %q, %v", kid, err)
	}
	wantCurrent(t, store, "1")
	if _, err := c.AddProxyKey(ctx, "sp1", "2", true); !errors.Is(err, ErrKeyExists) {
		t.Errorf("adding kid 2 again: %v, want ErrKeyExists", err)
	}

	ans, err := c.ExportProxyKeys(ctx, "sp1")
	if err != nil || ans.Keys != 2 {
		t.Fatalf("export: %+v, %v", ans, err)
	}
	ring, err := keystore.LoadProxyKeyring(ans.KeyFile, ans.MasterKey, "sp1")
	if err != nil || ring.Len() != 2 {
		t.Fatalf("exported key file: %v (keys %d)", err, ring.Len())
	}
	if fi, err := os.Stat(ans.KeyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", fi.Mode(), err)
	}

	if err := c.SetCurrentProxyKey(ctx, "sp1", "2"); err != nil {
		t.Fatal(err)
	}
	wantCurrent(t, store, "2")
	if err := c.SetCurrentProxyKey(ctx, "sp1", "7"); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("activating kid 7: %v, want ErrUnknownKID", err)
	}
	if err := c.SetCurrentProxyKey(ctx, "sp9", "1"); !errors.Is(err, ErrUnknownProxy) {
		t.Errorf("activating for sp9: %v, want ErrUnknownProxy", err)
	}

	if err := c.RemoveProxyKey(ctx, "sp1", "2"); !errors.Is(err, ErrKeyInUse) {
		t.Errorf("removing the current key: %v, want ErrKeyInUse", err)
	}
	if err := c.RemoveProxyKey(ctx, "sp1", "1"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveProxyKey(ctx, "sp1", "1"); !errors.Is(err, ErrUnknownKID) {
		t.Errorf("removing kid 1 twice: %v, want ErrUnknownKID", err)
	}
	if _, err := c.ExportProxyKeys(ctx, "../sp1"); err == nil {
		t.Error("export accepted a proxy id with a path separator")
	}
}

func wantCurrent(t *testing.T, store keystore.SubscriberStore, kid string) {
	t.Helper()
	got, ksp, err := store.ProxyKey("sp1")
	clear(ksp)
	if err != nil || got != kid {
		t.Fatalf("current key %q, %v; want %q", got, err, kid)
	}
}
