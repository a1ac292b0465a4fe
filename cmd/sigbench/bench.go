package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// pollEvery is how often the driver checks for the end of the run.
const pollEvery = 5 * time.Millisecond

// ErrNotLoopback reports a target outside 127.0.0.0/8 and ::1: sigbench sends load
// to loopback only.
var ErrNotLoopback = errors.New("target is not a loopback address")

// system is the targets and the keys of a system's subscribers.
type system struct {
	target map[string]netip.AddrPort // by protocol
	keys   []terminal.SubscriberKey
	close  func()
}

// Outcome is what one run measured: a summary per protocol and the measured
// processes, whose CPU is divided by the work of every protocol together.
type Outcome struct {
	Runs      []*Summary  `json:"runs"`
	Processes []ProcUsage `json:"processes,omitempty"`
}

// benchmark sets up the terminals, runs the load of every protocol at once and
// returns what it measured.
func benchmark(ctx context.Context, o *options, stderr io.Writer) (*Outcome, error) {
	sys, err := openSystem(ctx, o)
	if err != nil {
		return nil, err
	}
	defer sys.close()
	var engines []*engine
	defer func() {
		for _, e := range engines {
			e.close()
		}
	}()
	for i, proto := range o.protocols() {
		keys := sys.keys[i*o.terminals : (i+1)*o.terminals]
		e, err := newEngine(o, proto, sys.target[proto], keys)
		if err != nil {
			return nil, err
		}
		engines = append(engines, e)
	}
	procs, err := startUsage(append([]watched{self(o)}, o.pids...))
	if err != nil {
		return nil, err
	}
	var bar *progress
	if wantProgress(o.progress, stderr) {
		bar = startProgress(stderr, engines, o.count, o.duration)
	}
	elapsed := make([]time.Duration, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Go(func() { elapsed[i] = e.drive(ctx, o) })
	}
	wg.Wait()
	bar.close(stderr)
	out := &Outcome{}
	var txns, regs uint64
	for i, e := range engines {
		s := summarize(e, elapsed[i])
		s.Mode, s.Concurrency, s.TargetRate, s.Mix = modeClosed, o.concurrency, o.rate, mixNames(o)
		if o.rate > 0 {
			s.Mode = modeOpen
		}
		txns, regs = txns+s.Transactions, regs+s.Succeeded
		out.Runs = append(out.Runs, s)
	}
	if err := finishUsage(procs, txns, regs); err != nil {
		return nil, err
	}
	out.Processes = procs
	return out, nil
}

// self names sigbench's own process among the measured ones: the load side alone
// with -proxy, the whole in-process system without.
func self(o *options) watched {
	name := "sigbench"
	if o.proxy == "" {
		name = "sigbench+system"
	}
	return watched{name: name, pid: os.Getpid()}
}

func mixNames(o *options) []string {
	var out []string
	for _, m := range o.mix {
		out = append(out, fmt.Sprintf("%s=%d", m.name, m.weight))
	}
	return out
}

// openSystem connects to the running system named by -proxy, or starts one
// in-process with -terminals freshly provisioned subscribers per protocol.
func openSystem(ctx context.Context, o *options) (*system, error) {
	if o.proxy != "" {
		return externalSystem(o)
	}
	ids := make([]string, o.terminals*len(o.protocols()))
	for i := range ids {
		ids[i] = fmt.Sprintf("bench%07d", i+1)
	}
	ls, err := loopback.Start(ctx, loopback.Options{
		Realm: o.realm, Subscribers: ids, EventLoops: o.loops,
	})
	if err != nil {
		return nil, err
	}
	sys := &system{
		target: map[string]netip.AddrPort{
			protoSIP: ls.Proxy.Handler().Addr(), protoH248: ls.H248ProxyAddr().AddrPort(),
			protoMGCP: ls.MGCPProxyAddr().AddrPort(),
		},
		close: func() { _ = ls.Close() },
	}
	for _, id := range ids {
		sys.keys = append(sys.keys, terminal.SubscriberKey{Identity: id, Kc: ls.Kc(id)})
	}
	return sys, nil
}

