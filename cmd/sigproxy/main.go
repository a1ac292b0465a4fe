// Command sigproxy runs the signaling proxy: it relays SIP between terminals
// and a softswitch, negotiates the security mechanism, opens the session key
// the authentication center wrapped under the proxy's key, and adds the
// verification word to registration success responses.
package main

import (
	"context"
	"errors"
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
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "sigproxy:", err)
		os.Exit(1)
	}
}

type options struct {
	listen, advertise, softswitch string
	h248Listen, h248Softswitch    string
	proxyID, keys, masterKey      string
	mechanisms                    string
	loops, socketBuffer           int
	pendingCap, perSource         int
	sessionCap                    int
	pendingTTL, statsInterval     time.Duration
	logLevel, logFormat           string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("sigproxy", flag.ContinueOnError)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:5060", "UDP address for terminals and the softswitch")
	fs.StringVar(&o.advertise, "advertise", "", "address written into Via and Path (default: the bound address)")
	fs.StringVar(&o.softswitch, "softswitch", "127.0.0.1:5070", "softswitch UDP address")
	fs.StringVar(&o.h248Listen, "h248-listen", ":2944",
		"UDP address for H.248 media gateways (empty: H.248 disabled)")
	fs.StringVar(&o.h248Softswitch, "h248-softswitch", "127.0.0.1:2945",
		"H.248 media gateway controller UDP address")
	fs.StringVar(&o.proxyID, "proxy-id", "sp1", "name the authentication center knows this proxy by")
	fs.StringVar(&o.keys, "keys", "sp1.keys", "sealed proxy key file (authcenter export-proxy-key)")
	fs.StringVar(&o.masterKey, "master-key", "proxy-master.key", "master key file that seals the key file")
	fs.StringVar(&o.mechanisms, "mechanisms", "hmac-sha256,ascon128a-v12", "supported mechanisms, in advertised order")
	fs.IntVar(&o.loops, "loops", 1, "number of event loops (SO_REUSEPORT sockets)")
	fs.IntVar(&o.socketBuffer, "socket-buffer", proxy.DefaultSocketBuffer,
		"UDP socket buffer in bytes (capped by net.core.rmem_max)")
	fs.IntVar(&o.pendingCap, "pending-capacity", proxy.DefaultPendingCapacity,
		"registrations in progress the proxy keeps")
	fs.IntVar(&o.perSource, "pending-per-source", proxy.DefaultPendingPerSource,
		"registrations in progress one source address may have")
	fs.IntVar(&o.sessionCap, "session-capacity", proxy.DefaultSessionCapacity,
		"live session keys (registered terminals); preallocated, about 330 bytes each")
	fs.DurationVar(&o.pendingTTL, "pending-ttl", proxy.DefaultPendingTTL,
		"how long an unfinished registration is kept")
	fs.DurationVar(&o.statsInterval, "stats-interval", time.Minute,
		"how often the counters are logged (0: only at exit)")
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
	if cfg.H248Listen.IsValid() {
		log.Info("listening for H.248", zap.Stringer("addr", srv.H248Addr()),
			zap.Stringer("mgc", cfg.H248Softswitch))
	} else {
		log.Info("H.248 disabled")
	}
	logStatsUntil(ctx, log, h, o.statsInterval)

	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Stop(shut)
	logStats(log, "stopped", h)
	return err
}

// logStatsUntil logs the counters every interval until ctx ends.
func logStatsUntil(ctx context.Context, log *zap.Logger, h *proxy.Handler, interval time.Duration) {
	if interval <= 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			logStats(log, "stats", h)
		}
	}
}

func logStats(log *zap.Logger, msg string, h *proxy.Handler) {
	st := h.Stats()
	log.Info(msg,
		zap.Uint64("messages_in", st.MessagesIn), zap.Uint64("messages_out", st.MessagesOut),
		zap.Uint64("local_replies", st.LocalReplies), zap.Uint64("registered", st.Registered),
		zap.Uint64("deregistered", st.Deregistered), zap.Int("pending", st.Pending),
		zap.Int("sessions", st.Sessions), zap.Any("reasons", st.Reasons),
		zap.Any("chosen", st.ChosenByMech),
		zap.Uint64("h248_in", st.H248.MessagesIn), zap.Uint64("h248_out", st.H248.MessagesOut),
		zap.Uint64("h248_local_replies", st.H248.LocalReplies),
		zap.Uint64("h248_registered", st.H248.Registered),
		zap.Uint64("h248_deregistered", st.H248.Deregistered),
		zap.Int("h248_transactions", st.H248.Transactions))
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
	if o.h248Listen != "" {
		if cfg.H248Listen, err = parseListen(o.h248Listen); err != nil {
			return cfg, fmt.Errorf("-h248-listen: %w", err)
		}
		if cfg.H248Softswitch, err = netip.ParseAddrPort(o.h248Softswitch); err != nil {
			return cfg, fmt.Errorf("-h248-softswitch: %w", err)
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
	cfg.SocketBuffer, cfg.PendingCapacity, cfg.PendingPerSource = o.socketBuffer, o.pendingCap, o.perSource
	cfg.SessionCapacity, cfg.PendingTTL = o.sessionCap, o.pendingTTL
	return cfg, nil
}

// parseListen reads a listen address; ":port" means every IPv4 address.
func parseListen(s string) (netip.AddrPort, error) {
	if strings.HasPrefix(s, ":") {
		s = "0.0.0.0" + s
	}
	return netip.ParseAddrPort(s)
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
