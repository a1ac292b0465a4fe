package config

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/proxy"
)

// Allowed ranges. Each keeps a typo (an extra zero, a unit left out) from
// asking for more memory, threads or time than any deployment needs.
const (
	maxCapacity     = 10_000_000 // table entries; sessions cost about 330 bytes each
	maxEventLoops   = 256
	minSocketBuffer = 64 << 10
	maxSocketBuffer = 1 << 30
	minPendingTTL   = time.Second
	maxPendingTTL   = time.Hour
	minStats        = time.Second
	maxStats        = 24 * time.Hour
	maxMechanisms   = 8 // the proxy counts choices in an array of eight
	maxPathLen      = 4096
	// TCP: connections (each holds buffers), bytes buffered per connection
	// (at least one ordinary message; a stream message is framed whole), and
	// the idle timeout.
	maxTCPConns    = 1_000_000
	minTCPBuffered = 4096
	maxTCPBuffered = 16 << 20
	minTCPIdle     = time.Second
	maxTCPIdle     = 24 * time.Hour
)

// Settings is a validated configuration in typed form, ready for the proxy,
// the logger and the admin server.
type Settings struct {
	// Proxy has every proxy.Config field the file sets; Keyring and Logger
	// are left nil (see File.ProxyConfig). H248Listen is zero when H.248 is
	// off.
	Proxy proxy.Config
	// ProxyKeyFile and MasterKeyFile locate the sealed proxy keys.
	ProxyKeyFile, MasterKeyFile string
	// LogLevel and LogFormat ("json" or "console") configure the logger.
	LogLevel  zapcore.Level
	LogFormat string
	// StatsInterval is how often counters are logged; 0 means only at exit.
	StatsInterval time.Duration
	// AdminListen is the admin HTTP server's address; zero means no server.
	AdminListen netip.AddrPort
	// Pprof serves /debug/pprof/ on the admin server.
	Pprof bool
}

// Settings validates f and returns its typed form. All invalid values are
// reported, joined into one error; each matches ErrInvalidValue.
func (f *File) Settings() (Settings, error) {
	c := checker{from: f.from}
	var s Settings
	p := &s.Proxy
	p.ProxyID = c.proxyID("proxy_id", f.ProxyID)
	p.Listen = c.addr("listen", f.Listen, listenAddr)
	p.Advertise = c.addr("advertise", f.Advertise, optional|peerAddr)
	p.Softswitch = c.addr("softswitch", f.Softswitch, peerAddr)
	if p.Listen.IsValid() && p.Listen.Addr().IsUnspecified() && f.Advertise == "" {
		c.bad("advertise", "set when listen is a wildcard address (Via and Path need a "+
			"reachable address)", quote(f.Advertise))
	}
	c.h248(p, f)
	c.mgcp(p, f)
	c.tcp(p, f)
	p.Mechanisms = c.mechanisms("mechanisms", f.Mechanisms)
	p.RefuseLegacy = f.RefuseLegacy
	s.ProxyKeyFile = c.path("keys.proxy_key_file", f.Keys.ProxyKeyFile)
	s.MasterKeyFile = c.path("keys.master_key_file", f.Keys.MasterKeyFile)
	c.limits(p, f.Limits)
	c.logging(&s, f.Log)
	c.admin(&s, f.Admin)
	if len(c.errs) > 0 {
		return Settings{}, errors.Join(c.errs...)
	}
	return s, nil
}

// ProxyConfig returns the proxy configuration f describes, with the keyring
// and logger the caller loaded (see Settings.LoadKeyring, Settings.NewLogger).
func (f *File) ProxyConfig(kr *keystore.Keyring, log *zap.Logger) (proxy.Config, error) {
	s, err := f.Settings()
	if err != nil {
		return proxy.Config{}, err
	}
	cfg := s.Proxy
	cfg.Keyring, cfg.Logger = kr, log
	return cfg, nil
}

