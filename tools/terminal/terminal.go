package terminal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// Terminal is one SIP user agent with its own UDP socket. Its Call-ID and From tag stay
// the same for its lifetime and CSeq keeps increasing, as RFC 3261 §10.2.4 asks of a UA
// that registers the same binding again. Close releases the socket.
type Terminal struct {
	cfg     Config
	conn    *net.UDPConn
	host    string // Via sent-by and Contact host[:port]
	callID  string
	fromTag string

	mu   sync.Mutex // serializes Register
	cseq uint32
	msg  sip.Message

	words *words // the verification words of the last secured registration
	// deregistering makes the registration flow ask for Expires: 0.
	deregistering bool

	mg *mgState // the H.248 side, nil for other terminals
	gw *gwState // the MGCP side, nil for other terminals
}

// New validates cfg, applies defaults and opens the terminal's UDP socket.
func New(cfg Config) (*Terminal, error) {
	c, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp", localAddr(c))
	if err != nil {
		return nil, fmt.Errorf("terminal: listen: %w", err)
	}
	la := conn.LocalAddr().(*net.UDPAddr)
	host := net.JoinHostPort(la.IP.String(), strconv.Itoa(la.Port))
	t := &Terminal{
		cfg:     c,
		conn:    conn,
		host:    host,
		callID:  randomHex(8) + "@" + la.IP.String(),
		fromTag: randomHex(6),
	}
	switch c.Protocol {
	case ProtocolH248:
		t.mg = newMGState(la)
	case ProtocolMGCP:
		t.gw = newGWState(la)
	}
	return t, nil
}

// localAddr is Config.Local, or port 0 on the loopback of the proxy's address family.
func localAddr(c Config) *net.UDPAddr {
	if c.Local != nil {
		return c.Local
	}
	if c.Proxy.IP.To4() == nil && c.Proxy.IP != nil {
		return &net.UDPAddr{IP: net.IPv6loopback}
	}
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
}

// LocalAddr returns the address of the terminal's socket.
func (t *Terminal) LocalAddr() *net.UDPAddr { return t.conn.LocalAddr().(*net.UDPAddr) }

// Identity returns the configured identity.
func (t *Terminal) Identity() string { return t.cfg.Identity }

// Close closes the socket; a Register in progress fails. Safe to call more than once.
func (t *Terminal) Close() error {
	err := t.conn.Close() // first, so that a blocked Register returns and unlocks
	t.mu.Lock()
	clear(t.cfg.Kc)
	t.endWords()
	t.mu.Unlock()
	return err
}

// Register runs one registration: REGISTER, 401 challenge, REGISTER with the digest
// response, 200 OK with the session key and its MAC (PROTOCOL.md §5). The Report is
// filled in every case; the error is nil exactly when Report.Outcome is
// OutcomeRegistered, and otherwise matches one of the package's Err values
// (errors.Is). Register is not safe for concurrent use on one Terminal: calls are
// serialized.
func (t *Terminal) Register(ctx context.Context) (Report, error) {
	return t.runLocked(ctx, t.register, func(rc *recorder) {
		rc.rep.Outcome = OutcomeRegistered
		rc.step("registered mechanism=%q sk_opened=%t mac_verified=%t",
			rc.rep.Mechanism, rc.rep.SKOpened, rc.rep.MACVerified)
	})
}

// runLocked runs one exchange of the terminal (a registration, a call) under
// its lock with a fresh Report; done records the success.
func (t *Terminal) runLocked(ctx context.Context, run func(context.Context, *recorder) error,
	done func(*recorder)) (Report, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rep := Report{Identity: t.cfg.Identity, Protocol: t.cfg.Protocol}
	rc := &recorder{rep: &rep, start: time.Now(), log: t.logStep}
	err := run(ctx, rc)
	if err == nil {
		done(rc)
	}
	rep.Elapsed = time.Since(rc.start)
	return rep, err
}

func (t *Terminal) logStep(step string) {
	if ce := t.cfg.Logger.Check(zap.DebugLevel, "terminal step"); ce != nil {
		ce.Write(zap.String("identity", t.cfg.Identity), zap.String("step", step))
	}
}

// register runs the two transactions and judges their responses.
func (t *Terminal) register(ctx context.Context, rc *recorder) error {
	deadline, bufp, release := t.begin(ctx, rc)
	defer release()
	switch t.cfg.Protocol {
	case ProtocolH248:
		return t.registerMG(ctx, *bufp, deadline, rc)
	case ProtocolMGCP:
		return t.registerGW(ctx, *bufp, deadline, rc)
	}

	t.endWords() // a new registration brings a new key and new numbers
	tx := t.newTxn(nil, "")
	resp, err := t.transact(ctx, tx, *bufp, deadline, rc)
	if err != nil {
		return err
	}
	ch, done, err := t.readChallenge(resp, rc)
	if err != nil || done {
		return err
	}
	tx = t.newTxn(ch, t.authorization(ch, rc))
	if resp, err = t.transact(ctx, tx, *bufp, deadline, rc); err != nil {
		return err
	}
	return t.readFinal(resp, ch, rc)
}

// begin prepares one exchange: its deadline (Timeout from the start, or the
// context's if sooner), a wake-up of a blocked read when ctx is canceled, and a
// read buffer; release undoes the last two.
func (t *Terminal) begin(ctx context.Context, rc *recorder) (deadline time.Time, bufp *[]byte,
	release func()) {
	deadline = rc.start.Add(t.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	// A cancel without a deadline must still wake a blocked read.
	stop := context.AfterFunc(ctx, func() { _ = t.conn.SetReadDeadline(time.Unix(1, 0)) })
	bufp = bufPool.Get().(*[]byte)
	return deadline, bufp, func() {
		stop()
		bufPool.Put(bufp)
	}
}

// bufPool holds read buffers big enough for any datagram, shared by all terminals so
// that idle terminals hold none.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, sip.MaxMessageSize)
	return &b
}}

// randomHex returns 2n hex digits from crypto/rand: tags, branches, Call-IDs, cnonces.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
