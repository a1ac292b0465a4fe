package proxy

import (
	"errors"
	"net/netip"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Default limits. Each bounds memory or work that a peer could otherwise grow.
const (
	// DefaultPendingCapacity bounds registrations between the first REGISTER
	// and the 200 OK; a flood of first REGISTERs that never complete stops here.
	DefaultPendingCapacity = 65536
	// DefaultPendingPerSource bounds one source address's share of that
	// table, so one sender cannot lock everyone else out. A site behind one
	// NAT address rarely has this many registrations in flight at once.
	DefaultPendingPerSource = 512
	// DefaultSessionCapacity bounds live session keys (registered terminals).
	// The table is preallocated (about 330 bytes an entry), so the default
	// stays modest; raise it for larger networks.
	DefaultSessionCapacity = 100_000
	// DefaultPendingTTL is how long an unfinished registration is kept: 64*T1
	// (RFC 3261 Timer F) for each of the two transactions, with margin.
	DefaultPendingTTL = 90 * time.Second
	// DefaultRegistrationExpiry applies when a 200 OK names no expiry.
	DefaultRegistrationExpiry = 3600 * time.Second
	// DefaultSocketBuffer is the UDP socket buffer asked for by default.
	DefaultSocketBuffer = 4 << 20
	// DefaultH248TxnCapacity bounds the H.248 transactions from MGs the
	// proxy has given its own transaction id and not yet forgotten
	// (PROTOCOL.md §11.9).
	DefaultH248TxnCapacity = 65536
	// DefaultMGCPTxnCapacity bounds the MGCP commands from gateways the
	// proxy has given its own transaction id and not yet forgotten
	// (PROTOCOL.md §12.4).
	DefaultMGCPTxnCapacity = 65536
	// DefaultMaxTCPConns bounds open TCP connections from terminals; each
	// costs a socket, gnet's buffers and an entry in the routing table.
	DefaultMaxTCPConns = 10000
	// DefaultMaxTCPBuffered bounds the bytes held for one TCP connection in
	// each direction: one message of the largest size the parser takes plus
	// room for the keep-alives and the start of the next message.
	DefaultMaxTCPBuffered = sip.MaxMessageSize + 4096
	// DefaultTCPIdleTimeout closes a TCP connection that has carried no
	// message and no keep-alive for this long. RFC 5626 §4.4.1 has clients
	// ping every 95 to 120 s, so a live flow never comes near it.
	DefaultTCPIdleTimeout = 5 * time.Minute
	// MaxRegistrationExpiry caps how long a session key is kept whatever the
	// softswitch grants (one day), so state cannot be pinned forever.
	MaxRegistrationExpiry = 24 * time.Hour
)

// Config is a proxy's configuration. Zero values take the documented defaults.
type Config struct {
	// ProxyID is the name the authentication center knows this proxy by; it is
	// the user part of the Path URI the proxy adds.
	ProxyID string
	// Listen is the UDP address terminals and the softswitch send to.
	Listen netip.AddrPort
	// Advertise is the address written into Via and Path when it differs from
	// Listen (a wildcard listen address, or NAT in front). Default: the bound
	// listen address.
	Advertise netip.AddrPort
	// Softswitch is where requests from terminals are forwarded.
	Softswitch netip.AddrPort
	// H248Listen is the UDP address media gateways send H.248 to; the zero
	// value disables H.248. Port 0 binds an ephemeral port (see
	// Server.H248Addr).
	H248Listen netip.AddrPort
	// H248Softswitch is the media gateway controller H.248 messages from
	// gateways go to. Required when H248Listen is set.
	H248Softswitch netip.AddrPort
	// TCPListen is the TCP address terminals may connect to for SIP over
	// TCP (RFC 3261 §18); the zero value disables TCP. It runs on the same
	// engine as Listen; port 0 binds an ephemeral port (see Server.TCPAddr).
	TCPListen netip.AddrPort
	// MaxTCPConns bounds open TCP connections; see DefaultMaxTCPConns.
	MaxTCPConns int
	// MaxTCPBuffered bounds what one connection may hold unread or unsent;
	// past it the connection is closed. It also caps the size of a message
	// over TCP. See DefaultMaxTCPBuffered.
	MaxTCPBuffered int
	// TCPIdleTimeout closes connections without traffic; see
	// DefaultTCPIdleTimeout.
	TCPIdleTimeout time.Duration
	// H248TCPListen is the TCP address media gateways may connect to for
	// H.248 in TPKT framing (H.248.1 Annex D.2); the zero value disables
	// it. It needs H248Listen: the MGC is reached over UDP from there.
	// Port 0 binds an ephemeral port (see Server.H248TCPAddr). The TCP
	// limits above apply to these connections too.
	H248TCPListen netip.AddrPort
	// H248TxnCapacity bounds open H.248 transactions from gateways; see
	// DefaultH248TxnCapacity. Each source address may hold at most an
	// eighth of them.
	H248TxnCapacity int
	// MGCPGatewayListen is the UDP address gateways send MGCP to, the call
	// agent's address as they know it (PROTOCOL.md §12); the zero value
	// disables MGCP. Port 0 binds an ephemeral port (see
	// Server.MGCPGatewayAddr).
	MGCPGatewayListen netip.AddrPort
	// MGCPCallAgentListen is the UDP address the call agent sends its
	// commands for gateways to; what the proxy sends the call agent leaves
	// from it, so the call agent answers there. Required with
	// MGCPGatewayListen; port 0 binds an ephemeral port (see
	// Server.MGCPCallAgentAddr).
	MGCPCallAgentListen netip.AddrPort
	// MGCPCallAgent is the call agent gateways' commands go to. Only
	// datagrams from it drive call-agent state. Required with
	// MGCPGatewayListen.
	MGCPCallAgent netip.AddrPort
	// MGCPTxnCapacity bounds open MGCP commands from gateways; see
	// DefaultMGCPTxnCapacity. Each source address may hold at most an
	// eighth of them.
	MGCPTxnCapacity int
	// RefuseLegacy refuses requests from senders without a live session
	// under a mechanism (PROTOCOL.md §13.2) like a request missing its
	// verification word (SIP: 403, word_missing). For SIP only a REGISTER
	// with Security-Client (a registration with an offer) and requests
	// worded under a session then pass: plain registrations are refused too.
	// H.248 and MGCP apply it to their gateways' requests. Default false:
	// such senders are relayed as before §13.
	RefuseLegacy bool
	// Mechanisms lists the mechanisms the proxy supports, in the order it
	// advertises them in a 494. Default: hmac-sha256, ascon128a-v12.
	Mechanisms []skd.Mechanism
	// Keyring holds the proxy keys Ksp by key id. Required.
	Keyring *keystore.Keyring
	// PendingCapacity, SessionCapacity, PendingTTL: see the Default constants.
	PendingCapacity  int
	PendingPerSource int
	SessionCapacity  int
	PendingTTL       time.Duration
	// EventLoops is the number of gnet event loops (SO_REUSEPORT sockets).
	// Default 1.
	EventLoops int
	// SocketBuffer is the UDP receive and send buffer size asked of the
	// kernel (which caps it at net.core.rmem_max / wmem_max). Default 4 MiB,
	// so bursts are absorbed rather than dropped in the kernel.
	SocketBuffer int
	// Logger receives one line per registration outcome. Default: no logging.
	Logger *zap.Logger
}

// Configuration errors.
var (
	ErrNoProxyID        = errors.New("proxy: proxy id is required")
	ErrNoKeyring        = errors.New("proxy: keyring is required")
	ErrNoSoftswitch     = errors.New("proxy: softswitch address is required")
	ErrBadProxyID       = errors.New("proxy: proxy id must be a SIP user token of at most 64 bytes")
	ErrNoH248Softswitch = errors.New("proxy: an H.248 listen address needs " +
		"the H.248 softswitch (MGC) address")
	ErrSameListen   = errors.New("proxy: SIP and H.248 need different listen addresses")
	ErrH248TCPNoUDP = errors.New("proxy: an H.248 TCP listen address needs " +
		"the H.248 UDP listen address")
	ErrNoMGCPCallAgent = errors.New("proxy: an MGCP gateway listen address needs " +
		"the call-agent listen address and the call agent's address")
	ErrMGCPSameListen = errors.New("proxy: the MGCP sockets need addresses of their own")
	ErrNeedAdvertise  = errors.New("proxy: the listen address is a wildcard: " +
		"an advertise address is needed for Via and Path")
)

// withDefaults returns c with every zero field set to its default, or an
// error when a required field is missing.
func (c Config) withDefaults() (Config, error) {
	if c.ProxyID == "" {
		return c, ErrNoProxyID
	}
	if !validProxyID(c.ProxyID) {
		return c, ErrBadProxyID
	}
	if c.Keyring == nil {
		return c, ErrNoKeyring
	}
	if !c.Softswitch.IsValid() {
		return c, ErrNoSoftswitch
	}
	if c.Listen.Addr().IsUnspecified() && !c.Advertise.IsValid() {
		return c, ErrNeedAdvertise
	}
	if c.H248Listen.IsValid() {
		if !c.H248Softswitch.IsValid() {
			return c, ErrNoH248Softswitch
		}
		if c.H248Listen == c.Listen && c.Listen.Port() != 0 {
			return c, ErrSameListen
		}
	}
	if c.MaxTCPConns <= 0 {
		c.MaxTCPConns = DefaultMaxTCPConns
	}
	if c.MaxTCPBuffered <= 0 {
		c.MaxTCPBuffered = DefaultMaxTCPBuffered
	}
	if c.TCPIdleTimeout <= 0 {
		c.TCPIdleTimeout = DefaultTCPIdleTimeout
	}
	if c.H248TCPListen.IsValid() {
		if !c.H248Listen.IsValid() {
			return c, ErrH248TCPNoUDP
		}
		if c.H248TCPListen == c.TCPListen && c.TCPListen.Port() != 0 {
			return c, ErrSameListen
		}
	}
	if c.H248TxnCapacity <= 0 {
		c.H248TxnCapacity = DefaultH248TxnCapacity
	}
	if err := c.checkMGCP(); err != nil {
		return c, err
	}
	if c.MGCPTxnCapacity <= 0 {
		c.MGCPTxnCapacity = DefaultMGCPTxnCapacity
	}
	if len(c.Mechanisms) == 0 {
		c.Mechanisms = []skd.Mechanism{skd.MechHMACSHA256, skd.MechAscon128aV12}
	}
	if c.PendingCapacity <= 0 {
		c.PendingCapacity = DefaultPendingCapacity
	}
	if c.PendingPerSource <= 0 {
		c.PendingPerSource = DefaultPendingPerSource
	}
	if c.SessionCapacity <= 0 {
		c.SessionCapacity = DefaultSessionCapacity
	}
	if c.PendingTTL <= 0 {
		c.PendingTTL = DefaultPendingTTL
	}
	if c.EventLoops <= 0 {
		c.EventLoops = 1
	}
	if c.SocketBuffer <= 0 {
		c.SocketBuffer = DefaultSocketBuffer
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c, nil
}

// validProxyID accepts the unreserved characters of a SIP user part, so the id
// can be written into the Path URI without escaping.
func validProxyID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		ok := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			ch == '-' || ch == '_' || ch == '.' || ch == '!' || ch == '~'
		if !ok {
			return false
		}
	}
	return true
}
