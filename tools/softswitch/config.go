package softswitch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// Defaults and limits. Each bounds memory or a wait the registrar cannot otherwise
// control.
const (
	// DefaultRealm is the digest realm of the demo network.
	DefaultRealm = "sigproxy.test"
	// DefaultExpires is the binding lifetime when the REGISTER names none (RFC 3261
	// §10.2.1.1 lets the registrar pick; one hour is the customary value).
	DefaultExpires = 3600
	// MinExpires is the shortest binding accepted; shorter ones get 423 with Min-Expires
	// (RFC 3261 §10.3 step 7). One minute keeps refresh traffic sane.
	MinExpires = 60
	// MaxExpires caps a binding's lifetime (one day); longer requests are shortened,
	// which RFC 3261 §10.3 allows.
	MaxExpires = 86400
	// DefaultMaxPending caps outstanding authentication vectors: one per challenged
	// REGISTER still awaiting its second request.
	DefaultMaxPending = 100000
	// DefaultPendingTTL is how long a challenge nonce stays usable. It matches the AC's
	// own vector lifetime (5 minutes) so the success report still finds the nonce.
	DefaultPendingTTL = 5 * time.Minute
	// DefaultMaxBindings caps registered contacts over all addresses of record.
	DefaultMaxBindings = 100000
	// MaxContactsPerAOR caps the contacts one address of record may hold, so one user
	// cannot fill the table alone.
	MaxContactsPerAOR = 16
	// DefaultMaxTransactions caps remembered transactions (for retransmissions).
	DefaultMaxTransactions = 100000
	// TransactionTTL is how long a final response is kept for retransmitted requests:
	// Timer J = 64*T1 for UDP (RFC 3261 §17.2.2).
	TransactionTTL = 32 * time.Second
	// DefaultACTimeout bounds one call to the AC; a silent AC then yields 503.
	DefaultACTimeout = 3 * time.Second
	// DefaultMaxInFlight caps requests handled at once (each may wait on the AC).
	DefaultMaxInFlight = 64
	// MaxIdentity is the longest digest username accepted; the AC refuses longer ones.
	MaxIdentity = 128
	// MaxNonce is the longest nonce accepted from the AC (it sends 32 hex digits).
	MaxNonce = 128
)

// Digest algorithm names as they appear on the wire (RFC 7616 §3.3, RFC 8760).
const (
	AlgSHA256 = "SHA-256"
	AlgMD5    = "MD5"
)

// Errors returned by New for a bad Config.
var (
	ErrNoAC            = errors.New("softswitch: no authentication center configured")
	ErrBadDigestAlg    = errors.New("softswitch: unsupported digest algorithm")
	ErrBadMechanism    = errors.New("softswitch: unsupported mechanism")
	ErrAlreadyStarted  = errors.New("softswitch: already started")
	ErrNotStarted      = errors.New("softswitch: not started")
	ErrBadRealm        = errors.New("softswitch: realm empty, too long or not quotable")
	ErrBadGateways     = errors.New("softswitch: bad MGCPGateways address")
	errACMisbehaved    = errors.New("softswitch: malformed authentication vector")
	errBadKeyMaterial  = errors.New("softswitch: bad key material in authentication vector")
	errBadRequestValue = errors.New("softswitch: bad request value")
)

// AC is what the registrar needs from the authentication center. *authcenter.Client
// implements it.
type AC interface {
	// Auth fetches an authentication vector for one REGISTER.
	Auth(ctx context.Context, req authcenter.AuthRequest) (*authcenter.AuthVector, error)
	// Success reports a terminal authentication success for the vector's nonce.
	Success(ctx context.Context, identity, nonce string) error
}

