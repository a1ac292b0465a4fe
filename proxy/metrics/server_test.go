package metrics

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sigproxy/sigproxy/proxy"
)

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func TestScrapeFollowsSource(t *testing.T) {
	src := &fakeSource{}
	src.set(proxy.Stats{
		MessagesIn: 10, MessagesOut: 9, Handled: 10, LocalReplies: 1, Registered: 2,
		Reasons:      map[string]uint64{proxy.ReasonMalformed.String(): 1},
		ChosenByMech: map[string]uint64{"hmac-sha256": 2, "ascon128a-v12": 0},
		Pending:      3, Sessions: 2,
	})
	srv := startServer(t, src, Options{})
	before := scrape(t, srv)
	src.set(proxy.Stats{
		MessagesIn: 25, MessagesOut: 22, Handled: 25, LocalReplies: 3, Registered: 5,
		Deregistered: 1,
		Reasons: map[string]uint64{proxy.ReasonMalformed.String(): 2,
			proxy.ReasonSourceLimit.String(): 4},
		ChosenByMech: map[string]uint64{"hmac-sha256": 4, "ascon128a-v12": 1},
		Pending:      0, Sessions: 4,
		H248: proxy.H248Stats{MessagesIn: 6, MessagesOut: 5, LocalReplies: 1, Registered: 2,
			Deregistered: 1, Transactions: 3},
	})
	after := scrape(t, srv)
	tests := []struct {
		name          string
		labels        []string
		before, after float64
	}{
		{"sigproxy_messages_received_total", nil, 10, 25},
		{"sigproxy_messages_sent_total", nil, 9, 22},
		{"sigproxy_messages_handled_total", nil, 10, 25},
		{"sigproxy_local_replies_total", nil, 1, 3},
		{"sigproxy_registrations_total", []string{"outcome", "registered"}, 2, 5},
		{"sigproxy_registrations_total", []string{"outcome", "deregistered"}, 0, 1},
		{"sigproxy_events_total", []string{"reason", "malformed"}, 1, 2},
		{"sigproxy_events_total", []string{"reason", "source_limit"}, 0, 4},
		{"sigproxy_events_total", []string{"reason", "mac_failed"}, 0, 0},
		{"sigproxy_mechanism_chosen_total", []string{"mechanism", "hmac-sha256"}, 2, 4},
		{"sigproxy_mechanism_chosen_total", []string{"mechanism", "ascon128a-v12"}, 0, 1},
		{"sigproxy_pending_registrations", nil, 3, 0},
		{"sigproxy_sessions", nil, 2, 4},
		{"sigproxy_h248_messages_received_total", nil, 0, 6},
		{"sigproxy_h248_messages_sent_total", nil, 0, 5},
		{"sigproxy_h248_local_replies_total", nil, 0, 1},
		{"sigproxy_h248_registrations_total", []string{"outcome", "registered"}, 0, 2},
		{"sigproxy_h248_registrations_total", []string{"outcome", "deregistered"}, 0, 1},
		{"sigproxy_h248_transactions", nil, 0, 3},
	}
	for _, tt := range tests {
		b, okb := value(before, tt.name, tt.labels...)
		a, oka := value(after, tt.name, tt.labels...)
		if !okb || !oka || b != tt.before || a != tt.after {
			t.Errorf("%s%v: before %v (%v) after %v (%v); want %v then %v",
				tt.name, tt.labels, b, okb, a, oka, tt.before, tt.after)
		}
	}
}

// TestEveryReasonExposed checks that each proxy reason has a series from the
// first scrape, and that no reason is the placeholder "none" or "unknown".
func TestEveryReasonExposed(t *testing.T) {
	srv := startServer(t, &fakeSource{}, Options{})
	fams := scrape(t, srv)
	n := 0
	for r := proxy.Reason(1); r.String() != "unknown"; r++ {
		if _, ok := value(fams, "sigproxy_events_total", "reason", r.String()); !ok {
			t.Errorf("reason %q not exposed", r)
		}
		n++
	}
	got := len(fams["sigproxy_events_total"].GetMetric())
	if n < 20 || got != n {
		t.Errorf("%d reasons in the proxy, %d series exposed", n, got)
	}
	for _, bad := range []string{"none", "unknown"} {
		if _, ok := value(fams, "sigproxy_events_total", "reason", bad); ok {
			t.Errorf("placeholder reason %q exposed", bad)
		}
	}
}

