package softswitch

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// sweepEvery is how often the read loop drops expired state; once a second keeps the
// tables near their live size without a timer goroutine.
const sweepEvery = time.Second

// Server is a running registrar. Its methods are safe for concurrent use.
type Server struct {
	cfg  settings
	log  *zap.Logger
	conn *net.UDPConn
	now  func() time.Time // the clock; tests move it

	mu        sync.Mutex // guards the three tables and lastSweep
	pending   *fifoMap[*vector]
	txns      *fifoMap[*txn]
	bindings  *bindingTable
	lastSweep time.Time

	// The MGC role (mgc.go); the tables are guarded by mu as well.
	h248conn   *net.UDPConn
	mid        string // the MGC's mId, [address]:port
	mgcPending *fifoMap[*vector]
	mgcTxns    *fifoMap[*txn]
	mgs        *fifoMap[*mgBinding]
	nextTxn    atomic.Uint32 // the MGC's own TransactionIDs

	// The CA role (ca.go); the tables are guarded by mu as well.
	mgcpConn  *net.UDPConn
	gateways  *net.UDPAddr // Config.MGCPGateways resolved, nil for the source address
	caPending *fifoMap[*vector]
	caTxns    *fifoMap[*txn]
	cas       *fifoMap[*mgBinding]
	caNextTxn atomic.Uint32 // the CA's own transaction ids

	slots   chan struct{} // one token per request being handled
	wg      sync.WaitGroup
	started atomic.Bool
	closed  atomic.Bool
	stats   counters
}

// txn is a server transaction (RFC 3261 §17.2.2): while its request is being handled
// resp is nil and retransmissions are dropped; afterwards they get resp again.
type txn struct {
	resp []byte
	dest *net.UDPAddr
}

// request is one parsed request and what the handler derived from it. The byte views
// point into msg's buffer, which the handler owns.
type request struct {
	msg    *sip.Message
	src    *net.UDPAddr
	now    time.Time
	via    sip.Via
	from   []byte
	to     []byte
	callID []byte
	cseq   []byte // the CSeq value as received
	seqNum uint32
	method []byte
	toTag  string
}

// New checks cfg and returns a Server that is not yet listening.
func New(cfg Config) (*Server, error) {
	s, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Server{
		cfg:      s,
		log:      s.Logger,
		conn:     s.Conn,
		now:      time.Now,
		pending:  newFIFOMap[*vector](s.MaxPending, s.PendingTTL),
		txns:     newFIFOMap[*txn](s.MaxTransactions, TransactionTTL),
		bindings: newBindingTable(s.MaxBindings),
		slots:    make(chan struct{}, s.MaxInFlight),

		h248conn:   s.H248Conn,
		mgcPending: newFIFOMap[*vector](s.MaxPending, s.PendingTTL),
		mgcTxns:    newFIFOMap[*txn](s.MaxTransactions, MGCTransactionTTL),
		mgs:        newFIFOMap[*mgBinding](s.MaxBindings+1, GatewayTTL),

		mgcpConn:  s.MGCPConn,
		gateways:  s.gateways,
		caPending: newFIFOMap[*vector](s.MaxPending, s.PendingTTL),
		caTxns:    newFIFOMap[*txn](s.MaxTransactions, CATransactionTTL),
		cas:       newFIFOMap[*mgBinding](s.MaxBindings+1, GatewayTTL),
	}, nil
}