// Config configures a Server. Zero values take the defaults named beside each field.
type Config struct {
	// Listen is the UDP address to listen on (e.g. "127.0.0.1:5070"); ignored when Conn
	// is set.
	Listen string
	// Conn is an already bound socket to serve on; the Server closes it on Close.
	Conn *net.UDPConn
	// H248Listen is the UDP address of the H.248 MGC role (docs/PROTOCOL.md §11), e.g.
	// "127.0.0.1:2945"; empty (and H248Conn nil) leaves the role off.
	H248Listen string
	// H248Conn is an already bound socket for the MGC role; the Server closes it.
	H248Conn *net.UDPConn
	// MGCPListen is the UDP address of the MGCP call-agent role (docs/PROTOCOL.md §12),
	// e.g. "127.0.0.1:2728" (DefaultMGCPPort); empty (and MGCPConn nil) leaves the role
	// off.
	MGCPListen string
	// MGCPConn is an already bound socket for the CA role; the Server closes it.
	MGCPConn *net.UDPConn
	// MGCPGateways is where the CA sends what it writes for gateways registering
	// through sigproxy (X-SKDPX): the proxy's call-agent-facing socket, e.g.
	// "127.0.0.1:2427". Empty means the source address of the command answered,
	// which is also where direct-mode and plain gateways are always answered.
	MGCPGateways string
	// Realm is the digest realm (DefaultRealm).
	Realm string
	// AC is the authentication center client; when nil, ACURL names it.
	AC AC
	// ACURL is the AC's base URL (e.g. "http://127.0.0.1:8740"), used when AC is nil.
	ACURL string
	// ACTimeout bounds each AC call (DefaultACTimeout).
	ACTimeout time.Duration
	// DigestAlgorithms are offered in this order, one WWW-Authenticate each
	// ([SHA-256, MD5]).
	DigestAlgorithms []string
	// Mechanisms are the RFC 3329 mechanisms supported in direct mode, in the order
	// listed in a 494's Security-Server ([hmac-sha256, ascon128a-v12]).
	Mechanisms []skd.Mechanism
	// MaxPending caps outstanding challenge vectors (DefaultMaxPending).
	MaxPending int
	// PendingTTL is a challenge nonce's lifetime (DefaultPendingTTL).
	PendingTTL time.Duration
	// MaxBindings caps registered contacts, and registered gateways apart
	// (DefaultMaxBindings).
	MaxBindings int
	// MaxTransactions caps remembered transactions (DefaultMaxTransactions).
	MaxTransactions int
	// MaxInFlight caps concurrently handled requests (DefaultMaxInFlight).
	MaxInFlight int
	// Logger receives operational logs; nil means zap.NewNop().
	Logger *zap.Logger
}

// settings is a Config with defaults applied and values checked.
type settings struct {
	Config
	algs     []string     // canonical digest algorithm names
	gateways *net.UDPAddr // MGCPGateways resolved
}

func (c Config) withDefaults() (settings, error) {
	s := settings{Config: c}
	if s.AC == nil {
		if s.ACURL == "" {
			return s, ErrNoAC
		}
		s.AC = &authcenter.Client{BaseURL: strings.TrimRight(s.ACURL, "/"),
			HTTP: &http.Client{Timeout: DefaultACTimeout}}
	}
	if s.Realm == "" {
		s.Realm = DefaultRealm
	}
	if !safeQuoted(s.Realm, MaxIdentity) {
		return s, ErrBadRealm
	}
	if s.ACTimeout <= 0 {
		s.ACTimeout = DefaultACTimeout
	}
	algs, err := canonicalAlgs(s.DigestAlgorithms)
	if err != nil {
		return s, err
	}
	s.algs = algs
	if s.MGCPGateways != "" {
		if s.gateways, err = net.ResolveUDPAddr("udp", s.MGCPGateways); err != nil {
			return s, fmt.Errorf("%w: %w", ErrBadGateways, err)
		}
	}
	if len(s.Mechanisms) == 0 {
		s.Mechanisms = []skd.Mechanism{skd.MechHMACSHA256, skd.MechAscon128aV12}
	}
	for _, m := range s.Mechanisms {
		if m.Wrap() == skd.WrapNone {
			return s, ErrBadMechanism
		}
	}
	s.MaxPending = orDefault(s.MaxPending, DefaultMaxPending)
	s.MaxBindings = orDefault(s.MaxBindings, DefaultMaxBindings)
	s.MaxTransactions = orDefault(s.MaxTransactions, DefaultMaxTransactions)
	s.MaxInFlight = orDefault(s.MaxInFlight, DefaultMaxInFlight)
	if s.PendingTTL <= 0 {
		s.PendingTTL = DefaultPendingTTL
	}
	if s.Logger == nil {
		s.Logger = zap.NewNop()
	}
	return s, nil
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// canonicalAlgs maps configured digest algorithm names (any case) to their wire
// spelling, keeping order and dropping repeats.
func canonicalAlgs(in []string) ([]string, error) {
	if len(in) == 0 {
		return []string{AlgSHA256, AlgMD5}, nil
	}
	out := make([]string, 0, len(in))
	for _, a := range in {
		c, ok := canonicalAlg(strings.TrimSpace(a))
		if !ok {
			return nil, ErrBadDigestAlg
		}
		if !contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

func canonicalAlg(a string) (string, bool) {
	switch {
	case strings.EqualFold(a, AlgSHA256):
		return AlgSHA256, true
	case strings.EqualFold(a, AlgMD5):
		return AlgMD5, true
	}
	return "", false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ParseMechanisms parses a comma-separated list of mechanism names (for flags).
func ParseMechanisms(list string) ([]skd.Mechanism, error) {
	var out []skd.Mechanism
	for _, name := range strings.Split(list, ",") {
		m, ok := skd.ParseMechanism([]byte(strings.TrimSpace(name)))
		if !ok || m == skd.MechNone {
			return nil, ErrBadMechanism
		}
		out = append(out, m)
	}
	return out, nil
}
