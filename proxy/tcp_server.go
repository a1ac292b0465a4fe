package proxy

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"
)

// bootTCP learns the bound TCP address and duplicates the SIP UDP socket,
// so that an event loop serving TCP can forward to the softswitch over UDP
// from the SIP port, where the proxy's Via says responses come back.
func (s *Server) bootTCP(eng gnet.Engine) error {
	if !s.h.cfg.TCPListen.IsValid() {
		return nil
	}
	bound, err := boundAddr(eng, "tcp", s.h.cfg.TCPListen)
	if err != nil {
		return fmt.Errorf("proxy: TCP socket: %w", err)
	}
	fd, err := eng.DupListener("udp", s.h.cfg.Listen.String())
	if err != nil {
		return fmt.Errorf("proxy: SIP socket for TCP: %w", err)
	}
	s.tcpBound, s.udpFD = bound, fd
	return nil
}

// TCPAddr returns the bound TCP address once Start has returned; the zero
// value when TCP is disabled.
func (s *Server) TCPAddr() netip.AddrPort { return s.tcpBound }

// closeUDPDup releases the duplicated UDP socket once the event loops have
// ended (gnet calls OnShutdown before they stop).
func (s *Server) closeUDPDup() {
	if s.udpFD >= 0 {
		_ = unix.Close(s.udpFD)
		s.udpFD = -1
	}
}

// OnOpen admits a TCP connection up to MaxTCPConns and records it by its
// peer address.
func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok || s.h.tcp == nil {
		return nil, gnet.None
	}
	tc := &tcpConn{conn: c, loop: c.EventLoop(), remote: ta.AddrPort(), h: s.h, idx: -1}
	tc.last.Store(time.Now().UnixNano())
	if err := s.h.tcp.add(tc); err != nil {
		s.h.count(ReasonTCPConnLimit)
		return nil, gnet.Close
	}
	// The engine's socket buffers are sized for the UDP sockets' bursts;
	// a connection gets a fraction, so that the kernel's share per peer is
	// bounded too.
	_ = c.SetReadBuffer(tcpSocketBuffer)
	_ = c.SetWriteBuffer(tcpSocketBuffer)
	c.SetContext(tc)
	return nil, gnet.None
}

// tcpSocketBuffer is the kernel buffer asked for each TCP connection: two
// messages of the largest size.
const tcpSocketBuffer = 128 << 10

// OnClose forgets a TCP connection; responses for it are dropped from now.
func (s *Server) OnClose(c gnet.Conn, _ error) gnet.Action {
	if tc, ok := c.Context().(*tcpConn); ok {
		tc.markClosed()
		s.h.tcp.remove(tc)
	}
	return gnet.None
}

// tcpTraffic frames what a TCP connection holds and steps each message.
func (s *Server) tcpTraffic(c gnet.Conn, tc *tcpConn) gnet.Action {
	bw := s.workers.Get().(*boundWorker)
	bw.sink = tcpSink{s: s, bw: bw, tc: tc}
	r := frameStream(c, s.h.tcp.maxBuf, &bw.sink)
	bw.sink = tcpSink{}
	s.workers.Put(bw)
	if r != ReasonNone {
		s.h.count(r)
		return gnet.Close
	}
	return gnet.None
}

// tcpSink steps the messages frameStream finds on one connection.
type tcpSink struct {
	s  *Server
	bw *boundWorker
	tc *tcpConn
}

// maxPongs bounds the pongs written for one read: a client waits for a
// pong before it pings again (RFC 5626 §4.4.1), so more in one read is
// either a burst after a stall or a flood, and one answer each suffices.
const maxPongs = 8

var pongs = []byte("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n")

// keepAlive answers pings with one CRLF each (RFC 5626 §3.5.1).
func (k *tcpSink) keepAlive(n int) {
	k.tc.last.Store(time.Now().UnixNano())
	k.tc.writeOwned(pongs[:2*min(n, maxPongs)])
}

// message runs one framed message through the worker and sends the result.
func (k *tcpSink) message(msg []byte) bool {
	buf := bytebufferpool.Get()
	w := k.bw.w
	res, dst, send := w.stepStream(msg, k.tc, buf.B)
	if send {
		buf.B = res
		if tc := w.outConn; tc != nil {
			sendTCP(k.tc.conn, tc, res)
		} else {
			k.s.sendUDP(k.bw, res, dst)
		}
	}
	bytebufferpool.Put(buf)
	k.s.h.ctr.handled.Add(1)
	return !k.tc.closed
}

// sendTCP writes res on tc from the event loop that runs cur: directly when
// that loop owns tc, else through tc's queue (gnet's cross-loop task costs
// an allocation of gnet's own).
func sendTCP(cur gnet.Conn, tc *tcpConn, res []byte) {
	if cur.EventLoop() == tc.loop {
		tc.writeOwned(res)
		return
	}
	tc.enqueue(res)
}

// sendUDP sends a datagram from the SIP UDP socket while serving TCP.
func (s *Server) sendUDP(bw *boundWorker, res []byte, dst netip.AddrPort) {
	if err := unix.Sendto(s.udpFD, res, 0, bw.sockaddr(dst)); err != nil {
		s.h.count(ReasonSendFailed)
	}
}

// sockaddr fills the worker's reusable socket address with dst in the
// family of the SIP socket.
func (bw *boundWorker) sockaddr(dst netip.AddrPort) unix.Sockaddr {
	if bw.w.h.cfg.Listen.Addr().Is4() {
		bw.sa4.Addr, bw.sa4.Port = dst.Addr().Unmap().As4(), int(dst.Port())
		return &bw.sa4
	}
	bw.sa6.Addr, bw.sa6.Port = dst.Addr().As16(), int(dst.Port())
	return &bw.sa6
}

// sweepTCP closes connections idle past TCPIdleTimeout, looking at a
// bounded number per tick. It runs on gnet's ticker goroutine, so it only
// asks gnet to close (Close is safe from any goroutine).
func (s *Server) sweepTCP(now int64) {
	if s.h.tcp == nil {
		return
	}
	s.idle = s.h.tcp.idleConns(s.idle[:0], now)
	for i, tc := range s.idle {
		s.h.count(ReasonTCPIdle)
		_ = tc.conn.Close()
		s.idle[i] = nil
	}
}
