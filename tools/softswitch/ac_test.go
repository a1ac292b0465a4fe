package softswitch

import (
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// testAC is the real authentication center (tools/authcenter) served in-process on
// loopback over a temporary bbolt store.
type testAC struct {
	srv    *authcenter.Server
	store  keystore.SubscriberStore
	client *authcenter.Client
}

func startAC(t *testing.T) *testAC {
	t.Helper()
	dir := t.TempDir()
	store, err := authcenter.OpenStore(filepath.Join(dir, "ac.db"), filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	srv, err := authcenter.New(authcenter.Config{Listen: "127.0.0.1:0", Store: store,
		Realm: testRealm})
	if err != nil {
		t.Fatalf("authcenter.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("authcenter Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testAC{srv: srv, store: store,
		client: &authcenter.Client{BaseURL: "http://" + srv.Addr().String()}}
}

// stop takes the AC off the network (its port then refuses connections).
func (ac *testAC) stop() { _ = ac.srv.Close() }

func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// addSubscriber stores a fresh Kc for identity and returns it (the terminal's copy).
func (ac *testAC) addSubscriber(t *testing.T, identity string) []byte {
	t.Helper()
	kc := random(t, skd.KcSize)
	if err := ac.store.AddSubscriber(identity, kc); err != nil {
		t.Fatalf("AddSubscriber: %v", err)
	}
	return kc
}

// proxyKey stores a fresh Ksp for proxy under kid "1" and returns it (the proxy's copy).
func (ac *testAC) proxyKey(t *testing.T, proxy string) (kid string, ksp []byte) {
	t.Helper()
	ksp = random(t, skd.KspSize)
	if err := ac.store.AddProxyKey(proxy, "1", ksp); err != nil {
		t.Fatalf("AddProxyKey: %v", err)
	}
	return "1", ksp
}

func (ac *testAC) successes() int { return ac.srv.Successes() }