// externalSystem reads the keys of a running system's subscribers.
func externalSystem(o *options) (*system, error) {
	target, err := netip.ParseAddrPort(o.proxy)
	if err != nil {
		return nil, fmt.Errorf("-proxy: %w", err)
	}
	if !target.Addr().IsLoopback() {
		return nil, fmt.Errorf("-proxy %s: %w", target, ErrNotLoopback)
	}
	f, err := os.Open(o.kcFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys, err := terminal.ReadKeys(f)
	if err != nil {
		return nil, err
	}
	if len(keys) < o.offset+o.terminals {
		return nil, fmt.Errorf("-kc-file has %d subscribers, -offset and -terminals ask for %d",
			len(keys), o.offset+o.terminals)
	}
	keys = keys[o.offset : o.offset+o.terminals]
	return &system{target: map[string]netip.AddrPort{o.protocol: target}, keys: keys,
		close: func() {}}, nil
}

// newEngine opens the sockets and prepares one terminal per key, for proto.
func newEngine(o *options, proto string, target netip.AddrPort,
	keys []terminal.SubscriberKey) (*engine, error) {
	n, port := o.socketsOf(proto), o.firstPort(proto)
	socks, err := openSockets(n, o.localIPs, port)
	if err != nil {
		return nil, err
	}
	e := &engine{
		target: target, proto: proto, realm: o.realm, timeout: o.timeout, t1: o.t1, digest: o.digest,
		socks: socks, idle: make(chan *term, len(keys)), rec: newRecorder(o.interval),
		limit: o.count, closed: o.rate == 0, freshCallID: o.freshCallID, after: o.after,
	}
	tag := newRunTag()
	for i, k := range keys {
		// The socket follows the subscriber's place in the key file, so with
		// -local-port a subscriber has the same Contact whatever -offset says.
		s := socks[(o.offset+i)%len(socks)]
		t := newTerm(i, tag, k.Identity, o.realm, k.Kc, kindOf(o.mix, o.offset+i).offer, s)
		if proto != protoSIP {
			t.mg, s.mg = newMGTerm(t), t
		}
		t.timer = time.AfterFunc(time.Hour, func() { e.onTimer(t) })
		t.timer.Stop()
		e.terms = append(e.terms, t)
		e.idle <- t
	}
	e.startReceivers()
	return e, nil
}

// close stops the timers and sockets and waits for the receivers.
func (e *engine) close() {
	for _, t := range e.terms {
		t.timer.Stop()
		clear(t.kek[:])
	}
	closeSockets(e.socks)
	e.wg.Wait()
}

// drive runs the load until the duration or count is reached, waits for the
// registrations in flight (at most one timeout) and returns the measured time:
// from the first start to the last completion.
func (e *engine) drive(ctx context.Context, o *options) time.Duration {
	start := time.Now()
	e.rec.begin(start)
	end := start.Add(o.duration)
	if e.closed {
		for range o.concurrency {
			e.launch(start)
		}
		e.waitUntil(ctx, end)
	} else {
		e.pace(ctx, start, end, o.rate)
	}
	e.stopped.Store(true)
	drain := time.Now().Add(e.timeout + time.Second)
	for e.inflight.Load() > 0 && time.Now().Before(drain) && ctx.Err() == nil {
		time.Sleep(pollEvery)
	}
	return e.rec.lastCompletion().Sub(start)
}

// waitUntil returns at end, when the count is done, or when ctx ends.
func (e *engine) waitUntil(ctx context.Context, end time.Time) {
	for time.Now().Before(end) && !e.done() && ctx.Err() == nil {
		time.Sleep(pollEvery)
	}
}

// pace starts registrations at rate per second, each scheduled at its own instant;
// when the goroutine wakes late it starts all that are due at once.
func (e *engine) pace(ctx context.Context, start, end time.Time, rate float64) {
	period := time.Duration(float64(time.Second) / rate)
	next := start
	for ctx.Err() == nil {
		now := time.Now()
		for !next.After(now) && next.Before(end) {
			if e.limit > 0 && e.started.Load() >= e.limit {
				e.waitUntil(ctx, end)
				return
			}
			e.launch(next)
			next = next.Add(period)
		}
		if !next.Before(end) {
			return
		}
		time.Sleep(min(next.Sub(now), time.Millisecond))
	}
}
