// Command sigproxy runs the signaling proxy: it relays SIP between terminals
// and a softswitch, negotiates the security mechanism, opens the session key
// the authentication center wrapped under the proxy's key, and adds the
// verification word to registration success responses.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/proxy"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sigproxy:", err)
		os.Exit(1)
	}
}

type options struct {
	listen, advertise, softswitch string
	proxyID, keys, masterKey      string
	mechanisms                    string
	loops                         int
	logLevel, logFormat           string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("sigproxy", flag.ContinueOnError)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:5060", "UDP address for terminals and the softswitch")
	fs.StringVar(&o.advertise, "advertise", "", "address written into Via and Path (default: the bound address)")
	fs.StringVar(&o.softswitch, "softswitch", "127.0.0.1:5070", "softswitch UDP address")
	fs.StringVar(&o.proxyID, "proxy-id", "sp1", "name the authentication center knows this proxy by")
	fs.StringVar(&o.keys, "keys", "sp1.keys", "sealed proxy key file (authcenter export-proxy-key)")
	fs.StringVar(&o.masterKey, "master-key", "proxy-master.key", "master key file that seals the key file")
	fs.StringVar(&o.mechanisms, "mechanisms", "hmac-sha256,ascon128a-v12", "supported mechanisms, in advertised order")
	fs.IntVar(&o.loops, "loops", 1, "number of event loops (SO_REUSEPORT sockets)")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "json", "json or console")
	return o, fs.Parse(args)
}

func run(args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	log, err := newLogger(o.logLevel, o.logFormat)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	cfg, err := o.config(log)
	if err != nil {
		return err
	}
	h, err := proxy.NewHandler(cfg)
	if err != nil {
		return err
	}
	srv := proxy.NewServer(h)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Start(ctx); err != nil {
		return err
	}
	log.Info("listening", zap.Stringer("addr", h.Addr()), zap.String("proxy_id", cfg.ProxyID),
		zap.Stringer("softswitch", cfg.Softswitch))
	<-ctx.Done()

	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Stop(shut)
}

// config turns the flags into a proxy configuration, loading the keyring.
func (o options) config(log *zap.Logger) (proxy.Config, error) {
	var cfg proxy.Config
	var err error
	if cfg.Listen, err = netip.ParseAddrPort(o.listen); err != nil {
		return cfg, fmt.Errorf("-listen: %w", err)
	}
	if cfg.Softswitch, err = netip.ParseAddrPort(o.softswitch); err != nil {
		return cfg, fmt.Errorf("-softswitch: %w", err)
	}
	if o.advertise != "" {
		if cfg.Advertise, err = netip.ParseAddrPort(o.advertise); err != nil {
			return cfg, fmt.Errorf("-advertise: %w", err)
		}
	}
	for _, name := range strings.Split(o.mechanisms, ",") {
		m, ok := skd.ParseMechanism([]byte(strings.TrimSpace(name)))
		if !ok {
			return cfg, fmt.Errorf("-mechanisms: unknown mechanism %q", name)
		}
		cfg.Mechanisms = append(cfg.Mechanisms, m)
	}
	cfg.Keyring, err = keystore.LoadProxyKeyring(o.keys, o.masterKey, o.proxyID)
	if err != nil {
		return cfg, fmt.Errorf("proxy keys: %w", err)
	}
	cfg.ProxyID, cfg.EventLoops, cfg.Logger = o.proxyID, o.loops, log
	return cfg, nil
}

func newLogger(level, format string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	cfg := zap.NewProductionConfig()
	if format == "console" {
		cfg = zap.NewDevelopmentConfig()
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	return cfg.Build()
}
