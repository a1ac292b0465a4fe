package proxy

import (
	"hash/maphash"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Handler holds the state every event loop shares. It is safe for concurrent
// use; each event loop drives it through its own Worker.
type Handler struct {
	cfg      Config
	log      *zap.Logger
	pending  *pendingTable
	sessions *keystore.SessionTable
	ctr      counters
	seed     maphash.Seed

	// self is the address written into Via and Path; it is set once, before
	// traffic, by SetAddr.
	self atomic.Pointer[selfAddr]

	// h248 is the H.248 side's shared state; nil when H.248 is disabled.
	h248 *h248State

	// mgcp is the MGCP side's shared state; nil when MGCP is disabled.
	mgcp *mgcpState

	// tcp is the table of TCP connections; nil when TCP is disabled.
	tcp *tcpTable
	// tcpPort is SIP's TCP port once known (0 before, or without TCP).
	tcpPort atomic.Uint32

	// observer, when set, receives every message's handling time.
	observer atomic.Pointer[observerBox]

	// serverList is the Security-Server value of a 494: every supported
	// mechanism with a descending q.
	serverList []byte
}

// selfAddr is the proxy's advertised address in its wire forms.
type selfAddr struct {
	addr     netip.AddrPort
	hostPort []byte // "127.0.0.1:5060" or "[::1]:5060"
	via      []byte // "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK"
	path     []byte // "Path: <sip:sp1@127.0.0.1:5060;lr"
	// viaTCP is the Via of requests relayed to terminals over TCP, with
	// the TCP port (tcpPort, decimal); both nil without SIP over TCP.
	viaTCP, tcpPort []byte
}

// NewHandler validates cfg and returns a Handler ready for SetAddr.
func NewHandler(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		cfg:      cfg,
		log:      cfg.Logger,
		pending:  newPendingTable(cfg.PendingCapacity, cfg.PendingPerSource),
		sessions: keystore.NewSessionTable(cfg.SessionCapacity),
		seed:     maphash.MakeSeed(),
	}
	h.serverList = buildServerList(cfg.Mechanisms)
	if cfg.TCPListen.IsValid() || cfg.H248TCPListen.IsValid() {
		h.tcp = newTCPTable(&h.cfg)
	}
	if cfg.H248Listen.IsValid() {
		h.h248 = newH248State(&cfg, h.serverList)
		if a := cfg.H248Listen; a.Port() != 0 {
			h.setH248Addr(a)
		}
	}
	if cfg.MGCPGatewayListen.IsValid() {
		h.mgcp = newMGCPState(&cfg, h.serverList)
	}
	if a := cfg.TCPListen; a.IsValid() {
		h.tcpPort.Store(uint32(a.Port()))
	}
	switch {
	case cfg.Advertise.IsValid():
		h.SetAddr(cfg.Advertise)
	case cfg.Listen.IsValid() && cfg.Listen.Port() != 0 && !cfg.Listen.Addr().IsUnspecified():
		h.SetAddr(cfg.Listen)
	}
	return h, nil
}

// SetAddr sets the address the proxy writes into Via and Path. The server
// calls it once it knows its bound port; call it before the first Step.
func (h *Handler) SetAddr(a netip.AddrPort) {
	hp := a.AppendTo(nil)
	s := &selfAddr{addr: a, hostPort: hp}
	s.via = append(append([]byte("Via: SIP/2.0/UDP "), hp...), ";branch="+branchPrefix...)
	s.path = append(append([]byte("Path: <sip:"+h.cfg.ProxyID+"@"), hp...), ";lr"...)
	if p := h.tcpPort.Load(); p != 0 {
		// Limitation: the TCP Via takes the advertised host with the
		// bound TCP port; a NAT that maps the TCP port elsewhere needs a
		// TCP advertise address the configuration does not have.
		s.tcpPort = strconv.AppendUint(nil, uint64(p), 10)
		s.viaTCP = append([]byte("Via: SIP/2.0/TCP "),
			netip.AddrPortFrom(a.Addr(), uint16(p)).AppendTo(nil)...)
		s.viaTCP = append(s.viaTCP, ";branch="+branchPrefix...)
	}
	h.self.Store(s)
}

// setTCPPort records SIP's bound TCP port and rewrites the Via forms.
func (h *Handler) setTCPPort(p uint16) {
	h.tcpPort.Store(uint32(p))
	if s := h.self.Load(); s != nil {
		h.SetAddr(s.addr)
	}
}

