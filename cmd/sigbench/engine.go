package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Timers of the terminals' REGISTER transactions (RFC 3261 §17.1.2.2).
const (
	// defaultT1 starts retransmission; RFC 3261's default round-trip estimate.
	defaultT1 = 500 * time.Millisecond
	// t2 caps the retransmission interval of a non-INVITE request.
	t2 = 4 * time.Second
	// socketBuffer is the receive and send buffer asked for each socket, so a burst of
	// responses is not dropped in the kernel (the kernel caps it at rmem_max).
	socketBuffer = 4 << 20
)

// sock is one UDP socket shared by many terminals, with the host:port written into
// their Via and Contact.
type sock struct {
	conn *net.UDPConn
	host string
	mg   *term // the one gateway on this socket (H.248, MGCP), nil for SIP
}

// engine runs registrations of many terminals against one target and records them.
type engine struct {
	target  netip.AddrPort
	proto   string // protoSIP, protoH248 or protoMGCP
	realm   string
	timeout time.Duration
	t1      time.Duration // first retransmission interval
	digest  []string      // digest algorithms in order of preference
	terms   []*term
	socks   []*sock
	idle    chan *term
	rec     *recorder

	// limit is the number of registrations to start (0: no limit); started counts
	// them; closed is true in closed-loop mode, where a completion starts the next.
	limit int64
	// freshCallID gives every registration a new Call-ID, for registrars that
	// remember finished calls (SIPp).
	freshCallID bool
	started     atomic.Int64
	inflight    atomic.Int64
	stopped     atomic.Bool
	closed      bool

	sent, received, retransmitted, stray atomic.Uint64
	// verified counts session keys opened with their MAC checked.
	verified atomic.Uint64
	// after is the number of worded transactions a terminal sends after each
	// secured registration (-after); wordsSent and wordsVerified count their
	// t2p words and the p2t words that verified.
	after                    int
	wordsSent, wordsVerified atomic.Uint64
	wg                       sync.WaitGroup
}

// ErrSend reports a REGISTER the socket refused.
var ErrSend = errors.New("sigbench: send")

// openSockets binds n sockets on the given loopback addresses, in turn, on
// consecutive ports from firstPort (0: ports the kernel picks).
func openSockets(n int, ips []netip.Addr, firstPort int) ([]*sock, error) {
	socks := make([]*sock, 0, n)
	for i := range n {
		ip := ips[i%len(ips)]
		port := 0
		if firstPort > 0 {
			port = firstPort + i
		}
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
		if err != nil {
			closeSockets(socks)
			return nil, fmt.Errorf("sigbench: listen on %s: %w", ip, err)
		}
		_ = c.SetReadBuffer(socketBuffer)
		_ = c.SetWriteBuffer(socketBuffer)
		socks = append(socks, &sock{conn: c, host: c.LocalAddr().String()})
	}
	return socks, nil
}

func closeSockets(socks []*sock) {
	for _, s := range socks {
		_ = s.conn.Close()
	}
}

// startReceivers runs one reading goroutine per socket until the sockets close.
func (e *engine) startReceivers() {
	for _, s := range e.socks {
		e.wg.Go(func() { e.receive(s) })
	}
}

