// Command sigproxy runs the signaling proxy: it relays SIP and H.248 between
// terminals and a softswitch, negotiates the security mechanism, opens the
// session key the authentication center wrapped under the proxy's key, and
// adds the verification word to registration success responses.
//
// Configuration comes from a TOML file (-config, docs/sigproxy.example.toml)
// and flags; a flag given on the command line overrides the file's key. With
// -check-config it validates everything, the key files included, and exits.
//
// Signals: SIGHUP reloads the proxy key file (key rotation); SIGINT and
// SIGTERM drain (readiness goes to 503, registrations in progress may finish
// for up to -drain-timeout) and stop.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/proxy"
	"github.com/sigproxy/sigproxy/proxy/config"
	"github.com/sigproxy/sigproxy/proxy/metrics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "sigproxy:", err)
		os.Exit(1)
	}
}

// stopTimeout bounds the event loops' shutdown once draining is over.
const stopTimeout = 5 * time.Second

// run starts the proxy and its admin server from args and serves until ctx
// ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cl, err := parseCommandLine(args, stderr)
	if err != nil {
		return err
	}
	s, err := cl.settings()
	if err != nil {
		return err
	}
	if cl.check {
		return checkConfig(s, stdout)
	}
	log, err := s.NewLogger()
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	return serve(ctx, s, cl.drain, log)
}

// checkConfig builds everything the proxy would run with, binds nothing, and
// reports what it found.
func checkConfig(s config.Settings, stdout io.Writer) error {
	kr, err := s.LoadKeyring()
	if err != nil {
		return err
	}
	cfg := s.Proxy
	cfg.Keyring, cfg.Logger = kr, zap.NewNop()
	if _, err := proxy.NewHandler(cfg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "config ok: proxy %s, SIP %s -> %s, %d proxy key(s)\n",
		cfg.ProxyID, cfg.Listen, cfg.Softswitch, kr.Len())
	return nil
}

// serve runs the proxy until ctx ends, then drains and stops it.
func serve(ctx context.Context, s config.Settings, drain time.Duration, log *zap.Logger) error {
	kr, err := s.LoadKeyring()
	if err != nil {
		return err
	}
	cfg := s.Proxy
	cfg.Keyring, cfg.Logger = kr, log
	h, err := proxy.NewHandler(cfg)
	if err != nil {
		return err
	}
	rl := newKeyReloader(kr, s, log)
	var ready atomic.Bool
	admin, err := startAdmin(s, h, rl, &ready, log)
	if err != nil {
		return err
	}
	defer admin.shutdown()

	stopHUP := rl.onSIGHUP()
	defer stopHUP()
	srv := proxy.NewServer(h)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	ready.Store(true)
	logListening(log, srv, cfg)
	logStatsUntil(ctx, log, h, s.StatsInterval)

	ready.Store(false)
	drainPending(log, h, drain)
	stopCtx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err = srv.Stop(stopCtx)
	logStats(log, "stopped", h)
	return err
}

func logListening(log *zap.Logger, srv *proxy.Server, cfg proxy.Config) {
	h := srv.Handler()
	log.Info("listening", zap.Stringer("addr", h.Addr()), zap.String("proxy_id", cfg.ProxyID),
		zap.Stringer("softswitch", cfg.Softswitch))
	if cfg.H248Listen.IsValid() {
		log.Info("listening for H.248", zap.Stringer("addr", srv.H248Addr()),
			zap.Stringer("mgc", cfg.H248Softswitch))
	} else {
		log.Info("H.248 disabled")
	}
	if cfg.MGCPGatewayListen.IsValid() {
		log.Info("listening for MGCP", zap.Stringer("gateways", srv.MGCPGatewayAddr()),
			zap.Stringer("callagent_side", srv.MGCPCallAgentAddr()),
			zap.Stringer("callagent", cfg.MGCPCallAgent))
	}
	if cfg.TCPListen.IsValid() {
		log.Info("listening for SIP over TCP", zap.Stringer("addr", srv.TCPAddr()))
	}
	if cfg.H248TCPListen.IsValid() {
		log.Info("listening for H.248 over TCP", zap.Stringer("addr", srv.H248TCPAddr()))
	}
}

// drainPending waits, up to limit, for the registrations in progress to
// finish: the proxy keeps serving while readiness tells load balancers to
// send no more. Limitation: new registrations that still arrive are served
// too, and can keep the count above zero until the limit.
func drainPending(log *zap.Logger, h *proxy.Handler, limit time.Duration) {
	if limit <= 0 {
		return
	}
	start := time.Now()
	for time.Since(start) < limit {
		if st := h.Stats(); st.Pending == 0 && st.H248.Transactions == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := h.Stats()
	log.Info("drained", zap.Duration("waited", time.Since(start).Round(time.Millisecond)),
		zap.Int("pending_left", st.Pending), zap.Int("h248_transactions_left", st.H248.Transactions))
}

// adminServer is the running admin server, or nothing when it is off.
type adminServer struct{ srv *metrics.Server }

// startAdmin serves metrics, health, readiness, key reload and (when asked)
// pprof on the admin address; it starts before the proxy binds so that
// /readyz says "not ready" meanwhile.
func startAdmin(s config.Settings, h *proxy.Handler, rl *keyReloader, ready *atomic.Bool,
	log *zap.Logger) (adminServer, error) {
	if !s.AdminListen.IsValid() {
		return adminServer{}, nil
	}
	srv, err := metrics.NewServer(s.AdminListen, h, metrics.Options{
		Ready: func() error {
			if !ready.Load() {
				return errors.New("not serving")
			}
			return nil
		},
		Reload:   rl.reload,
		KeyCount: rl.ring.Len,
		Pprof:    s.Pprof,
	})
	if err != nil {
		return adminServer{}, err
	}
	rl.setAdmin(srv)
	h.SetHandlingObserver(srv.Collector().HandlingLatency())
	log.Info("admin server listening", zap.Stringer("addr", srv.Addr()), zap.Bool("pprof", s.Pprof))
	return adminServer{srv}, nil
}

func (a adminServer) shutdown() {
	if a.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	_ = a.srv.Shutdown(ctx)
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
