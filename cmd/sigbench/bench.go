package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// pollEvery is how often the driver checks for the end of the run.
const pollEvery = 5 * time.Millisecond

// ErrNotLoopback reports a target outside 127.0.0.0/8 and ::1: sigbench sends load
// to loopback only.
var ErrNotLoopback = errors.New("target is not a loopback address")

// system is the target and the keys of its subscribers.
type system struct {
	target netip.AddrPort
	keys   []terminal.SubscriberKey
	close  func()
}

// benchmark sets up the terminals, runs the load and returns what it measured.
func benchmark(ctx context.Context, o *options, stderr io.Writer) (*Summary, error) {
	sys, err := openSystem(ctx, o)
	if err != nil {
		return nil, err
	}
	defer sys.close()
	e, err := newEngine(o, sys)
	if err != nil {
		return nil, err
	}
	defer e.close()
	procs, err := startUsage(o.pids)
	if err != nil {
		return nil, err
	}
	var bar *progress
	if wantProgress(o.progress, stderr) {
		bar = startProgress(stderr, e, o.count, o.duration)
	}
	elapsed := e.drive(ctx, o)
	bar.close(stderr)
	s := summarize(e, elapsed)
	s.Mode, s.Concurrency, s.TargetRate, s.Mix = modeClosed, o.concurrency, o.rate, mixNames(o)
	if o.rate > 0 {
		s.Mode = modeOpen
	}
	if err := finishUsage(procs, s.Transactions, s.Succeeded); err != nil {
		return nil, err
	}
	s.Processes = procs
	return s, nil
}

func mixNames(o *options) []string {
	var out []string
	for _, m := range o.mix {
		out = append(out, fmt.Sprintf("%s=%d", m.name, m.weight))
	}
	return out
}

// openSystem connects to the running system named by -proxy, or starts one
// in-process with -terminals freshly provisioned subscribers.
func openSystem(ctx context.Context, o *options) (*system, error) {
	if o.proxy != "" {
		return externalSystem(o)
	}
	ids := make([]string, o.terminals)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench%07d", i+1)
	}
	ls, err := loopback.Start(ctx, loopback.Options{
		Realm: o.realm, Subscribers: ids, EventLoops: o.loops,
	})
	if err != nil {
		return nil, err
	}
	sys := &system{target: ls.Proxy.Handler().Addr(), close: func() { _ = ls.Close() }}
	if o.protocol == protoH248 {
		sys.target = ls.H248ProxyAddr().AddrPort()
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
	return &system{target: target, keys: keys, close: func() {}}, nil
}

// newEngine opens the sockets and prepares one terminal per key.
func newEngine(o *options, sys *system) (*engine, error) {
	socks, err := openSockets(o.sockets, o.localIPs, o.localPort)
	if err != nil {
		return nil, err
	}
	e := &engine{
		target: sys.target, proto: o.protocol, realm: o.realm, timeout: o.timeout, t1: o.t1, digest: o.digest,
		socks: socks, idle: make(chan *term, len(sys.keys)), rec: newRecorder(o.interval),
		limit: o.count, closed: o.rate == 0, freshCallID: o.freshCallID,
	}
	tag := newRunTag()
	for i, k := range sys.keys {
		// The socket follows the subscriber's place in the key file, so with
		// -local-port a subscriber has the same Contact whatever -offset says.
		s := socks[(o.offset+i)%len(socks)]
		t := newTerm(i, tag, k.Identity, o.realm, k.Kc, kindOf(o.mix, o.offset+i).offer, s)
		if o.protocol == protoH248 {
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
