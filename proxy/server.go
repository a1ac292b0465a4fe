package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/bytebufferpool"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// sweepInterval is how often expired registrations and sessions are removed.
const sweepInterval = time.Second

// Server runs a Handler on gnet UDP event loops.
type Server struct {
	gnet.BuiltinEventEngine
	h       *Handler
	workers sync.Pool
	eng     gnet.Engine
	booted  chan struct{}
	bootErr error
	done    chan error

	// h248Listen is the H.248 address given to the engine (port 0 replaced)
	// and h248Bound the socket's address; both zero without H.248.
	// h248Port tells datagrams on the H.248 socket from SIP ones.
	h248Listen, h248Bound netip.AddrPort
	h248Port              int
	h248IP                net.IP

	// tcpBound is the bound TCP address (zero without TCP); udpFD a
	// duplicate of the SIP UDP socket that TCP event loops send from.
	tcpBound netip.AddrPort
	udpFD    int
	idle     []*tcpConn // the idle sweep's scratch; ticker goroutine only

	// h248TCPListen and h248TCPBound are H.248's TCP addresses (zero
	// without); h248UDPFD duplicates the H.248 UDP socket for the MGC.
	h248TCPListen, h248TCPBound netip.AddrPort
	h248UDPFD                   int

	// mgcp is MGCP's two sockets (zero without MGCP).
	mgcp mgcpSockets
}

// NewServer returns a Server for h; Start binds and runs it.
func NewServer(h *Handler) *Server {
	s := &Server{h: h, booted: make(chan struct{}), done: make(chan error, 1),
		udpFD: -1, h248UDPFD: -1}
	s.workers.New = func() any { return newBoundWorker(h) }
	return s
}

// boundWorker pairs a Worker with the reusable destination address gnet's
// SendTo takes, so sending allocates nothing in our code.
type boundWorker struct {
	w    *Worker
	addr net.UDPAddr
	ip   [16]byte
	sa4  unix.SockaddrInet4
	sa6  unix.SockaddrInet6
	sink tcpSink
}

func newBoundWorker(h *Handler) *boundWorker { return &boundWorker{w: h.NewWorker()} }

// Start binds the listen addresses (SIP, and H.248 when configured) on one
// gnet engine and runs the event loops in the background. It returns once
// the sockets are bound and the advertised addresses are known.
func (s *Server) Start(ctx context.Context) error {
	cfg := s.h.cfg
	addrs := []string{"udp://" + cfg.Listen.String()}
	if cfg.H248Listen.IsValid() {
		h248, err := pickPort(cfg.H248Listen)
		if err != nil {
			return fmt.Errorf("proxy: listen %s: %w", cfg.H248Listen, err)
		}
		s.h248Listen, s.h248IP = h248, net.IP(h248.Addr().AsSlice())
		addrs = append(addrs, "udp://"+h248.String())
	}
	addrs, err := s.listenMGCP(addrs)
	if err != nil {
		return err
	}
	if cfg.TCPListen.IsValid() {
		addrs = append(addrs, "tcp://"+cfg.TCPListen.String())
	}
	if cfg.H248TCPListen.IsValid() {
		a, err := pickTCPPort(cfg.H248TCPListen)
		if err != nil {
			return fmt.Errorf("proxy: listen %s: %w", cfg.H248TCPListen, err)
		}
		s.h248TCPListen = a
		addrs = append(addrs, "tcp://"+a.String())
	}
	go func() {
		err := gnet.Rotate(s, addrs,
			gnet.WithMulticore(cfg.EventLoops > 1),
			gnet.WithNumEventLoop(cfg.EventLoops),
			gnet.WithReusePort(cfg.EventLoops > 1),
			gnet.WithTicker(true),
			gnet.WithSocketRecvBuffer(cfg.SocketBuffer),
			gnet.WithSocketSendBuffer(cfg.SocketBuffer),
			gnet.WithLockOSThread(cfg.EventLoops > 1),
			gnet.WithLogger(gnetLogger{cfg.Logger.Sugar()}))
		s.closeUDPDup()
		s.closeMGCP()
		s.done <- err
	}()
	select {
	case <-s.booted:
		return s.bootErr
	case err := <-s.done:
		if err == nil {
			err = errors.New("proxy: event loop ended before boot")
		}
		return fmt.Errorf("proxy: listen %s: %w", strings.Join(addrs, ", "), err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pickPort returns a with a free port in place of port 0. The engine finds
// its listeners by address text, so the H.248 address must not read the same
// as an ephemeral SIP address.
//
// Limitation: the port is found by binding and closing a socket, so another
// process could take it before the engine binds it; Start then fails. Only
// port 0 (tests) takes this path.
func pickPort(a netip.AddrPort) (netip.AddrPort, error) {
	if a.Port() != 0 {
		return a, nil
	}
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(a))
	if err != nil {
		return a, err
	}
	defer c.Close()
	return netip.AddrPortFrom(a.Addr(), c.LocalAddr().(*net.UDPAddr).AddrPort().Port()), nil
}

// H248Addr returns the bound H.248 address once Start has returned; the zero
// value when H.248 is disabled.
func (s *Server) H248Addr() netip.AddrPort { return s.h248Bound }

// Stop shuts the event loops down and waits for them.
func (s *Server) Stop(ctx context.Context) error {
	if err := s.eng.Stop(ctx); err != nil {
		return err
	}
	select {
	case err := <-s.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Handler returns the server's handler.
func (s *Server) Handler() *Handler { return s.h }

// OnBoot learns the bound addresses (the configured ports may be 0).
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	defer close(s.booted)
	sip, err := boundAddr(eng, "udp", s.h.cfg.Listen)
	if adv := s.h.cfg.Advertise; adv.IsValid() {
		s.h.SetAddr(adv)
	} else if err == nil {
		s.h.SetAddr(sip)
	}
	if err := s.bootTCP(eng); err != nil {
		s.bootErr = err
		return gnet.Shutdown
	}
	if err := s.bootMGCP(eng); err != nil {
		s.bootErr = err
		return gnet.Shutdown
	}
	if !s.h248Listen.IsValid() {
		return gnet.None
	}
	if s.h248Bound, err = boundAddr(eng, "udp", s.h248Listen); err != nil {
		s.bootErr = fmt.Errorf("proxy: H.248 socket: %w", err)
		return gnet.Shutdown
	}
	s.h248Port = int(s.h248Bound.Port())
	s.h.setH248Addr(s.h248Bound)
	return gnet.None
}

// boundAddr reads the listening socket's address.
func boundAddr(eng gnet.Engine, network string, listen netip.AddrPort) (netip.AddrPort, error) {
	fd, err := eng.DupListener(network, listen.String())
	if err != nil {
		return netip.AddrPort{}, err
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.AddrPort{}, err
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)), nil
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port)), nil
	}
	return netip.AddrPort{}, errors.New("proxy: unexpected socket family")
}