// LoadKeyring opens the sealed proxy key file with the master key file and
// checks that it was exported for this proxy id. Errors match the keystore's
// (keystore.ErrBadKeyFile, keystore.ErrWrongProxy, fs.ErrNotExist, ...).
func (s Settings) LoadKeyring() (*keystore.Keyring, error) {
	kr, err := keystore.LoadProxyKeyring(s.ProxyKeyFile, s.MasterKeyFile, s.Proxy.ProxyID)
	if err != nil {
		return nil, fmt.Errorf("config: proxy keys: %w", err)
	}
	return kr, nil
}

// NewLogger builds the zap logger the log level and format ask for: JSON
// lines for "json", zap's development encoder for "console".
func (s Settings) NewLogger() (*zap.Logger, error) {
	cfg := zap.NewProductionConfig()
	if s.LogFormat == "console" {
		cfg = zap.NewDevelopmentConfig()
	}
	cfg.Level = zap.NewAtomicLevelAt(s.LogLevel)
	return cfg.Build()
}

// addrKind says which addresses a key accepts.
type addrKind uint8

const (
	peerAddr addrKind = 1 << iota // a concrete IP and a non-zero port
	optional                      // empty means "not set"

	listenAddr addrKind = 0 // any IP, any port (0 picks a free one)
)

// checker validates values one key at a time and collects the errors.
type checker struct {
	from map[string]string
	errs []error
}

// bad records that key's value got is not what want describes.
func (c *checker) bad(key, want, got string) {
	if flag, ok := c.from[key]; ok {
		key += " (flag -" + flag + ")"
	}
	c.errs = append(c.errs, &ValueError{Key: key, Want: want, Got: got})
}

// h248 checks the H.248 addresses: an empty h248_listen turns H.248 off and
// leaves h248_softswitch unused.
func (c *checker) h248(p *proxy.Config, f *File) {
	p.H248Listen = c.addr("h248_listen", f.H248Listen, optional|listenAddr)
	if f.H248Listen == "" {
		c.addr("h248_softswitch", f.H248Softswitch, optional|peerAddr) // form only
		return
	}
	p.H248Softswitch = c.addr("h248_softswitch", f.H248Softswitch, optional|peerAddr)
	if f.H248Softswitch == "" {
		c.bad("h248_softswitch", "set when h248_listen is set (empty h248_listen: H.248 off)",
			quote(f.H248Softswitch))
	}
	if p.H248Listen.IsValid() && p.H248Listen == p.Listen && p.Listen.Port() != 0 {
		c.bad("h248_listen", "an address other than listen's", quote(f.H248Listen))
	}
}

// mgcp checks the MGCP addresses: an empty mgcp_listen_gateways turns MGCP
// off and leaves the other two unused; otherwise both are needed, and each
// socket needs an address no other socket has.
func (c *checker) mgcp(p *proxy.Config, f *File) {
	p.MGCPGatewayListen = c.addr("mgcp_listen_gateways", f.MGCPListenGateways,
		optional|listenAddr)
	ca := c.addr("mgcp_listen_callagent", f.MGCPListenCallAgent, optional|listenAddr)
	agent := c.addr("mgcp_callagent", f.MGCPCallAgent, optional|peerAddr)
	if f.MGCPListenGateways == "" {
		return // form only
	}
	p.MGCPCallAgentListen, p.MGCPCallAgent = ca, agent
	for _, k := range [...][2]string{{"mgcp_listen_callagent", f.MGCPListenCallAgent},
		{"mgcp_callagent", f.MGCPCallAgent}} {
		if k[1] == "" {
			c.bad(k[0], "set when mgcp_listen_gateways is set (empty mgcp_listen_gateways: "+
				"MGCP off)", quote(k[1]))
		}
	}
	taken := []netip.AddrPort{p.Listen, p.H248Listen}
	for _, k := range []struct {
		key string
		a   netip.AddrPort
		v   string
	}{{"mgcp_listen_gateways", p.MGCPGatewayListen, f.MGCPListenGateways},
		{"mgcp_listen_callagent", ca, f.MGCPListenCallAgent}} {
		if k.a.IsValid() && k.a.Port() != 0 && slices.Contains(taken, k.a) {
			c.bad(k.key, "an address no other socket of the proxy has", quote(k.v))
		}
		taken = append(taken, k.a)
	}
}

