package metrics_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"sync/atomic"
	"time"

	"github.com/sigproxy/sigproxy/proxy"
	"github.com/sigproxy/sigproxy/proxy/config"
	"github.com/sigproxy/sigproxy/proxy/metrics"
)

// Example shows how a command wires the configuration file, the proxy and
// the admin server together: file, then flags, then the keyring; the admin
// server starts first so /readyz can say "not ready" while the proxy binds.
func Example() {
	fs := flag.NewFlagSet("sigproxy", flag.ContinueOnError)
	path := fs.String("config", "", "configuration file")
	fs.String("listen", "", "UDP address for SIP") // ...one flag per FlagKeys entry
	if err := fs.Parse(os.Args[1:]); err != nil {
		return
	}
	f := config.Default()
	if *path != "" {
		var err error
		if f, err = config.Load(*path); err != nil {
			return
		}
	}
	if err := f.ApplyFlags(fs); err != nil {
		return
	}
	s, err := f.Settings()
	if err != nil {
		return
	}
	log, err := s.NewLogger()
	if err != nil {
		return
	}
	kr, err := s.LoadKeyring()
	if err != nil {
		return
	}
	cfg, err := f.ProxyConfig(kr, log)
	if err != nil {
		return
	}
	h, err := proxy.NewHandler(cfg)
	if err != nil {
		return
	}
	var bound atomic.Bool
	if s.AdminListen.IsValid() {
		admin, err := metrics.NewServer(s.AdminListen, h, metrics.Options{
			Ready: func() error {
				if !bound.Load() {
					return errors.New("listener not bound")
				}
				return nil
			},
			Pprof: s.Pprof,
		})
		if err != nil {
			return
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = admin.Shutdown(ctx)
		}()
	}
	srv := proxy.NewServer(h)
	if err := srv.Start(context.Background()); err != nil {
		return
	}
	bound.Store(true)
	// ... run until a signal, then srv.Stop(ctx).
}