func TestReasonBeyondKnownOnesExposed(t *testing.T) {
	src := &fakeSource{}
	src.set(proxy.Stats{Reasons: map[string]uint64{"h248_future_reason": 7}})
	fams := scrape(t, startServer(t, src, Options{}))
	if v, ok := value(fams, "sigproxy_events_total", "reason", "h248_future_reason"); v != 7 {
		t.Errorf("extra reason: %v %v", v, ok)
	}
}

func TestHandlingLatencyExposed(t *testing.T) {
	srv := startServer(t, &fakeSource{}, Options{})
	h := srv.Collector().HandlingLatency()
	h.Observe(3e-6)
	h.Observe(0.002)
	fams := scrape(t, srv)
	if n, ok := value(fams, "sigproxy_message_handling_seconds"); !ok || n != 2 {
		t.Errorf("histogram sample count %v (%v), want 2", n, ok)
	}
	hist := fams["sigproxy_message_handling_seconds"].GetMetric()[0].GetHistogram()
	cumulative := map[float64]uint64{}
	for _, b := range hist.GetBucket() {
		cumulative[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if cumulative[2.5e-6] != 0 || cumulative[5e-6] != 1 || cumulative[1e-3] != 1 ||
		cumulative[5e-3] != 2 || hist.GetSampleSum() < 0.002 {
		t.Errorf("histogram: %v", hist)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	var ready atomic.Bool
	srv := startServer(t, &fakeSource{}, Options{Ready: func() error {
		if !ready.Load() {
			return errNotBound
		}
		return nil
	}})
	if code, body := get(t, srv, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	code, body := get(t, srv, "/readyz")
	if code != http.StatusServiceUnavailable || body != "not ready: listener not bound\n" {
		t.Errorf("/readyz before: %d %q", code, body)
	}
	ready.Store(true)
	if code, body := get(t, srv, "/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("/readyz after: %d %q", code, body)
	}
}

func TestPprofOnlyWhenAsked(t *testing.T) {
	off := startServer(t, &fakeSource{}, Options{})
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/nothing"} {
		if code, _ := get(t, off, p); code != http.StatusNotFound {
			t.Errorf("pprof off: %s answered %d", p, code)
		}
	}
	on := startServer(t, &fakeSource{}, Options{Pprof: true})
	if code, body := get(t, on, "/debug/pprof/"); code != http.StatusOK ||
		!strings.Contains(body, "goroutine") {
		t.Errorf("pprof on: /debug/pprof/ %d", code)
	}
	if code, _ := get(t, on, "/debug/pprof/goroutine?debug=1"); code != http.StatusOK {
		t.Errorf("pprof on: goroutine profile %d", code)
	}
}

func TestReloadEndpoint(t *testing.T) {
	off := startServer(t, &fakeSource{}, Options{})
	if code := post(t, off, "/-/reload"); code != http.StatusNotFound {
		t.Errorf("reload without a Reload func: %d, want 404", code)
	}
	var calls atomic.Int32
	fail := atomic.Bool{}
	on := startServer(t, &fakeSource{}, Options{Reload: func() (int, error) {
		calls.Add(1)
		if fail.Load() {
			return 0, errNotBound
		}
		return 2, nil
	}, KeyCount: func() int { return 2 }})
	if code := post(t, on, "/-/reload"); code != http.StatusOK || calls.Load() != 1 {
		t.Errorf("reload: %d after %d calls, want 200 after 1", code, calls.Load())
	}
	fail.Store(true)
	if code := post(t, on, "/-/reload"); code != http.StatusInternalServerError {
		t.Errorf("failed reload: %d, want 500", code)
	}
	if code, _ := get(t, on, "/-/reload"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: %d, want 405", code)
	}
	_, body := get(t, on, "/metrics")
	for _, line := range []string{`sigproxy_key_reloads_total{result="ok"} 1`,
		`sigproxy_key_reloads_total{result="failed"} 1`, "sigproxy_proxy_keys 2"} {
		if !strings.Contains(body, "\n"+line+"\n") {
			t.Errorf("scrape lacks %q", line)
		}
	}
}

// post sends an empty POST to path and returns the status.
func post(t *testing.T, srv *Server, path string) int {
	t.Helper()
	resp, err := http.Post("http://"+srv.Addr().String()+path, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