// tcp checks the stream listeners: SIP over TCP may share listen's address
// (another protocol), H.248 over TCP needs the H.248 UDP side, and the two
// TCP listeners need different addresses.
func (c *checker) tcp(p *proxy.Config, f *File) {
	p.TCPListen = c.addr("tcp_listen", f.TCPListen, optional|listenAddr)
	p.H248TCPListen = c.addr("h248_tcp_listen", f.H248TCPListen, optional|listenAddr)
	if f.H248TCPListen == "" {
		return
	}
	if f.H248Listen == "" {
		c.bad("h248_tcp_listen", "empty while h248_listen is empty (H.248 over TCP reaches "+
			"the MGC over UDP from h248_listen)", quote(f.H248TCPListen))
	}
	if p.H248TCPListen.IsValid() && p.H248TCPListen == p.TCPListen && p.TCPListen.Port() != 0 {
		c.bad("h248_tcp_listen", "an address other than tcp_listen's", quote(f.H248TCPListen))
	}
}

func (c *checker) addr(key, v string, kind addrKind) netip.AddrPort {
	if v == "" && kind&optional != 0 {
		return netip.AddrPort{}
	}
	want := "an IP address and port like 192.0.2.1:5060 or [2001:db8::1]:5060"
	if kind&peerAddr == 0 {
		want += " (\":5060\" is 0.0.0.0:5060)"
	}
	if kind&optional != 0 {
		want += ", or empty"
	}
	text := v
	if kind&peerAddr == 0 && strings.HasPrefix(v, ":") {
		text = "0.0.0.0" + v // every IPv4 address, as cmd/sigproxy has always read it
	}
	a, err := netip.ParseAddrPort(text)
	switch {
	case err != nil:
	case kind&peerAddr == 0:
		return a
	case a.Addr().IsUnspecified():
		want += ", not a wildcard address"
	case a.Port() == 0:
		want += ", with a port 1..65535"
	default:
		return a
	}
	c.bad(key, want, quote(v))
	return netip.AddrPort{}
}

func (c *checker) proxyID(key, v string) string {
	ok := v != "" && len(v) <= keystore.MaxProxyID &&
		strings.Trim(v, idChars) == "" // every byte is one of idChars
	if !ok {
		c.bad(key, "1.."+strconv.Itoa(keystore.MaxProxyID)+
			" characters from A-Z a-z 0-9 - _ . ! ~", quote(v))
	}
	return v
}

// idChars are the SIP user-part characters the proxy writes unescaped into
// its Path URI.
const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~"

func (c *checker) mechanisms(key string, names []string) []skd.Mechanism {
	want := "1.." + strconv.Itoa(maxMechanisms) + " distinct names from " +
		strings.Join(mechanismNames(), ", ")
	if len(names) == 0 || len(names) > maxMechanisms {
		c.bad(key, want, strconv.Itoa(len(names))+" names")
		return nil
	}
	var ms []skd.Mechanism
	for _, n := range names {
		m, ok := skd.ParseMechanism([]byte(n))
		if !ok || containsMech(ms, m) {
			c.bad(key, want, quote(n))
			return nil
		}
		ms = append(ms, m)
	}
	return ms
}

// mechanismNames lists every mechanism skd knows, in its numbering order.
func mechanismNames() []string {
	var names []string
	for m := skd.Mechanism(1); m.String() != skd.MechNone.String(); m++ {
		names = append(names, m.String())
	}
	return names
}

func containsMech(ms []skd.Mechanism, m skd.Mechanism) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

