package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram ranges, in nanoseconds.
const (
	// minLatency and maxLatency bound what the histograms hold: 1 µs (below any
	// loopback round trip) to a minute (longer than any registration timeout).
	minLatency = int64(time.Microsecond)
	maxLatency = int64(time.Minute)
	// sigFigs keeps every recorded value within 0.1%.
	sigFigs = 3
	// seriesSigFigs is coarser (1%) for the per-interval histograms, which exist
	// only for the latency-over-time chart and are many.
	seriesSigFigs = 2
	// maxIntervals bounds the latency-over-time series (an hour of 1 s intervals);
	// later completions are counted in the last interval.
	maxIntervals = 3600
)

// recorder collects every completed transaction and registration. Completions come
// from many goroutines at a few tens of thousands a second, so one mutex is enough.
type recorder struct {
	interval time.Duration

	mu       sync.Mutex
	start    time.Time
	reg, txn *hdrhistogram.Histogram
	series   []*hdrhistogram.Histogram
	failures map[string]uint64
	words    map[string]uint64 // failures of worded transactions (-after) by reason
	last     time.Time         // the latest completion

	succeeded, failed, skips, transactions atomic.Uint64
}

func newRecorder(interval time.Duration) *recorder {
	return &recorder{
		interval: interval,
		reg:      hdrhistogram.New(minLatency, maxLatency, sigFigs),
		txn:      hdrhistogram.New(minLatency, maxLatency, sigFigs),
		failures: make(map[string]uint64),
		words:    make(map[string]uint64),
	}
}

// begin marks the start of the measured run: intervals count from here.
func (r *recorder) begin(t time.Time) {
	r.mu.Lock()
	r.start = t
	r.mu.Unlock()
}

// transaction records one REGISTER's round trip to its final response.
func (r *recorder) transaction(d time.Duration) {
	r.transactions.Add(1)
	r.mu.Lock()
	_ = r.txn.RecordValue(clampLatency(d))
	r.mu.Unlock()
}

// registration records a finished registration: its latency when it succeeded
// (reason ""), its failure reason otherwise.
func (r *recorder) registration(d time.Duration, reason string) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = now
	if reason != "" {
		r.failed.Add(1)
		r.failures[reason]++
		return
	}
	r.succeeded.Add(1)
	v := clampLatency(d)
	_ = r.reg.RecordValue(v)
	_ = r.slot(now).RecordValue(v)
}

// wordFailure counts a worded transaction (-after) that failed, by reason.
func (r *recorder) wordFailure(reason string) {
	r.mu.Lock()
	r.words[reason]++
	r.mu.Unlock()
}

// lastCompletion is when the latest registration ended (now when none did).
func (r *recorder) lastCompletion() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last.IsZero() {
		return time.Now()
	}
	return r.last
}

// skipped counts a registration the rate asked for while every terminal was busy.
func (r *recorder) skipped() { r.skips.Add(1) }

// slot returns the interval histogram for now. The caller holds r.mu.
func (r *recorder) slot(now time.Time) *hdrhistogram.Histogram {
	i := 0
	if !r.start.IsZero() && r.interval > 0 {
		i = int(now.Sub(r.start) / r.interval)
	}
	i = max(0, min(i, maxIntervals-1))
	for len(r.series) <= i {
		r.series = append(r.series, hdrhistogram.New(minLatency, maxLatency, seriesSigFigs))
	}
	return r.series[i]
}

func clampLatency(d time.Duration) int64 {
	return max(minLatency, min(int64(d), maxLatency))
}
