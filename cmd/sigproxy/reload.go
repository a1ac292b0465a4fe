package main

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/proxy/config"
	"github.com/sigproxy/sigproxy/proxy/metrics"
)

// keyReloader reloads the proxy key file into the running keyring, on SIGHUP
// or POST /-/reload. A file that does not load leaves the keys as they were
// (keystore.ReloadProxyKeyring), so a bad copy never stops registrations;
// registrations that name a kid no longer held fail closed in the proxy
// (unknown_kid).
type keyReloader struct {
	ring     *keystore.Keyring
	settings config.Settings
	log      *zap.Logger

	mu    sync.Mutex // one reload at a time
	admin *metrics.Server
}

func newKeyReloader(ring *keystore.Keyring, s config.Settings, log *zap.Logger) *keyReloader {
	return &keyReloader{ring: ring, settings: s, log: log}
}

// reload reads the key file again and returns the number of keys held. Its
// error names the file and the reason, never key bytes.
func (r *keyReloader) reload() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.settings
	n, err := keystore.ReloadProxyKeyring(r.ring, s.ProxyKeyFile, s.MasterKeyFile, s.Proxy.ProxyID)
	if err != nil {
		r.log.Error("proxy keys not reloaded; the previous keys stay", zap.Error(err),
			zap.String("file", s.ProxyKeyFile))
		return n, err
	}
	r.log.Info("proxy keys reloaded", zap.Int("keys", n), zap.String("file", s.ProxyKeyFile))
	return n, nil
}

// onSIGHUP reloads on every SIGHUP, counted on the admin server when there is
// one, until the returned function is called.
func (r *keyReloader) onSIGHUP() (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				_, err := r.reload() // logged
				r.mu.Lock()
				admin := r.admin
				r.mu.Unlock()
				if admin != nil {
					admin.ObserveReload(err)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// setAdmin names the admin server that counts reloads.
func (r *keyReloader) setAdmin(s *metrics.Server) {
	r.mu.Lock()
	r.admin = s
	r.mu.Unlock()
}