// Start binds the socket (unless Config.Conn was given) and starts serving.
func (s *Server) Start() error {
	if !s.started.CompareAndSwap(false, true) {
		return ErrAlreadyStarted
	}
	if s.conn == nil {
		addr, err := net.ResolveUDPAddr("udp", s.cfg.Listen)
		if err != nil {
			return err
		}
		if s.conn, err = net.ListenUDP("udp", addr); err != nil {
			return err
		}
	}
	s.log.Info("softswitch listening", zap.Stringer("addr", s.conn.LocalAddr()),
		zap.String("realm", s.cfg.Realm), zap.Strings("digest", s.cfg.algs))
	s.wg.Add(1)
	go s.readLoop(s.conn, sip.MaxMessageSize, s.handle)
	err := s.startMGC()
	if err == nil {
		err = s.startCA()
	}
	if err != nil {
		s.closed.Store(true)
		_ = s.conn.Close()
		if s.h248conn != nil {
			_ = s.h248conn.Close()
		}
		if s.mgcpConn != nil {
			_ = s.mgcpConn.Close()
		}
		s.wg.Wait()
		return err
	}
	return nil
}

// Addr returns the listening address (nil before Start).
func (s *Server) Addr() *net.UDPAddr {
	if s.conn == nil {
		return nil
	}
	return s.conn.LocalAddr().(*net.UDPAddr)
}

// Close stops serving, waits for requests in progress and closes the socket.
func (s *Server) Close() error {
	if !s.started.Load() {
		return ErrNotStarted
	}
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	err := s.conn.Close()
	if s.h248conn != nil {
		err = errors.Join(err, s.h248conn.Close())
	}
	if s.mgcpConn != nil {
		err = errors.Join(err, s.mgcpConn.Close())
	}
	s.wg.Wait()
	return err
}

// readLoop reads datagrams of at most size bytes from conn until it closes and hands
// each to handle on a goroutine of its own, at most MaxInFlight at a time over both
// sockets.
func (s *Server) readLoop(conn *net.UDPConn, size int, handle func([]byte, *net.UDPAddr)) {
	defer s.wg.Done()
	buf := make([]byte, size)
	for {
		n, src, err := conn.ReadFromUDP(buf)
		if err != nil {
			if s.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("read failed", zap.Stringer("local", conn.LocalAddr()), zap.Error(err))
			continue
		}
		pkt := append([]byte(nil), buf[:n]...)
		s.slots <- struct{}{}
		s.wg.Add(1)
		go func() {
			defer func() { <-s.slots; s.wg.Done() }()
			handle(pkt, src)
		}()
	}
}

// handle parses one datagram and answers it.
func (s *Server) handle(pkt []byte, src *net.UDPAddr) {
	if len(bytes.TrimSpace(pkt)) == 0 {
		return // RFC 5626 keep-alive
	}
	var msg sip.Message
	if err := msg.Parse(pkt); err != nil {
		s.stats.malformed.Add(1)
		s.log.Debug("malformed datagram", zap.Stringer("src", src), zap.Error(err))
		return
	}
	if !msg.IsRequest() {
		return // responses end here: the registrar sends no requests
	}
	if string(msg.Method()) == "ACK" {
		s.stats.acks.Add(1) // the end of an INVITE transaction; nothing to answer
		return
	}
	req, err := s.newRequest(&msg, src)
	if err != nil {
		s.stats.malformed.Add(1)
		s.log.Debug("unusable request", zap.Stringer("src", src), zap.Error(err))
		return
	}
	key := txnKey(req)
	if !s.beginTxn(key, req) {
		return
	}
	resp, after := s.dispatch(req)
	s.send(key, req, resp)
	if after != nil {
		after()
	}
}

// newRequest picks out the fields every response needs.
func (s *Server) newRequest(msg *sip.Message, src *net.UDPAddr) (*request, error) {
	req := &request{msg: msg, src: src, now: s.now(), method: msg.Method()}
	topVia, _ := msg.Get(sip.HdrVia)
	elem, _ := sip.NextElement(topVia, 0)
	via, err := sip.ParseVia(elem)
	if err != nil {
		return nil, err
	}
	req.via = via
	req.from, _ = msg.Get(sip.HdrFrom)
	req.to, _ = msg.Get(sip.HdrTo)
	req.callID, _ = msg.Get(sip.HdrCallID)
	req.cseq, _ = msg.Get(sip.HdrCSeq)
	if req.seqNum, _, err = sip.ParseCSeq(req.cseq); err != nil {
		return nil, err
	}
	req.toTag = newTag()
	return req, nil
}

