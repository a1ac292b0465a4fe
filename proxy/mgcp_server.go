package proxy

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/panjf2000/gnet/v2"
	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"
)

// mgcpSocket is one of the two MGCP sockets of the engine: its address
// given to the engine (port 0 replaced), its bound address, and a duplicate
// of it that datagrams for its peers leave from, whichever socket the
// datagram that caused them came in on.
type mgcpSocket struct {
	listen, bound netip.AddrPort
	ip            net.IP
	fd            int
	duped         bool
}

// mgcpSockets are the gateway-side and the call-agent-side sockets.
type mgcpSockets struct {
	gw, ca mgcpSocket
}

// MGCPGatewayAddr returns the bound address of the socket gateways send
// MGCP to, once Start has returned; the zero value when MGCP is disabled.
func (s *Server) MGCPGatewayAddr() netip.AddrPort { return s.mgcp.gw.bound }

// MGCPCallAgentAddr returns the bound address of the socket the call agent
// sends MGCP to, once Start has returned; the zero value when MGCP is
// disabled.
func (s *Server) MGCPCallAgentAddr() netip.AddrPort { return s.mgcp.ca.bound }

// listenMGCP adds the two MGCP addresses to the engine's, ports picked.
func (s *Server) listenMGCP(addrs []string) ([]string, error) {
	cfg := &s.h.cfg
	if !cfg.MGCPGatewayListen.IsValid() {
		return addrs, nil
	}
	for _, c := range [...]struct {
		sock *mgcpSocket
		a    netip.AddrPort
	}{{&s.mgcp.gw, cfg.MGCPGatewayListen}, {&s.mgcp.ca, cfg.MGCPCallAgentListen}} {
		a, err := pickPort(c.a)
		if err != nil {
			return addrs, fmt.Errorf("proxy: listen %s: %w", c.a, err)
		}
		c.sock.listen, c.sock.ip = a, net.IP(a.Addr().AsSlice())
		addrs = append(addrs, "udp://"+a.String())
	}
	return addrs, nil
}

// bootMGCP learns the MGCP sockets' addresses and duplicates them.
func (s *Server) bootMGCP(eng gnet.Engine) error {
	for _, sock := range [...]*mgcpSocket{&s.mgcp.gw, &s.mgcp.ca} {
		if !sock.listen.IsValid() {
			return nil
		}
		bound, err := boundAddr(eng, "udp", sock.listen)
		if err != nil {
			return fmt.Errorf("proxy: MGCP socket: %w", err)
		}
		fd, err := eng.DupListener("udp", sock.listen.String())
		if err != nil {
			return fmt.Errorf("proxy: MGCP socket: %w", err)
		}
		sock.bound, sock.fd, sock.duped = bound, fd, true
	}
	return nil
}

// closeMGCP releases the duplicated MGCP sockets once the event loops have
// ended.
func (s *Server) closeMGCP() {
	for _, sock := range [...]*mgcpSocket{&s.mgcp.gw, &s.mgcp.ca} {
		if sock.duped {
			_ = unix.Close(sock.fd)
			sock.duped = false
		}
	}
}

// mgcpSide tells which MGCP socket c is, 0 for neither. Like isH248 it
// compares the listener's configured address gnet hands every datagram,
// without allocating.
func (s *Server) mgcpSide(c gnet.Conn) MGCPSide {
	if !s.mgcp.gw.duped {
		return 0
	}
	la, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return 0
	}
	switch {
	case s.mgcp.gw.is(la):
		return MGCPFromGateway
	case s.mgcp.ca.is(la):
		return MGCPFromCallAgent
	}
	return 0
}

func (sock *mgcpSocket) is(la *net.UDPAddr) bool {
	return la.Port == int(sock.listen.Port()) && la.IP.Equal(sock.ip)
}

// mgcpTraffic runs one MGCP datagram through StepMGCP and sends the result
// from the socket its destination knows: the call-agent side for the call
// agent (so that it answers there), the gateway side for gateways.
func (s *Server) mgcpTraffic(pkt []byte, src netip.AddrPort, side MGCPSide) {
	bw := s.workers.Get().(*boundWorker)
	buf := bytebufferpool.Get()
	res, dst, send := bw.w.StepMGCP(pkt, src, side, buf.B)
	if send {
		buf.B = res
		sock := &s.mgcp.gw
		if sameAddrPort(dst, s.h.cfg.MGCPCallAgent) {
			sock = &s.mgcp.ca
		}
		s.sendUDPFrom(sock.fd, sock.listen.Addr().Is4(), bw, res, dst)
	}
	bytebufferpool.Put(buf)
	s.workers.Put(bw)
	s.h.ctr.handled.Add(1)
}
