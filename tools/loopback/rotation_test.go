package loopback

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/tools/terminal"
)

// TestKeyRotationUnderLoad rotates the proxy key while terminals register
// without pause, in the order tools/authcenter's README gives: stage, export
// and reload, activate, retire, export and reload. No registration may fail,
// and registrations after the old key is gone must still succeed (they use
// the new one).
func TestKeyRotationUnderLoad(t *testing.T) {
	ids := []string{"r1", "r2", "r3", "r4"}
	sys := startSystem(t, Options{Subscribers: ids})

	var (
		ok, failed atomic.Int64
		mu         sync.Mutex
		failures   []string
	)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			offer := []string{"hmac-sha256;q=0.9"}
			if i%2 == 1 {
				offer = []string{"ascon128a-v12;q=0.9"}
			}
			// One terminal per identity: its Contact stays the same, so each
			// registration refreshes one binding.
			term, err := terminal.New(terminal.Config{Identity: id, Kc: sys.Kc(id),
				Proxy: sys.ProxyAddr(), Offer: offer, T1: 100 * time.Millisecond})
			if err != nil {
				t.Error(err)
				return
			}
			defer term.Close()
			for ctx.Err() == nil {
				r, _ := term.Register(context.Background())
				if r.Registered() && r.MACVerified {
					ok.Add(1)
					continue
				}
				failed.Add(1)
				mu.Lock()
				if len(failures) < 5 {
					failures = append(failures, id+": "+r.Outcome)
				}
				mu.Unlock()
			}
		}()
	}
	step := func(name string, f func() error) {
		t.Helper()
		time.Sleep(150 * time.Millisecond) // let registrations run between steps
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	reload := func(want int) func() error {
		return func() error {
			n, err := sys.ReloadProxyKeys()
			if err == nil && n != want {
				t.Errorf("proxy holds %d keys, want %d", n, want)
			}
			return err
		}
	}
	var kid string
	step("stage", func() (err error) { kid, err = sys.RotateStage(); return err })
	step("reload with both keys", reload(2))
	step("activate", func() error { return sys.RotateActivate(kid) })
	step("retire the old key", func() error { return sys.RotateRetire("1") })
	step("reload with the new key only", reload(1))
	before := ok.Load()
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()

	if failed.Load() != 0 {
		t.Errorf("%d registrations failed during the rotation, the first: %v", failed.Load(), failures)
	}
	if ok.Load() == before {
		t.Error("no registration completed once only the new key was left")
	}
	t.Logf("%d registrations during the rotation", ok.Load())
}
