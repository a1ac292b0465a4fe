package proxy

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// tcpConn is the proxy's state for one TCP connection from a terminal. The
// owner is the event loop gnet gave the connection to: only it reads, and
// only it writes to the socket. Other event loops hand bytes over through
// pend and a task run on the owner (Run).
type tcpConn struct {
	conn   gnet.Conn
	loop   gnet.EventLoop
	remote netip.AddrPort
	h      *Handler
	h248   bool // H.248 in TPKT (on the H.248 TCP listener), else SIP

	idx     int          // position in tcpTable.list; guarded by the table's lock
	last    atomic.Int64 // UnixNano of the last message or keep-alive
	closing atomic.Bool  // the proxy asked gnet to close it (idle or overflow)

	mu     sync.Mutex // guards what follows
	closed bool       // OnClose has run; nothing more is written
	queued bool       // a Run is scheduled on the owner
	pend   []byte     // bytes from other event loops, at most MaxTCPBuffered
}

// tcpTable is the bounded set of open TCP connections, by remote address,
// shared by all event loops: a response or request is routed to the
// connection whose peer address its Via or Request-URI names.
type tcpTable struct {
	mu     sync.RWMutex
	byAddr map[netip.AddrPort]*tcpConn
	list   []*tcpConn // for the idle sweep; swap-removed
	cursor int        // where the next sweep starts
	max    int
	idle   int64 // nanoseconds
	maxBuf int
	sip    bool // SIP over TCP is on (TCPListen)
}

func newTCPTable(cfg *Config) *tcpTable {
	return &tcpTable{byAddr: make(map[netip.AddrPort]*tcpConn), max: cfg.MaxTCPConns,
		idle: int64(cfg.TCPIdleTimeout), maxBuf: cfg.MaxTCPBuffered,
		sip: cfg.TCPListen.IsValid()}
}

// errTCPFull is what add returns at MaxTCPConns.
var errTCPFull = errors.New("proxy: tcp connection limit reached")

// add records tc, or refuses it when the table is full.
func (t *tcpTable) add(tc *tcpConn) error {
	tc.remote = unmapAddrPort(tc.remote)
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.list) >= t.max {
		return errTCPFull
	}
	// The same peer address on another local address (a wildcard listen
	// address): the newest connection takes the routing; remove leaves it.
	t.byAddr[tc.remote] = tc
	tc.idx = len(t.list)
	t.list = append(t.list, tc)
	return nil
}

// remove forgets tc.
func (t *tcpTable) remove(tc *tcpConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byAddr[tc.remote] == tc {
		delete(t.byAddr, tc.remote)
	}
	i := tc.idx
	if i < 0 || i >= len(t.list) || t.list[i] != tc {
		return
	}
	last := len(t.list) - 1
	t.list[i] = t.list[last]
	t.list[i].idx = i
	t.list[last] = nil
	t.list = t.list[:last]
	tc.idx = -1
}

// get returns the SIP connection from a, or nil.
func (t *tcpTable) get(a netip.AddrPort) *tcpConn { return t.lookup(a, false) }

// getH248 returns the H.248 connection from a, or nil.
func (t *tcpTable) getH248(a netip.AddrPort) *tcpConn { return t.lookup(a, true) }

// lookup returns the connection from a carrying SIP or H.248, or nil: a
// SIP message never goes on an H.248 connection, nor the reverse.
func (t *tcpTable) lookup(a netip.AddrPort, h248 bool) *tcpConn {
	a = unmapAddrPort(a)
	t.mu.RLock()
	tc := t.byAddr[a]
	t.mu.RUnlock()
	if tc == nil || tc.h248 != h248 {
		return nil
	}
	return tc
}

func (t *tcpTable) len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.list)
}

// sweepBudget bounds the connections one sweep looks at, so that a tick
// holds the table's lock briefly whatever the number of connections; the
// cursor carries on from there on the next tick.
const sweepBudget = 1024

// idleConns appends to dst the connections idle since before now-idle among
// the next sweepBudget ones, marking them closing.
func (t *tcpTable) idleConns(dst []*tcpConn, now int64) []*tcpConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := min(len(t.list), sweepBudget)
	for range n {
		if t.cursor >= len(t.list) {
			t.cursor = 0
		}
		tc := t.list[t.cursor]
		t.cursor++
		if now-tc.last.Load() > t.idle && tc.closing.CompareAndSwap(false, true) {
			dst = append(dst, tc)
		}
	}
	return dst
}

