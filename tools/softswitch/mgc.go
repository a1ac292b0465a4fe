package softswitch

import (
	"net"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/h248"
)

// The MGC role: the softswitch as an H.248 media gateway controller on its own UDP
// socket (docs/PROTOCOL.md §11). Like the registrar it is a test role: one goroutine
// per datagram (bounded by MaxInFlight), a pooled h248.Message per goroutine.

// Bounds of the MGC role.
const (
	// DefaultH248Port is the MGC's customary UDP port for the text encoding
	// (RFC 3525 §D.1: 2944 text, 2945 binary; sigproxy holds 2944 in front of it).
	DefaultH248Port = 2945
	// MGCTransactionTTL is how long a reply is kept for a retransmitted transaction:
	// RFC 3525 §D.1.4 LONG-TIMER, at least the MG's retransmission span; 32 s as for SIP.
	MGCTransactionTTL = TransactionTTL
	// GatewayTTL is how long a registered MG is remembered without a new ServiceChange:
	// H.248 has no expiry field, so the profile's session-key lifetime (§11.7).
	GatewayTTL = time.Hour
	// authRequestID is the RequestID of the skd/auth event the challenge asks for
	// (RFC 3525 B.2 eventsDescriptor); one per challenge message, so a constant does.
	authRequestID = 1
)

// H.248 error codes the MGC answers with (ITU-T H.248.8).
const (
	errCodeSyntax       = 400 // Syntax error in message
	errCodeUnauthorized = 402 // Unauthorized
	errCodeInternal     = 500 // Internal software failure in the MGC
	errCodeNotImpl      = 501 // Not implemented
	errCodeUnavailable  = 503 // Service unavailable
)

// mgBinding is one registered media gateway.
type mgBinding struct {
	identity string
	addr     *net.UDPAddr
	mode     modeKind
}

// msgPool holds h248.Messages (about 32 KiB each) for the handler goroutines.
var msgPool = sync.Pool{New: func() any { return new(h248.Message) }}

// startMGC binds the MGC socket when the role is configured and starts its read loop.
func (s *Server) startMGC() error {
	if s.h248conn == nil {
		if s.cfg.H248Listen == "" {
			return nil
		}
		var err error
		if s.h248conn, err = listenUDP(s.cfg.H248Listen); err != nil {
			return err
		}
	}
	la := s.h248conn.LocalAddr().(*net.UDPAddr)
	s.mid = "[" + la.IP.String() + "]:" + strconv.Itoa(la.Port)
	s.log.Info("mgc listening", zap.Stringer("addr", la))
	s.wg.Add(1)
	go s.readLoop(s.h248conn, h248.MaxMessageSize, s.handleH248)
	return nil
}

// listenUDP binds a UDP socket on addr, for the roles' own sockets.
func listenUDP(addr string) (*net.UDPConn, error) {
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	return net.ListenUDP("udp", a)
}

// H248Addr returns the MGC's listening address (nil when the role is off or before
// Start).
func (s *Server) H248Addr() *net.UDPAddr {
	if s.h248conn == nil {
		return nil
	}
	return s.h248conn.LocalAddr().(*net.UDPAddr)
}

// handleH248 answers every Transaction of one message; Replies, Pendings and
// TransactionResponseAcks answer the MGC's own Modify transactions and end here.
func (s *Server) handleH248(pkt []byte, src *net.UDPAddr) {
	m := msgPool.Get().(*h248.Message)
	defer func() { m.Reset(); msgPool.Put(m) }()
	if err := m.Parse(pkt); err != nil {
		s.stats.h248Malformed.Add(1)
		s.log.Debug("malformed h248 datagram", zap.Stringer("src", src), zap.Error(err))
		return
	}
	w := m.Walker()
	for tx, err := w.Transaction(); err == nil; tx, err = w.Transaction() {
		if tx.Token() != h248.TokTransaction {
			s.stats.h248Replies.Add(1)
			continue
		}
		s.mgcTransaction(&mgcRequest{msg: m, tx: tx, id: tx.ID(), src: src, now: s.now()})
	}
}

