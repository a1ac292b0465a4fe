package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Summary is everything a run measured; --json writes it as is. Latencies are in
// microseconds.
type Summary struct {
	Protocol    string   `json:"protocol"`
	Target      string   `json:"target"`
	Mode        string   `json:"mode"` // "closed-loop" or "open-loop"
	Concurrency int      `json:"concurrency,omitempty"`
	TargetRate  float64  `json:"target_rate,omitempty"`
	Terminals   int      `json:"terminals"`
	Mix         []string `json:"mix"`

	ElapsedSec          float64           `json:"elapsed_s"`
	Started             uint64            `json:"started"`
	Succeeded           uint64            `json:"succeeded"`
	Failed              uint64            `json:"failed"`
	Skipped             uint64            `json:"skipped"`
	Transactions        uint64            `json:"transactions"`
	MessagesSent        uint64            `json:"messages_sent"`
	MessagesReceived    uint64            `json:"messages_received"`
	Retransmissions     uint64            `json:"retransmissions"`
	KeysVerified        uint64            `json:"keys_verified"` // SK opened, MAC checked
	Stray               uint64            `json:"stray"`
	RegistrationsPerSec float64           `json:"registrations_per_s"`
	MessagesPerSec      float64           `json:"messages_per_s"`
	Failures            map[string]uint64 `json:"failures"`
	// WordsSent counts the t2p words of -after's transactions, WordsVerified the
	// p2t words of their success responses that verified, WordFailures the
	// worded transactions that failed, by reason.
	WordsSent     uint64            `json:"words_sent,omitempty"`
	WordsVerified uint64            `json:"words_verified,omitempty"`
	WordFailures  map[string]uint64 `json:"word_failures,omitempty"`

	Registration Percentiles `json:"registration_latency_us"`
	Transaction  Percentiles `json:"transaction_latency_us"`
	Processes    []ProcUsage `json:"processes,omitempty"`
	Series       []Interval  `json:"series"`
}

// Percentiles summarize one latency histogram, in microseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99_9"`
	Max   float64 `json:"max"`

	hist *hdrhistogram.Histogram // for the percentile chart
}

// Interval is one point of the latency-over-time series (successful registrations
// completed in that interval).
type Interval struct {
	AtSec float64 `json:"t_s"`
	Count int64   `json:"count"`
	P50   float64 `json:"p50_us"`
	P99   float64 `json:"p99_us"`
	Max   float64 `json:"max_us"`
}

func percentiles(h *hdrhistogram.Histogram) Percentiles {
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	p := Percentiles{Count: h.TotalCount(), hist: h}
	if p.Count == 0 {
		return p
	}
	p.Min, p.Max, p.Mean = us(h.Min()), us(h.Max()), h.Mean()/1e3
	p.P50, p.P90 = us(h.ValueAtQuantile(50)), us(h.ValueAtQuantile(90))
	p.P99, p.P999 = us(h.ValueAtQuantile(99)), us(h.ValueAtQuantile(99.9))
	return p
}

// summarize turns the engine's counters and the recorder into a Summary.
func summarize(e *engine, elapsed time.Duration) *Summary {
	r := e.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &Summary{
		Protocol: e.proto, Target: e.target.String(), Terminals: len(e.terms),
		ElapsedSec: elapsed.Seconds(), Started: uint64(e.started.Load()),
		Succeeded: r.succeeded.Load(), Failed: r.failed.Load(), Skipped: r.skips.Load(),
		Transactions: r.transactions.Load(), MessagesSent: e.sent.Load(),
		MessagesReceived: e.received.Load(), Retransmissions: e.retransmitted.Load(),
		Stray: e.stray.Load(), KeysVerified: e.verified.Load(), Failures: maps.Clone(r.failures),
		Registration: percentiles(r.reg), Transaction: percentiles(r.txn),
		WordsSent: e.wordsSent.Load(), WordsVerified: e.wordsVerified.Load(),
	}
	if len(r.words) > 0 {
		s.WordFailures = maps.Clone(r.words)
	}
	if sec := elapsed.Seconds(); sec > 0 {
		s.RegistrationsPerSec = float64(s.Succeeded) / sec
		s.MessagesPerSec = float64(s.MessagesSent+s.MessagesReceived) / sec
	}
	for i, h := range r.series {
		p := percentiles(h)
		s.Series = append(s.Series, Interval{
			AtSec: (time.Duration(i+1) * r.interval).Seconds(), Count: p.Count,
			P50: p.P50, P99: p.P99, Max: p.Max,
		})
	}
	return s
}