// OnTraffic handles one datagram: the per-message step of its protocol,
// then one SendTo on the socket it came in on, so that SIP leaves from the
// SIP port (the Via port stays right) and H.248 from the H.248 port. With a
// handling observer set (Handler.SetHandlingObserver) it reports the time
// the handling took.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	obs := s.h.observer.Load()
	if obs == nil {
		return s.traffic(c)
	}
	start := time.Now()
	a := s.traffic(c)
	obs.o.Observe(time.Since(start).Seconds())
	return a
}

// traffic is OnTraffic's work: the datagram or stream bytes of c, stepped
// by the protocol its socket carries.
func (s *Server) traffic(c gnet.Conn) gnet.Action {
	if _, ok := c.LocalAddr().(*net.TCPAddr); ok {
		if tc, ok := c.Context().(*tcpConn); ok {
			return s.tcpTraffic(c, tc)
		}
		return gnet.Close
	}
	pkt, _ := c.Next(-1)
	ua, ok := c.RemoteAddr().(*net.UDPAddr)
	if !ok {
		return gnet.None
	}
	if side := s.mgcpSide(c); side != 0 {
		s.mgcpTraffic(pkt, ua.AddrPort(), side)
		return gnet.None
	}
	bw := s.workers.Get().(*boundWorker)
	buf := bytebufferpool.Get()
	var res []byte
	var dst netip.AddrPort
	var send bool
	var tc *tcpConn // a message for a peer connected over TCP
	if s.isH248(c) {
		res, dst, tc, send = s.stepH248(bw.w, buf, pkt, ua.AddrPort())
	} else {
		res, dst, send = bw.w.Step(pkt, ua.AddrPort(), buf.B)
		tc = bw.w.outConn
		if send {
			buf.B = res
		}
	}
	switch {
	case send && tc != nil:
		sendTCP(c, tc, res)
	case send:
		if _, err := c.SendTo(res, bw.udpAddr(dst)); err != nil {
			s.h.count(ReasonSendFailed)
		}
	}
	bytebufferpool.Put(buf)
	s.workers.Put(bw)
	s.h.ctr.handled.Add(1)
	return gnet.None
}

// isH248 reports whether c is the H.248 socket. gnet gives every datagram of
// a listener that listener's configured address (a shared *net.UDPAddr), so
// comparing its port, which pickPort made non-zero and distinct from an
// ephemeral SIP port, needs no allocation; the address is compared too when
// SIP and H.248 share a port on different addresses.
func (s *Server) isH248(c gnet.Conn) bool {
	if s.h248Port == 0 {
		return false
	}
	la, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok || la.Port != s.h248Port {
		return false
	}
	return int(s.h.cfg.Listen.Port()) != s.h248Port ||
		la.IP.Equal(s.h248IP)
}

// udpAddr fills the reusable address with dst.
func (bw *boundWorker) udpAddr(dst netip.AddrPort) *net.UDPAddr {
	a := dst.Addr()
	if a.Is4() {
		v4 := a.As4()
		bw.addr.IP = append(bw.ip[:0], v4[:]...)
	} else {
		v6 := a.As16()
		bw.addr.IP = append(bw.ip[:0], v6[:]...)
	}
	bw.addr.Port = int(dst.Port())
	bw.addr.Zone = ""
	return &bw.addr
}

// OnTick sweeps expired state.
func (s *Server) OnTick() (time.Duration, gnet.Action) {
	now := time.Now()
	s.h.Sweep(now)
	s.sweepTCP(now.UnixNano())
	return sweepInterval, gnet.None
}

// gnetLogger routes gnet's own log lines to zap.
type gnetLogger struct{ l *zap.SugaredLogger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debugf(f, a...) }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Infof(f, a...) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warnf(f, a...) }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Errorf(f, a...) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Fatalf(f, a...) }