// mgcRequest is one Transaction from an MG and where it came from.
type mgcRequest struct {
	msg *h248.Message
	tx  h248.Node
	id  uint32
	src *net.UDPAddr
	now time.Time
}

// mgcTransaction answers one Transaction, or repeats the answer to a retransmission
// (RFC 3525 §D.1.4: a repeated TransactionID gets the same reply).
func (s *Server) mgcTransaction(r *mgcRequest) {
	key := r.src.String() + "|" + strconv.FormatUint(uint64(r.id), 10)
	t, seen := s.claimTxn(s.mgcTxns, key, r.now)
	if seen {
		s.stats.h248Retransmissions.Add(1)
		if t.resp != nil {
			s.writeMGC(t.resp, r.src)
		}
		return
	}
	out, after := s.mgcDispatch(r)
	s.mu.Lock()
	s.mgcTxns.put(key, &txn{resp: out, dest: r.src}, r.now)
	s.mu.Unlock()
	s.writeMGC(out, r.src)
	if after != nil {
		after()
	}
}

// mgcDispatch answers the first command of the transaction's first context: a
// ServiceChange or a Notify on ROOT. Others get Error 501.
//
// Limitation: only the first command of a transaction is looked at; the test role
// needs no more, and a gateway registering sends one command per transaction.
func (s *Server) mgcDispatch(r *mgcRequest) ([]byte, func()) {
	cmd := firstCommand(r.tx)
	switch {
	case cmd.Kind() == h248.KindCommand && cmd.Token() == h248.TokServiceChange:
		s.stats.h248Requests.Add(1)
		return s.serviceChange(r, cmd), nil
	case cmd.Kind() == h248.KindCommand && cmd.Token() == h248.TokNotify:
		s.stats.h248Requests.Add(1)
		return s.notify(r, cmd)
	}
	return s.mgcError(r, errCodeNotImpl, "only ServiceChange and Notify are implemented"), nil
}

// firstCommand returns the first command of the transaction's contexts, the zero
// Node when it has none.
func firstCommand(tx h248.Node) h248.Node {
	for ctx := tx.FirstChild(); ctx.Valid(); ctx = ctx.Next() {
		if ctx.Kind() != h248.KindContext {
			continue
		}
		for c := ctx.FirstChild(); c.Valid(); c = c.Next() {
			if c.Kind() == h248.KindCommand {
				return c
			}
		}
	}
	return h248.Node{}
}

// writeMGC sends b on the MGC socket.
func (s *Server) writeMGC(b []byte, dest *net.UDPAddr) { s.writeTo(s.h248conn, b, dest) }

// mgcError builds an error reply and counts it by code.
func (s *Server) mgcError(r *mgcRequest, code int, text string) []byte {
	countByCode(code, errCodeUnauthorized, errCodeUnavailable,
		&s.stats.h248Refused, &s.stats.h248Unavailable, &s.stats.h248Errors)
	s.log.Info("h248 error reply", zap.Stringer("src", r.src), zap.Int("code", code),
		zap.String("reason", text))
	return s.mgcMessage(nil, appendErrorReply(nil, r.id, code, text))
}

// rememberGateway records a registered gateway in table (H.248's or MGCP's),
// refusing a new one when the table is full.
func (s *Server) rememberGateway(table *fifoMap[*mgBinding], b *mgBinding,
	now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := table.get(b.identity, now); !ok {
		table.sweep(now)
		if table.len() >= s.cfg.MaxBindings {
			return false
		}
	}
	table.put(b.identity, b, now)
	return true
}

// forgetGateway removes a gateway that went out of service.
func (s *Server) forgetGateway(table *fifoMap[*mgBinding], identity string) {
	s.mu.Lock()
	table.delete(identity)
	s.mu.Unlock()
}