// Observer receives one value per handled message, in seconds; a
// prometheus.Histogram is one. Observe must not block and should not
// allocate: it runs on the event loop.
type Observer interface{ Observe(float64) }

// observerBox lets an interface value live behind an atomic pointer.
type observerBox struct{ o Observer }

// SetHandlingObserver makes the server report each message's handling time,
// from the event loop's read to the end of its send, to o; nil stops it.
// Safe to call while the server runs.
func (h *Handler) SetHandlingObserver(o Observer) {
	if o == nil {
		h.observer.Store(nil)
		return
	}
	h.observer.Store(&observerBox{o})
}

// Addr returns the advertised address.
func (h *Handler) Addr() netip.AddrPort {
	if s := h.self.Load(); s != nil {
		return s.addr
	}
	return netip.AddrPort{}
}

// Sweep removes expired registrations in progress and expired session keys.
func (h *Handler) Sweep(now time.Time) {
	h.pending.sweep(now.UnixNano())
	if h.h248 != nil {
		h.h248.sweep(now.UnixNano())
	}
	if h.mgcp != nil {
		h.mgcp.sweep(now.UnixNano())
	}
	h.sessions.Sweep(now.UnixNano())
}

// Session returns the live session for an address of record, for tests and
// operators' tools. The key bytes stay inside the returned value.
func (h *Handler) Session(aor []byte) (keystore.Session, bool) {
	return h.sessions.Get(aor, time.Now().UnixNano())
}

// Stats returns a snapshot of the counters.
func (h *Handler) Stats() Stats {
	c := &h.ctr
	st := Stats{
		MessagesIn:   c.in.Load(),
		MessagesOut:  c.out.Load(),
		Handled:      c.handled.Load(),
		LocalReplies: c.local.Load(),
		Registered:   c.registered.Load(),
		Deregistered: c.deregistered.Load(),
		Reasons:      make(map[string]uint64),
		ChosenByMech: make(map[string]uint64),
		Pending:      h.pending.len(),
		Sessions:     h.sessions.Len(),
		H248: H248Stats{
			MessagesIn:   c.h248In.Load(),
			MessagesOut:  c.h248Out.Load(),
			LocalReplies: c.h248Local.Load(),
			Registered:   c.h248Registered.Load(),
			Deregistered: c.h248Deregistered.Load(),
		},
		MGCP: MGCPStats{
			MessagesIn:   c.mgcpIn.Load(),
			MessagesOut:  c.mgcpOut.Load(),
			LocalReplies: c.mgcpLocal.Load(),
			Registered:   c.mgcpRegistered.Load(),
			Deregistered: c.mgcpDeregistered.Load(),
		},
	}
	if h.mgcp != nil {
		st.MGCP.Transactions = h.mgcp.txns.len()
		st.MGCP.Domains = h.mgcp.domains.len()
	}
	if h.h248 != nil {
		st.H248.Transactions = h.h248.txnLen()
	}
	if h.tcp != nil {
		st.TCPConns = h.tcp.len()
	}
	for r := Reason(1); r < numReasons; r++ {
		if n := c.byReason[r].Load(); n > 0 {
			st.Reasons[r.String()] = n
		}
	}
	for _, m := range h.cfg.Mechanisms {
		st.ChosenByMech[m.String()] = c.chosenByMech[m].Load()
	}
	return st
}

// count records one occurrence of reason.
func (h *Handler) count(r Reason) { h.ctr.byReason[r].Add(1) }

// supports reports whether the proxy is configured for m.
func (h *Handler) supports(m skd.Mechanism) bool {
	for _, s := range h.cfg.Mechanisms {
		if s == m {
			return true
		}
	}
	return false
}

// buildServerList writes the 494 Security-Server value: the configured order
// becomes descending q values.
func buildServerList(mechs []skd.Mechanism) []byte {
	var b []byte
	for i, m := range mechs {
		if i > 0 {
			b = append(b, ", "...)
		}
		q := 1000 - 100*i
		if q < 100 {
			q = 100
		}
		b = append(b, m.String()...)
		b = append(b, ";q=0."...)
		if q == 1000 {
			b = b[:len(b)-2]
			b = append(b, '1')
			continue
		}
		b = strconv.AppendInt(b, int64(q/100), 10)
	}
	return b
}