// WriteText prints the human summary: rates, failures by reason, latency
// percentiles, and the measured processes' CPU and memory.
func (s *Summary) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "target\t%s (%s, %s", s.Target, s.Protocol, s.Mode)
	if s.Mode == modeOpen {
		fmt.Fprintf(tw, " at %.0f/s", s.TargetRate)
	} else {
		fmt.Fprintf(tw, ", concurrency %d", s.Concurrency)
	}
	fmt.Fprintf(tw, "), %d terminals, mix %s\n", s.Terminals, strings.Join(s.Mix, ","))
	fmt.Fprintf(tw, "elapsed\t%.2f s\n", s.ElapsedSec)
	fmt.Fprintf(tw, "registrations\t%d started, %d succeeded, %d failed, %d skipped\n",
		s.Started, s.Succeeded, s.Failed, s.Skipped)
	fmt.Fprintf(tw, "registrations/s\t%.0f\n", s.RegistrationsPerSec)
	fmt.Fprintf(tw, "keys verified\t%d (session key opened, MAC checked)\n", s.KeysVerified)
	fmt.Fprintf(tw, "messages/s\t%.0f (%d sent, %d received, %d retransmitted, %d stray)\n",
		s.MessagesPerSec, s.MessagesSent, s.MessagesReceived, s.Retransmissions, s.Stray)
	for _, reason := range slices.Sorted(maps.Keys(s.Failures)) {
		fmt.Fprintf(tw, "failed: %s\t%d\n", reason, s.Failures[reason])
	}
	if s.WordsSent > 0 {
		fmt.Fprintf(tw, "words\t%d sent / %d verified\n", s.WordsSent, s.WordsVerified)
	}
	for _, reason := range slices.Sorted(maps.Keys(s.WordFailures)) {
		fmt.Fprintf(tw, "word failed: %s\t%d\n", reason, s.WordFailures[reason])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency (µs)\tcount\tp50\tp90\tp99\tp99.9\tmax\t")
	for _, row := range []struct {
		name string
		p    Percentiles
	}{{"registration", s.Registration}, {"transaction", s.Transaction}} {
		p := row.p
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t\n", row.name, p.Count,
			p.P50, p.P90, p.P99, p.P999, p.Max)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeProcesses(w, s.Processes)
}

// WriteText prints each protocol's summary, then the measured processes, whose
// CPU per transaction and registration counts the work of every protocol.
func (o *Outcome) WriteText(w io.Writer) error {
	for i, s := range o.Runs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := s.WriteText(w); err != nil {
			return err
		}
	}
	return writeProcesses(w, o.Processes)
}

// WriteJSON writes the outcome as indented JSON.
func (o *Outcome) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}

func writeProcesses(w io.Writer, procs []ProcUsage) error {
	if len(procs) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "process\tpid\tcpu s\tcpu µs/transaction\tcpu µs/registration\t"+
		"peak rss KiB\trss KiB\t")
	for _, p := range procs {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.1f\t%.1f\t%d\t%d\t\n", p.Name, p.PID, p.CPUSec,
			p.CPUPerTxnUS, p.CPUPerRegUS, p.PeakRSSKiB, p.RSSKiB)
	}
	return tw.Flush()
}

// WriteJSON writes the summary as indented JSON.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}