// receive reads responses from one socket and hands each to its terminal.
func (e *engine) receive(s *sock) {
	r := newRx()
	for {
		n, _, err := s.conn.ReadFromUDPAddrPort(r.buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		e.received.Add(1)
		switch {
		case s.mg != nil && e.proto == protoMGCP:
			e.handleMGCP(s.mg, r, r.buf[:n])
		case s.mg != nil:
			e.handleH248(s.mg, r, r.buf[:n])
		default:
			e.handle(r, r.buf[:n])
		}
	}
}

// rx is one receiver's scratch space, reused for every datagram.
type rx struct {
	buf    []byte
	msg    sip.Message
	auth   []byte
	macIn  []byte
	seq    []byte
	blob   []byte
	tag    []byte
	sk     []byte
	macer  *skd.MACer
	h248   *h248.Message    // parser for H.248, about 32 KiB, so off the stack
	mgcp   *[2]mgcp.Message // the response and the RQNT of one MGCP datagram
	dgram  mgcp.Datagram
	out    []byte // a gateway's Reply to an MGC Modify, or response to a CA RQNT
	digest *digester
}

func newRx() *rx {
	return &rx{
		buf:    make([]byte, max(sip.MaxMessageSize, h248.MaxMessageSize)),
		macer:  skd.NewMACer(),
		sk:     make([]byte, 0, skd.SessionKeySize),
		h248:   new(h248.Message),
		mgcp:   new([2]mgcp.Message),
		digest: newDigester(),
	}
}

// handle matches a datagram to its terminal by the top Via branch and Call-ID, and
// advances that terminal's registration.
func (e *engine) handle(r *rx, b []byte) {
	m := &r.msg
	if err := m.Parse(b); err != nil || m.IsRequest() {
		e.stray.Add(1)
		return
	}
	branch := m.TopVia().Branch
	idx, ok := branchIndex(branch)
	if !ok || idx >= len(e.terms) {
		e.stray.Add(1)
		return
	}
	t := e.terms[idx]
	callID, _ := m.Get(sip.HdrCallID)
	t.mu.Lock()
	if t.state == stateIdle || string(branch) != string(t.branch) || string(callID) != t.callID {
		t.mu.Unlock()
		e.stray.Add(1) // a late response to a retransmission, or not ours
		return
	}
	code := m.StatusCode()
	if code < 200 {
		t.mu.Unlock()
		return
	}
	e.advance(t, r, func(now time.Time) (string, bool) { return e.onChallenge(t, r, code, now) },
		func() string {
			if t.state == stateWordWait {
				return e.onSIPWord(t, r, code)
			}
			return e.onFinal(t, r, code)
		})
}

// advance records the transaction t's final answer ended and judges the answer:
// with challenge in the first transaction (more: the second request went out), with
// final in the second and in each worded one. A success with worded transactions
// still due sends the next; any other verdict ends the registration. The caller
// holds t.mu, which advance releases. The closures do not escape, so they cost no
// allocation.
func (e *engine) advance(t *term, r *rx, challenge func(now time.Time) (reason string,
	more bool), final func() string) {
	now := time.Now()
	e.rec.transaction(now.Sub(t.txStart))
	var reason string
	if t.state == stateWait401 {
		var more bool
		if reason, more = challenge(now); more {
			t.mu.Unlock()
			return
		}
	} else if reason = final(); reason == "" && t.w.active() {
		if reason = e.sendWord(t, r, now); reason == "" {
			t.mu.Unlock()
			return
		}
	}
	e.end(t, now, reason)
}

// end finishes t's registration, or its worded transactions, with reason. The
// caller holds t.mu, which end releases.
func (e *engine) end(t *term, now time.Time, reason string) {
	words := t.state == stateWordWait
	started := t.finish()
	t.mu.Unlock()
	if words {
		e.wordsDone(t, reason)
		return
	}
	e.complete(t, now.Sub(started), reason)
}

// finish returns the terminal to idle and returns when its registration started.
// The word key goes with it: nothing is worded once the terminal is idle. The
// caller holds t.mu.
func (t *term) finish() time.Time {
	t.state = stateIdle
	t.w.reset()
	t.timer.Stop()
	return t.started
}

// begin starts a registration of t scheduled at sched (latency counts from sched, so
// a generator that falls behind its rate shows the delay it caused).
func (e *engine) begin(t *term, sched time.Time) {
	e.inflight.Add(1)
	t.mu.Lock()
	t.ch.chosen = t.ch.chosen[:0]
	t.w.reset()
	switch {
	case t.mg != nil && e.proto == protoMGCP:
		t.mg.newTxn()
		t.appendRSIP()
	case t.mg != nil:
		t.mg.newTxn()
		t.appendServiceChange()
	default:
		if e.freshCallID {
			t.callID = randomHex(8) + "@" + t.sock.host
		}
		t.cseq++
		t.nextBranch()
		t.appendRegister(e.realm, nil)
	}
	t.state = stateWait401
	t.started = sched
	t.deadline = sched.Add(e.timeout)
	if err := e.send(t, time.Now()); err != nil {
		started := t.finish()
		t.mu.Unlock()
		e.complete(t, time.Since(started), reasonSend)
		return
	}
	t.mu.Unlock()
}

// send writes t.req and arms the retransmission timer. The caller holds t.mu.
func (e *engine) send(t *term, now time.Time) error {
	t.txStart = now
	t.retx = e.t1
	t.retxAt = now.Add(e.t1)
	t.timer.Reset(earliest(t.retxAt, t.deadline).Sub(now))
	e.sent.Add(1)
	if _, err := t.sock.conn.WriteToUDPAddrPort(t.req, e.target); err != nil {
		return fmt.Errorf("%w: %w", ErrSend, err)
	}
	return nil
}

// onTimer retransmits the request in flight, or ends the registration at its
// deadline. A timer that fires late for a finished transaction does nothing.
func (e *engine) onTimer(t *term) {
	t.mu.Lock()
	if t.state == stateIdle {
		t.mu.Unlock()
		return
	}
	now := time.Now()
	if !now.Before(t.deadline) {
		e.end(t, now, reasonTimeout)
		return
	}
	if now.Before(t.retxAt) {
		t.timer.Reset(earliest(t.retxAt, t.deadline).Sub(now))
		t.mu.Unlock()
		return
	}
	t.retx = min(2*t.retx, t2)
	t.retxAt = now.Add(t.retx)
	t.timer.Reset(earliest(t.retxAt, t.deadline).Sub(now))
	e.retransmitted.Add(1)
	e.sent.Add(1)
	_, _ = t.sock.conn.WriteToUDPAddrPort(t.req, e.target) // a lost send is retried later
	t.mu.Unlock()
}

// complete records a finished registration and, in closed-loop mode, starts the
// next. After a send error the next start waits one T1, so a socket that refuses
// everything neither spins nor recurses through begin.
func (e *engine) complete(t *term, latency time.Duration, reason string) {
	e.rec.registration(latency, reason)
	e.release(t, reason)
}

// release returns t to the idle terminals and, in closed-loop mode, starts the
// next registration.
func (e *engine) release(t *term, reason string) {
	e.idle <- t // never blocks: the channel holds every terminal
	e.inflight.Add(-1)
	switch {
	case !e.closed:
	case reason == reasonSend:
		time.AfterFunc(e.t1, func() { e.launch(time.Now()) })
	default:
		e.launch(time.Now())
	}
}

// launch starts one registration on an idle terminal unless the run is over. It
// reports false when nothing was started.
func (e *engine) launch(sched time.Time) bool {
	if e.stopped.Load() {
		return false
	}
	if n := e.started.Add(1); e.limit > 0 && n > e.limit {
		e.started.Add(-1)
		return false
	}
	select {
	case t := <-e.idle:
		e.begin(t, sched)
		return true
	default:
		e.started.Add(-1)
		e.rec.skipped()
		return false
	}
}

// done reports whether the count limit is reached and nothing is in flight.
func (e *engine) done() bool {
	return e.limit > 0 && e.started.Load() >= e.limit && e.inflight.Load() == 0
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