// dispatch answers one request by method. after, when not nil, runs once the response
// is sent.
func (s *Server) dispatch(req *request) (resp []byte, after func()) {
	switch string(req.method) {
	case "REGISTER":
		s.stats.requests.Add(1)
		return s.register(req)
	case "INVITE":
		return s.invite(req), nil
	case "BYE":
		return s.bye(req), nil
	case "OPTIONS":
		s.stats.options.Add(1)
		return newResponse(200).add("Allow", allowed).
			add("Supported", "path, sec-agree").build(req), nil
	default:
		s.stats.notAllowed.Add(1)
		return newResponse(405).add("Allow", allowed).build(req), nil
	}
}

// allowed lists the methods the softswitch answers.
const allowed = "REGISTER, OPTIONS, INVITE, ACK, BYE"

// txnKey identifies the server transaction of req (RFC 3261 §17.2.3): branch,
// sent-by and method, or for pre-RFC 3261 branches Call-ID, CSeq, From tag and the top
// Via.
func txnKey(req *request) string {
	if bytes.HasPrefix(req.via.Branch, []byte("z9hG4bK")) {
		return string(req.via.Branch) + "|" + string(req.via.Host) + ":" +
			strconv.Itoa(req.via.Port) + "|" + string(req.method)
	}
	top, _ := req.msg.Get(sip.HdrVia)
	return string(req.callID) + "|" + string(req.cseq) + "|" + string(sip.Tag(req.from)) +
		"|" + string(top)
}

// beginTxn reports whether req starts a new transaction; a retransmission gets the
// stored response (or nothing while the first copy is still being handled).
func (s *Server) beginTxn(key string, req *request) bool {
	t, ok := s.claimTxn(s.txns, key, req.now)
	if !ok {
		return true
	}
	s.stats.retransmissions.Add(1)
	if t.resp != nil {
		s.write(t.resp, t.dest)
	}
	return false
}

// claimTxn looks key up in table: a known key returns its transaction and true; a new
// one gets an empty transaction (its request is being handled) and false.
func (s *Server) claimTxn(table *fifoMap[*txn], key string, now time.Time) (*txn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	t, ok := table.get(key, now)
	if !ok {
		table.put(key, &txn{}, now)
	}
	return t, ok
}

// send transmits resp and stores it in the transaction for retransmissions.
func (s *Server) send(key string, req *request, resp []byte) {
	dest := destination(req)
	s.mu.Lock()
	s.txns.put(key, &txn{resp: resp, dest: dest}, req.now)
	s.mu.Unlock()
	s.write(resp, dest)
}

func (s *Server) write(b []byte, dest *net.UDPAddr) { s.writeTo(s.conn, b, dest) }

// writeTo sends b on conn; a failure is logged, not returned: UDP gives no promise
// of delivery anyway, and the peer retransmits.
func (s *Server) writeTo(conn *net.UDPConn, b []byte, dest *net.UDPAddr) {
	if _, err := conn.WriteToUDP(b, dest); err != nil && !s.closed.Load() {
		s.log.Warn("send failed", zap.Stringer("dest", dest), zap.Error(err))
	}
}

// sweepLocked drops expired state at most once per sweepEvery. s.mu is held.
func (s *Server) sweepLocked(now time.Time) {
	if now.Sub(s.lastSweep) < sweepEvery {
		return
	}
	s.lastSweep = now
	s.pending.sweep(now)
	s.txns.sweep(now)
	s.bindings.sweep(now)
	s.mgcPending.sweep(now)
	s.mgcTxns.sweep(now)
	s.mgs.sweep(now)
	s.caPending.sweep(now)
	s.caTxns.sweep(now)
	s.cas.sweep(now)
}