// unmapAddrPort turns an IPv4-mapped IPv6 address into IPv4, the form
// hostPort gives for a Via or URI.
func unmapAddrPort(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// stepStream is Step for a message framed on tc.
func (w *Worker) stepStream(msg []byte, tc *tcpConn, out []byte) ([]byte, netip.AddrPort, bool) {
	w.inConn = tc
	res, dst, ok := w.step(msg, tc.remote, out)
	tc.last.Store(w.now)
	return res, dst, ok
}

// writeOwned writes b on the connection; the caller runs on its owner.
// A peer that does not read is closed once MaxTCPBuffered bytes wait.
func (tc *tcpConn) writeOwned(b []byte) bool {
	if tc.conn.OutboundBuffered()+len(b) > tc.h.tcp.maxBuf {
		tc.overflow()
		return false
	}
	_, err := tc.conn.Write(b)
	return err == nil
}

// enqueue hands b to the owner loop from another event loop. gnet allows no
// Write from outside the owner, so b is copied into pend and one Run is
// scheduled for all that collects before it runs.
func (tc *tcpConn) enqueue(b []byte) bool {
	tc.mu.Lock()
	if tc.closed {
		tc.mu.Unlock()
		tc.h.count(ReasonTCPNoConn)
		return false
	}
	if len(tc.pend)+len(b) > tc.h.tcp.maxBuf {
		tc.mu.Unlock()
		tc.overflow()
		return false
	}
	tc.pend = append(tc.pend, b...)
	schedule := !tc.queued
	tc.queued = true
	tc.mu.Unlock()
	if schedule {
		if err := tc.loop.Execute(context.Background(), tc); err != nil {
			tc.mu.Lock()
			tc.pend, tc.queued = tc.pend[:0], false
			tc.mu.Unlock()
			tc.h.count(ReasonSendFailed)
			return false
		}
	}
	return true
}

// overflow closes a connection whose peer does not read, counting it once.
func (tc *tcpConn) overflow() {
	if tc.closing.CompareAndSwap(false, true) {
		tc.h.count(ReasonTCPBufferFull)
		_ = tc.conn.Close()
	}
}

// maxIdlePend is the queue capacity a connection keeps between bursts;
// a larger one is let go so that idle connections hold little memory.
const maxIdlePend = 16 << 10

// Run writes what other event loops queued; gnet runs it on the owner.
func (tc *tcpConn) Run(context.Context) error {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if !tc.closed && len(tc.pend) > 0 {
		tc.writeOwned(tc.pend)
	}
	tc.pend = tc.pend[:0]
	if cap(tc.pend) > maxIdlePend {
		tc.pend = nil
	}
	tc.queued = false
	return nil
}

// markClosed stops writes once gnet has closed the connection.
func (tc *tcpConn) markClosed() {
	tc.mu.Lock()
	tc.closed = true
	tc.pend = nil
	tc.mu.Unlock()
}

// streamConn is the part of gnet.Conn that framing reads through.
type streamConn interface {
	Peek(n int) ([]byte, error)
	Discard(n int) (int, error)
	InboundBuffered() int
}

// frameSink receives what frameStream finds on a connection.
type frameSink interface {
	// keepAlive answers n double-CRLF pings (n >= 1).
	keepAlive(n int)
	// message handles one complete SIP message; msg is valid until it
	// returns. It returns false once the connection is closed.
	message(msg []byte) bool
}

// frameStream frames every complete message sc holds (RFC 3261 §18.3,
// Content-Length) and hands each to sink, with the keep-alives between them
// (RFC 5626 §3.5.1). It leaves an incomplete message buffered and returns
// the reason to close the connection, or ReasonNone: after a framing error
// the stream cannot be resynchronised.
func frameStream(sc streamConn, maxBuf int, sink frameSink) Reason {
	for {
		b, _ := sc.Peek(-1)
		if len(b) == 0 {
			return ReasonNone
		}
		skip, n, err := sip.StreamFrame(b)
		// Pings before a message that turns out broken are answered all
		// the same, as they would be had they come in a read of their own.
		pings, keep := keepAlives(b[:skip], skip == len(b))
		if pings > 0 {
			sink.keepAlive(pings)
		}
		switch {
		case errors.Is(err, sip.ErrMessageTooLarge):
			return ReasonTCPTooLarge
		case err != nil:
			return ReasonTCPBadFraming
		}
		if n == 0 {
			if spent := skip - keep; spent > 0 { // gnet's Discard(0) empties the buffer
				_, _ = sc.Discard(spent)
			}
			if sc.InboundBuffered() > maxBuf {
				return ReasonTCPBufferFull
			}
			return ReasonNone
		}
		if !sink.message(b[skip : skip+n]) {
			return ReasonNone
		}
		_, _ = sc.Discard(skip + n)
	}
}

// keepAlives counts the double-CRLF pings in run, the CR and LF bytes before
// a message. When run ends the buffered bytes, keep is the length of a
// trailing part of a ping to leave buffered until the rest arrives; the
// other bytes of run are spent.
func keepAlives(run []byte, atEnd bool) (pings, keep int) {
	end := 0
	for i := 0; i+4 <= len(run); {
		if string(run[i:i+4]) == "\r\n\r\n" {
			pings++
			i += 4
			end = i
			continue
		}
		i++
	}
	if !atEnd {
		return pings, 0
	}
	for k := 3; k >= 1; k-- {
		if len(run)-k >= end && string(run[len(run)-k:]) == "\r\n\r\n"[:k] {
			return pings, k
		}
	}
	return pings, 0
}
