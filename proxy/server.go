package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
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
	done    chan error
}

// NewServer returns a Server for h; Start binds and runs it.
func NewServer(h *Handler) *Server {
	s := &Server{h: h, booted: make(chan struct{}), done: make(chan error, 1)}
	s.workers.New = func() any { return newBoundWorker(h) }
	return s
}

// boundWorker pairs a Worker with the reusable destination address gnet's
// SendTo takes, so sending allocates nothing in our code.
type boundWorker struct {
	w    *Worker
	addr net.UDPAddr
	ip   [16]byte
}

func newBoundWorker(h *Handler) *boundWorker { return &boundWorker{w: h.NewWorker()} }

// Start binds the listen address and runs the event loops in the background.
// It returns once the socket is bound and the advertised address is known.
func (s *Server) Start(ctx context.Context) error {
	cfg := s.h.cfg
	addr := "udp://" + cfg.Listen.String()
	go func() {
		s.done <- gnet.Run(s, addr,
			gnet.WithMulticore(cfg.EventLoops > 1),
			gnet.WithNumEventLoop(cfg.EventLoops),
			gnet.WithReusePort(cfg.EventLoops > 1),
			gnet.WithTicker(true),
			gnet.WithSocketRecvBuffer(cfg.SocketBuffer),
			gnet.WithSocketSendBuffer(cfg.SocketBuffer),
			gnet.WithLockOSThread(cfg.EventLoops > 1),
			gnet.WithLogger(gnetLogger{cfg.Logger.Sugar()}))
	}()
	select {
	case <-s.booted:
		return nil
	case err := <-s.done:
		if err == nil {
			err = errors.New("proxy: event loop ended before boot")
		}
		return fmt.Errorf("proxy: listen %s: %w", cfg.Listen, err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

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

// OnBoot learns the bound address (the configured port may be 0).
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	if adv := s.h.cfg.Advertise; adv.IsValid() {
		s.h.SetAddr(adv)
	} else if a, err := boundAddr(eng); err == nil {
		s.h.SetAddr(a)
	}
	close(s.booted)
	return gnet.None
}

// boundAddr reads the listening socket's address.
func boundAddr(eng gnet.Engine) (netip.AddrPort, error) {
	fd, err := eng.Dup()
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

// OnTraffic handles one datagram: the per-message step, then one SendTo on
// the listening socket so that the Via port stays right.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	pkt, _ := c.Next(-1)
	ua, ok := c.RemoteAddr().(*net.UDPAddr)
	if !ok {
		return gnet.None
	}
	bw := s.workers.Get().(*boundWorker)
	buf := bytebufferpool.Get()
	res, dst, send := bw.w.Step(pkt, ua.AddrPort(), buf.B)
	if send {
		buf.B = res
		if _, err := c.SendTo(res, bw.udpAddr(dst)); err != nil {
			s.h.count(ReasonSendFailed)
		}
	}
	bytebufferpool.Put(buf)
	s.workers.Put(bw)
	s.h.ctr.handled.Add(1)
	return gnet.None
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
	s.h.Sweep(time.Now())
	return sweepInterval, gnet.None
}

// gnetLogger routes gnet's own log lines to zap.
type gnetLogger struct{ l *zap.SugaredLogger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debugf(f, a...) }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Infof(f, a...) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warnf(f, a...) }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Errorf(f, a...) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Fatalf(f, a...) }
