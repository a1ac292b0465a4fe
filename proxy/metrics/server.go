package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Errors returned by NewServer.
var (
	// ErrPprofNotLoopback reports pprof asked for on an address other hosts
	// can reach: profiles and goroutine dumps show process internals.
	ErrPprofNotLoopback = errors.New("metrics: pprof is served on loopback addresses only")
	// ErrNoAddress reports an invalid listen address.
	ErrNoAddress = errors.New("metrics: listen address is required")
)

// Server limits: the admin server answers a scraper and an operator, never
// traffic, so small bounds keep a misbehaving client from holding resources.
const (
	maxScrapesInFlight = 4
	scrapeTimeout      = 10 * time.Second
	readHeaderTimeout  = 5 * time.Second
	writeTimeout       = 30 * time.Second
	// pprofWriteTimeout lets a CPU profile or trace run up to about 110 s.
	pprofWriteTimeout = 2 * time.Minute
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 8 << 10
)

// Options configures a Server. The zero value serves metrics and health on a
// fresh registry, ready as soon as it serves, without pprof.
type Options struct {
	// Registry receives the Collector and serves /metrics. Nil: a new
	// registry that also has the Go runtime, process and build collectors.
	Registry *prometheus.Registry
	// Ready decides /readyz: nil error is ready (200), an error is not ready
	// (503, its text in the body). Nil Ready: ready while the server runs.
	Ready func() error
	// Pprof serves net/http/pprof under /debug/pprof/; only allowed when the
	// address is loopback.
	Pprof bool
	// Reload, when set, is served as POST /-/reload (the Prometheus
	// convention): the proxy reloads its key file and returns how many keys
	// it holds. 200 on success; 500 with the error's text otherwise, which
	// must carry no key bytes. Every call is counted (ObserveReload).
	Reload func() (keys int, err error)
	// KeyCount reports the proxy keys held, for sigproxy_proxy_keys; nil
	// reports 0.
	KeyCount func() int
	// ErrorLog receives the HTTP server's own errors (bad requests, accept
	// failures). Nil: discarded.
	ErrorLog *log.Logger
}

// Server is the admin HTTP server: /metrics, /healthz, /readyz and, when
// enabled, POST /-/reload and /debug/pprof/. Any other path is 404.
type Server struct {
	http      *http.Server
	ln        net.Listener
	collector *Collector
	reloads   *prometheus.CounterVec
	done      chan error

	stop    sync.Once
	stopErr error // what the first Shutdown found
}

// NewServer registers a Collector for src, binds addr (port 0 picks a free
// port, see Addr) and serves in the background until Shutdown.
func NewServer(addr netip.AddrPort, src Source, opts Options) (*Server, error) {
	if !addr.IsValid() {
		return nil, ErrNoAddress
	}
	if opts.Pprof && !addr.Addr().IsLoopback() {
		return nil, fmt.Errorf("%w: %s", ErrPprofNotLoopback, addr)
	}
	reg := opts.Registry
	if reg == nil {
		reg = newRegistry()
	}
	c := NewCollector(src)
	reloads, keys := keyMetrics(opts.KeyCount)
	for _, m := range []prometheus.Collector{c, reloads, keys} {
		if err := reg.Register(m); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	ln, err := net.Listen("tcp", addr.String())
	if err != nil {
		reg.Unregister(c)
		reg.Unregister(reloads)
		reg.Unregister(keys)
		return nil, fmt.Errorf("metrics: %w", err)
	}
	s := &Server{ln: ln, collector: c, reloads: reloads, done: make(chan error, 1)}
	s.http = &http.Server{
		Handler:           s.newMux(reg, opts),
		ReadHeaderTimeout: readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          opts.ErrorLog,
	}
	if opts.Pprof {
		s.http.WriteTimeout = pprofWriteTimeout
	}
	if s.http.ErrorLog == nil {
		s.http.ErrorLog = log.New(io.Discard, "", 0)
	}
	go func() { s.done <- s.http.Serve(ln) }()
	return s, nil
}

// newRegistry returns a registry with the standard process-level collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	return reg
}

// newMux routes the admin endpoints. It uses its own mux, never
// http.DefaultServeMux, so importing net/http/pprof exposes nothing by itself.
func (s *Server) newMux(reg *prometheus.Registry, opts Options) *http.ServeMux {
	mux := http.NewServeMux()
	scrape := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:            reg, // counts the handler's own errors
		MaxRequestsInFlight: maxScrapesInFlight,
		Timeout:             scrapeTimeout,
	})
	mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(reg, scrape))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", readyHandler(opts.Ready))
	if opts.Reload != nil {
		mux.HandleFunc("POST /-/reload", s.reloadHandler(opts.Reload))
	}
	if opts.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

func readyHandler(ready func() error) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "not ready: "+err.Error()+"\n")
				return
			}
		}
		io.WriteString(w, "ready\n")
	}
}

// keyMetrics returns the key reload counter (both results present from the
// start) and the gauge of keys held.
func keyMetrics(count func() int) (*prometheus.CounterVec, prometheus.GaugeFunc) {
	reloads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sigproxy_key_reloads_total",
		Help: "Reloads of the proxy key file (SIGHUP or POST /-/reload), by result.",
	}, []string{"result"})
	reloads.WithLabelValues("ok")
	reloads.WithLabelValues("failed")
	keys := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sigproxy_proxy_keys",
		Help: "Proxy keys (key ids) the proxy holds.",
	}, func() float64 {
		if count == nil {
			return 0
		}
		return float64(count())
	})
	return reloads, keys
}

// ObserveReload counts one reload of the proxy key file, however it was
// asked for.
func (s *Server) ObserveReload(err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	s.reloads.WithLabelValues(result).Inc()
}

func (s *Server) reloadHandler(reload func() (int, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := reload()
		s.ObserveReload(err)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "reload failed: "+err.Error()+"\n")
			return
		}
		io.WriteString(w, "reloaded\n")
	}
}

// Addr returns the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Collector returns the Collector the server registered, for its
// HandlingLatency histogram.
func (s *Server) Collector() *Collector { return s.collector }

// Shutdown stops accepting connections, waits for requests in flight until
// ctx ends, and returns the error the server met while serving, if any. Later
// calls return the first call's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stop.Do(func() {
		if err := s.http.Shutdown(ctx); err != nil {
			s.stopErr = fmt.Errorf("metrics: shutdown: %w", err)
			return
		}
		if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
			s.stopErr = fmt.Errorf("metrics: serve: %w", err)
		}
	})
	return s.stopErr
}
