package softswitch

import (
	"net"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/mgcp"
)

// The call-agent role: the softswitch as an MGCP call agent (CA) on its own UDP
// socket (docs/PROTOCOL.md §12). Like the MGC it is a test role: one goroutine per
// datagram (bounded by MaxInFlight), a pooled mgcp.Message per goroutine.

// Ports and bounds of the CA role.
const (
	// DefaultMGCPPort is the CA's default UDP port. RFC 3435 §3.6 gives call agents
	// 2727, but sigproxy holds 2727 in front of the CA (its gateway-facing socket),
	// so the reference CA takes the next port.
	DefaultMGCPPort = 2728
	// DefaultMGCPGatewayPort is where MGCP gateways listen (RFC 3435 §3.6): sigproxy's
	// call-agent-facing socket, to which a CA behind it sends gateway commands.
	DefaultMGCPGatewayPort = 2427
	// CATransactionTTL is how long a response is kept for a retransmitted command:
	// RFC 3435 §3.5 asks for at least 30 s; 32 s as for SIP and H.248.
	CATransactionTTL = TransactionTTL
	// mgcpVersion ends every command line the CA writes.
	mgcpVersion = " MGCP 1.0"
)

// MGCP return codes the CA answers with (RFC 3435 §2.4).
const (
	mgcpOK          = 200 // the transaction was executed normally
	mgcpOverload    = 409 // processing overload: AC unavailable, a table full
	mgcpUnsupported = 504 // unknown or unsupported command
	mgcpProtocol    = 510 // protocol error: refused agreement, digest, bad values
)

// mgcpMsgPool holds mgcp.Messages (a few KiB each) for the handler goroutines.
var mgcpMsgPool = sync.Pool{New: func() any { return new(mgcp.Message) }}

// startCA binds the CA socket when the role is configured and starts its read loop.
func (s *Server) startCA() error {
	if s.mgcpConn == nil {
		if s.cfg.MGCPListen == "" {
			return nil
		}
		var err error
		if s.mgcpConn, err = listenUDP(s.cfg.MGCPListen); err != nil {
			return err
		}
	}
	s.log.Info("call agent listening", zap.Stringer("addr", s.mgcpConn.LocalAddr()))
	s.wg.Add(1)
	go s.readLoop(s.mgcpConn, mgcp.MaxMessageSize, s.handleMGCP)
	return nil
}

// MGCPAddr returns the CA's listening address (nil when the role is off or before
// Start).
func (s *Server) MGCPAddr() *net.UDPAddr {
	if s.mgcpConn == nil {
		return nil
	}
	return s.mgcpConn.LocalAddr().(*net.UDPAddr)
}

// caRequest is one command from a gateway and where it came from.
type caRequest struct {
	msg *mgcp.Message
	src *net.UDPAddr
	now time.Time
}

// handleMGCP answers every command of one datagram (piggy-backed ones included);
// responses answer the CA's own RQNTs and end here.
func (s *Server) handleMGCP(pkt []byte, src *net.UDPAddr) {
	m := mgcpMsgPool.Get().(*mgcp.Message)
	defer func() { m.Reset(); mgcpMsgPool.Put(m) }()
	var d mgcp.Datagram
	d.Reset(pkt)
	for d.Next(m) {
		if m.IsResponse() {
			s.caResponse(m, src)
			continue
		}
		s.caCommand(&caRequest{msg: m, src: src, now: s.now()})
	}
	if err := d.Err(); err != nil {
		s.stats.mgcpMalformed.Add(1)
		s.log.Debug("malformed mgcp datagram", zap.Stringer("src", src), zap.Error(err))
	}
}

// caResponse counts a gateway's response to a CA command; an error response to the
// success RQNT is how a gateway says the key or its MAC did not verify.
func (s *Server) caResponse(m *mgcp.Message, src *net.UDPAddr) {
	s.stats.mgcpResponses.Add(1)
	if m.Code() >= 400 {
		s.stats.mgcpGatewayErrors.Add(1)
		s.log.Info("gateway error response", zap.Stringer("src", src),
			zap.Int("code", m.Code()), zap.ByteString("text", m.Commentary()))
	}
}

// caCommand answers one command, or repeats the answer to a retransmission (RFC 3435
// §3.5: a repeated transaction id from the same address gets the same response).
func (s *Server) caCommand(r *caRequest) {
	key := r.src.String() + "|" + strconv.FormatUint(uint64(r.msg.TransactionID()), 10)
	t, seen := s.claimTxn(s.caTxns, key, r.now)
	if seen {
		s.stats.mgcpRetransmissions.Add(1)
		if t.resp != nil {
			s.writeCA(t.resp, t.dest)
		}
		return
	}
	out, proxied, after := s.caDispatch(r)
	dest := r.src
	if proxied && s.gateways != nil {
		dest = s.gateways
	}
	s.mu.Lock()
	s.caTxns.put(key, &txn{resp: out, dest: dest}, r.now)
	s.mu.Unlock()
	s.writeCA(out, dest)
	if after != nil {
		after()
	}
}

// caDispatch answers RSIP and NTFY; other commands get 504. proxied reports a
// registration that came through sigproxy (X-SKDPX).
func (s *Server) caDispatch(r *caRequest) (out []byte, proxied bool, after func()) {
	switch r.msg.Verb() {
	case mgcp.VerbRSIP:
		s.stats.mgcpRequests.Add(1)
		return s.rsip(r)
	case mgcp.VerbNTFY:
		s.stats.mgcpRequests.Add(1)
		return s.ntfy(r)
	}
	return s.caError(r, mgcpUnsupported, "only RSIP and NTFY are implemented"), false, nil
}

// writeCA sends b on the CA socket.
func (s *Server) writeCA(b []byte, dest *net.UDPAddr) { s.writeTo(s.mgcpConn, b, dest) }

// caError builds an error response and counts it by code.
func (s *Server) caError(r *caRequest, code int, text string) []byte {
	countByCode(code, mgcpProtocol, mgcpOverload,
		&s.stats.mgcpRefused, &s.stats.mgcpUnavailable, &s.stats.mgcpErrors)
	s.log.Info("mgcp error response", zap.Stringer("src", r.src), zap.Int("code", code),
		zap.String("reason", text))
	out, err := r.msg.AppendReply(nil, code, []byte(text))
	if err != nil { // the CA's own texts are valid commentary
		out, _ = r.msg.AppendReply(nil, code, nil)
	}
	return out
}

// caOK builds a 200 response with no parameters.
func caOK(r *caRequest) []byte {
	out, _ := r.msg.AppendReply(nil, mgcpOK, []byte("OK")) // a parsed command: cannot fail
	return out
}
