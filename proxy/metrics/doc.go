// Package metrics is sigproxy's admin side: a Prometheus collector over the
// proxy's counters and an HTTP server for /metrics, /healthz, /readyz and,
// when asked for, /debug/pprof/. docs/OPERATIONS.md lists every metric.
//
// # Use
//
//	var ready atomic.Bool // set once the SIP socket is bound
//	srv, err := metrics.NewServer(settings.AdminListen, handler, metrics.Options{
//		Ready: func() error {
//			if !ready.Load() {
//				return errors.New("listener not bound")
//			}
//			return nil
//		},
//		Pprof: settings.Pprof,
//	})
//	...
//	err = srv.Shutdown(ctx)
//
// # Metrics
//
// All names have the sigproxy_ prefix. Counters are read from one
// proxy.Stats snapshot per scrape (nothing is computed between scrapes):
// messages received, sent and handled, local replies, registrations by
// outcome, events by reason (every proxy.Reason, zero included, so alerts
// work before the first occurrence) and mechanism choices by mechanism;
// gauges for registrations in progress and live sessions. Only counts and
// fixed names leave the process: no address, identity or key byte is ever a
// label value.
//
// The handling-latency histogram (sigproxy_message_handling_seconds, see
// Collector.HandlingLatency) is registered and exposed, but the proxy does
// not feed it yet. Observe on it allocates nothing.
//
// # Endpoints
//
// /healthz answers 200 while the process serves HTTP. /readyz answers 200
// when Options.Ready returns nil and 503 with the reason otherwise, so a load
// balancer stops sending traffic to a proxy that cannot serve it.
// /debug/pprof/ is off by default and refused on non-loopback addresses
// (ErrPprofNotLoopback): goroutine dumps and profiles show internals.
//
// Limitation: the server speaks plain HTTP without authentication; bind it to
// loopback or a management network.
package metrics