func (c *checker) path(key, v string) string {
	if v == "" || len(v) > maxPathLen || strings.ContainsRune(v, 0) {
		c.bad(key, "a file path of 1.."+strconv.Itoa(maxPathLen)+" bytes", quote(v))
	}
	return v
}

func (c *checker) intIn(key string, v, lo, hi int) int {
	if v < lo || v > hi {
		c.bad(key, strconv.Itoa(lo)+".."+strconv.Itoa(hi), strconv.Itoa(v))
	}
	return v
}

// duration parses v; "0" or "0s" is accepted only when zeroOK.
func (c *checker) duration(key, v string, lo, hi time.Duration, zeroOK bool) time.Duration {
	d, err := time.ParseDuration(v)
	if err == nil && (d >= lo && d <= hi || zeroOK && d == 0) {
		return d
	}
	want := "a duration " + lo.String() + ".." + hi.String() + ` like "90s"`
	if zeroOK {
		want += `, or "0s"`
	}
	c.bad(key, want, quote(v))
	return 0
}

func (c *checker) oneOf(key, v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	c.bad(key, "one of "+strings.Join(allowed, ", "), quote(v))
	return v
}

func (c *checker) limits(p *proxy.Config, l Limits) {
	p.PendingCapacity = c.intIn("limits.pending_capacity", l.PendingCapacity, 1, maxCapacity)
	p.PendingPerSource = c.intIn("limits.pending_per_source", l.PendingPerSource, 1,
		max(1, min(l.PendingCapacity, maxCapacity)))
	p.SessionCapacity = c.intIn("limits.session_capacity", l.SessionCapacity, 1, maxCapacity)
	// Each gateway address may hold an eighth of the transaction table, so
	// fewer than eight would leave every gateway none.
	p.H248TxnCapacity = c.intIn("limits.h248_txn_capacity", l.H248TxnCapacity, 8,
		maxCapacity)
	p.MGCPTxnCapacity = c.intIn("limits.mgcp_txn_capacity", l.MGCPTxnCapacity, 8,
		maxCapacity)
	p.MaxTCPConns = c.intIn("limits.max_tcp_conns", l.MaxTCPConns, 1, maxTCPConns)
	p.MaxTCPBuffered = c.intIn("limits.max_tcp_buffered", l.MaxTCPBuffered, minTCPBuffered,
		maxTCPBuffered)
	p.TCPIdleTimeout = c.duration("limits.tcp_idle_timeout", l.TCPIdleTimeout, minTCPIdle,
		maxTCPIdle, false)
	p.PendingTTL = c.duration("limits.pending_ttl", l.PendingTTL, minPendingTTL, maxPendingTTL,
		false)
	p.SocketBuffer = c.intIn("limits.socket_buffer", l.SocketBuffer, minSocketBuffer,
		maxSocketBuffer)
	p.EventLoops = c.intIn("limits.event_loops", l.EventLoops, 1, maxEventLoops)
}

func (c *checker) logging(s *Settings, l Log) {
	lvl := c.oneOf("log.level", l.Level, "debug", "info", "warn", "error")
	s.LogLevel, _ = zapcore.ParseLevel(lvl) // an invalid level is reported above
	s.LogFormat = c.oneOf("log.format", l.Format, "json", "console")
	s.StatsInterval = c.duration("log.stats_interval", l.StatsInterval, minStats, maxStats,
		true)
}

func (c *checker) admin(s *Settings, a Admin) {
	s.AdminListen = c.addr("admin.listen", a.Listen, optional|listenAddr)
	s.Pprof = a.Pprof
	if a.Pprof && (!s.AdminListen.IsValid() || !s.AdminListen.Addr().IsLoopback()) {
		// Profiles and goroutine dumps show process internals: loopback only,
		// reached through an SSH tunnel when needed.
		c.bad("admin.pprof", "false unless admin.listen is a loopback address", "true")
	}
}
