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

// bootTCP learns the bound TCP addresses and duplicates the UDP sockets,
// so that an event loop serving TCP can forward over UDP from the port the
// peers expect: SIP from the SIP port, where the proxy's Via says
// responses come back, and H.248 from the H.248 port the MGC knows.
func (s *Server) bootTCP(eng gnet.Engine) error {
	if a := s.h.cfg.TCPListen; a.IsValid() {
		bound, fd, err := bootTCPListener(eng, a, s.h.cfg.Listen)
		if err != nil {
			return fmt.Errorf("proxy: SIP over TCP: %w", err)
		}
		s.tcpBound, s.udpFD = bound, fd
		s.h.setTCPPort(bound.Port())
	}
	if a := s.h248TCPListen; a.IsValid() {
		bound, fd, err := bootTCPListener(eng, a, s.h248Listen)
		if err != nil {
			return fmt.Errorf("proxy: H.248 over TCP: %w", err)
		}
		s.h248TCPBound, s.h248UDPFD = bound, fd
	}
	return nil
}

// bootTCPListener reads a TCP listener's address and duplicates the UDP
// socket bound to udp.
func bootTCPListener(eng gnet.Engine, tcp, udp netip.AddrPort) (netip.AddrPort, int, error) {
	bound, err := boundAddr(eng, "tcp", tcp)
	if err != nil {
		return bound, -1, err
	}
	fd, err := eng.DupListener("udp", udp.String())
	return bound, fd, err
}

// pickTCPPort is pickPort for a TCP listener.
func pickTCPPort(a netip.AddrPort) (netip.AddrPort, error) {
	if a.Port() != 0 {
		return a, nil
	}
	l, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(a))
	if err != nil {
		return a, err
	}
	defer l.Close()
	return netip.AddrPortFrom(a.Addr(), l.Addr().(*net.TCPAddr).AddrPort().Port()), nil
}

// H248TCPAddr returns the bound H.248 TCP address once Start has
// returned; the zero value when H.248 over TCP is disabled.
func (s *Server) H248TCPAddr() netip.AddrPort { return s.h248TCPBound }

// TCPAddr returns the bound TCP address once Start has returned; the zero
// value when TCP is disabled.
func (s *Server) TCPAddr() netip.AddrPort { return s.tcpBound }

// closeUDPDup releases the duplicated UDP sockets once the event loops
// have ended (gnet calls OnShutdown before they stop).
func (s *Server) closeUDPDup() {
	for _, fd := range []*int{&s.udpFD, &s.h248UDPFD} {
		if *fd >= 0 {
			_ = unix.Close(*fd)
			*fd = -1
		}
	}
}

// OnOpen admits a TCP connection up to MaxTCPConns and records it by its
// peer address.
func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok || s.h.tcp == nil {
		return nil, gnet.None
	}
	tc := &tcpConn{conn: c, loop: c.EventLoop(), remote: ta.AddrPort(), h: s.h, idx: -1,
		h248: s.isH248TCP(c)}
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

// isH248TCP reports whether c came in on the H.248 TCP listener: its
// local port is that listener's, and its address too when SIP over TCP
// listens on the same port.
func (s *Server) isH248TCP(c gnet.Conn) bool {
	b := s.h248TCPBound
	la, ok := c.LocalAddr().(*net.TCPAddr)
	if !b.IsValid() || !ok || la.Port != int(b.Port()) {
		return false
	}
	return s.tcpBound.Port() != b.Port() || la.AddrPort().Addr().Unmap() == b.Addr().Unmap()
}

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
	var r Reason
	if tc.h248 {
		r = frameTPKT(c, s.h.tcp.maxBuf, &bw.sink)
	} else {
		r = frameStream(c, s.h.tcp.maxBuf, &bw.sink)
	}
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
	if k.tc.h248 {
		return k.h248Message(msg)
	}
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

// h248Message runs one H.248 message from a gateway connected over TCP:
// an answer for it goes back in TPKT on its connection (or on another
// gateway's), the rest to the MGC over UDP.
func (k *tcpSink) h248Message(msg []byte) bool {
	buf := bytebufferpool.Get()
	res, dst, tc, send := k.s.stepH248(k.bw.w, buf, msg, k.tc.remote)
	k.tc.last.Store(k.bw.w.now)
	switch {
	case send && tc != nil:
		sendTCP(k.tc.conn, tc, res)
	case send:
		k.s.sendUDPFrom(k.s.h248UDPFD, k.s.h248Listen.Addr().Is4(), k.bw, res, dst)
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
	s.sendUDPFrom(s.udpFD, s.h.cfg.Listen.Addr().Is4(), bw, res, dst)
}

// sendUDPFrom sends a datagram from a duplicated UDP socket, of the IPv4
// family when v4.
func (s *Server) sendUDPFrom(fd int, v4 bool, bw *boundWorker, res []byte, dst netip.AddrPort) {
	if err := unix.Sendto(fd, res, 0, bw.sockaddr(dst, v4)); err != nil {
		s.h.count(ReasonSendFailed)
	}
}

// sockaddr fills the worker's reusable socket address with dst in the
// socket's family (IPv4 when v4).
func (bw *boundWorker) sockaddr(dst netip.AddrPort, v4 bool) unix.Sockaddr {
	if v4 {
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
