// Package loopback starts the whole sigproxy system on 127.0.0.1 in one
// process: the authentication center with a sealed on-disk store, the
// softswitch, and the proxy, wired the way an operator would wire them (keys
// provisioned and exported through the same functions the commands use). The
// demo, the system tests and the load generator start from here.
//
// Every protocol is always on: SIP (terminals to ProxyAddr, the registrar
// behind it), H.248 (media gateways to H248ProxyAddr, the softswitch's MGC
// role behind it at H248SoftswitchAddr) and MGCP (gateways to MGCPProxyAddr, the
// softswitch's call agent behind it at MGCPSoftswitchAddr).
package loopback

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/proxy"
	"github.com/sigproxy/sigproxy/tools/authcenter"
	"github.com/sigproxy/sigproxy/tools/softswitch"
)

// stopTimeout bounds the proxy's shutdown in Close.
const stopTimeout = 5 * time.Second

// Defaults of Options.
const (
	DefaultRealm   = "sigproxy.test"
	DefaultProxyID = "sp1"
)

// Options configures a System. Zero values take the defaults.
type Options struct {
	// Dir holds the AC's store, the master keys and the proxy key file. Empty
	// means a temporary directory removed by Close.
	Dir string
	// Realm is the digest realm (DefaultRealm).
	Realm string
	// ProxyID is the proxy's name at the AC (DefaultProxyID).
	ProxyID string
	// Subscribers names the identities to provision with fresh keys Kc.
	Subscribers []string
	// DigestAlgorithms are what the softswitch offers (its default when nil).
	DigestAlgorithms []string
	// EventLoops is the proxy's number of event loops (1 when zero).
	EventLoops int
	// Logger receives every component's logs (no logging when nil).
	Logger *zap.Logger
}

// System is a running authentication center, softswitch and proxy.
type System struct {
	Dir        string
	AC         *authcenter.Server
	Softswitch *softswitch.Server
	Proxy      *proxy.Server

	tempDir bool
	store   keystore.SubscriberStore
	ring    *keystore.Keyring
	proxyID string
	kc      map[string][]byte
}

// Start provisions the keys and starts the three components. On error
// everything already started is stopped.
func Start(ctx context.Context, opt Options) (sys *System, err error) {
	opt = opt.withDefaults()
	sys = &System{Dir: opt.Dir, kc: make(map[string][]byte)}
	if sys.Dir == "" {
		if sys.Dir, err = os.MkdirTemp("", "sigproxy-"); err != nil {
			return nil, err
		}
		sys.tempDir = true
	} else if err = usableDir(sys.Dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			sys.Close()
			sys = nil
		}
	}()
	if err = sys.provision(opt); err != nil {
		return sys, err
	}
	if err = sys.startAC(opt); err != nil {
		return sys, err
	}
	if err = sys.startSoftswitch(opt); err != nil {
		return sys, err
	}
	return sys, sys.startProxy(ctx, opt)
}

func (o Options) withDefaults() Options {
	if o.Realm == "" {
		o.Realm = DefaultRealm
	}
	if o.ProxyID == "" {
		o.ProxyID = DefaultProxyID
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return o
}

func (s *System) path(name string) string { return filepath.Join(s.Dir, name) }

// ErrDirInUse reports a data directory that already holds a provisioned system.
var ErrDirInUse = errors.New("loopback: data directory already holds an AC store; use an empty one")

// usableDir creates dir (mode 0700) when missing and refuses one that already
// holds a store: Start provisions fresh subscribers every time.
func usableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "ac.db")); err == nil {
		return fmt.Errorf("%w: %s", ErrDirInUse, dir)
	}
	return nil
}

// provision creates the AC's store with the subscribers and a proxy key, and
// exports that key to the proxy's sealed key file.
func (s *System) provision(opt Options) error {
	store, err := authcenter.OpenStore(s.path("ac.db"), s.path("ac-master.key"))
	if err != nil {
		return fmt.Errorf("loopback: AC store: %w", err)
	}
	s.store = store
	subs, err := authcenter.AddSubscribers(store, opt.Subscribers, nil)
	if err != nil {
		return fmt.Errorf("loopback: subscribers: %w", err)
	}
	for _, sub := range subs {
		s.kc[sub.Identity] = sub.Kc
	}
	if _, err := authcenter.AddProxyKey(store, opt.ProxyID, "", nil); err != nil {
		return fmt.Errorf("loopback: proxy key: %w", err)
	}
	_, err = authcenter.ExportProxyKeys(store, opt.ProxyID, s.path(opt.ProxyID+".keys"),
		s.path("proxy-master.key"))
	return err
}

func (s *System) startAC(opt Options) error {
	ac, err := authcenter.New(authcenter.Config{
		Listen: "127.0.0.1:0",
		Store:  s.store,
		Realm:  opt.Realm,
		Logger: opt.Logger.Named("authcenter"),
	})
	if err != nil {
		return err
	}
	s.AC = ac
	return ac.Start()
}

func (s *System) startSoftswitch(opt Options) error {
	ss, err := softswitch.New(softswitch.Config{
		Listen:           "127.0.0.1:0",
		H248Listen:       "127.0.0.1:0",
		MGCPListen:       "127.0.0.1:0",
		Realm:            opt.Realm,
		ACURL:            "http://" + s.AC.Addr().String(),
		DigestAlgorithms: opt.DigestAlgorithms,
		Logger:           opt.Logger.Named("softswitch"),
	})
	if err != nil {
		return err
	}
	s.Softswitch = ss
	return ss.Start()
}

func (s *System) startProxy(ctx context.Context, opt Options) error {
	s.proxyID = opt.ProxyID
	ring, err := keystore.LoadProxyKeyring(s.path(opt.ProxyID+".keys"),
		s.path("proxy-master.key"), opt.ProxyID)
	if err != nil {
		return fmt.Errorf("loopback: proxy keys: %w", err)
	}
	s.ring = ring
	h, err := proxy.NewHandler(proxy.Config{
		ProxyID:        opt.ProxyID,
		Listen:         netip.MustParseAddrPort("127.0.0.1:0"),
		Softswitch:     s.Softswitch.Addr().AddrPort(),
		H248Listen:     netip.MustParseAddrPort("127.0.0.1:0"),
		H248Softswitch: s.Softswitch.H248Addr().AddrPort(),
		// MGCP: gateways send to one socket, the call agent to the other (§12).
		MGCPGatewayListen:   netip.MustParseAddrPort("127.0.0.1:0"),
		MGCPCallAgentListen: netip.MustParseAddrPort("127.0.0.1:0"),
		MGCPCallAgent:       s.Softswitch.MGCPAddr().AddrPort(),
		Keyring:             ring,
		EventLoops:          opt.EventLoops,
		Logger:              opt.Logger.Named("sigproxy"),
	})
	if err != nil {
		return err
	}
	srv := proxy.NewServer(h)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	s.Proxy = srv
	return nil
}

// RotateStage adds a new proxy key at the AC without making it current, and
// returns its kid: the first step of a rotation (tools/authcenter README).
func (s *System) RotateStage() (string, error) {
	return authcenter.StageProxyKey(s.store, s.proxyID, "", nil)
}

// RotateActivate makes kid the key the AC wraps under.
func (s *System) RotateActivate(kid string) error {
	return s.store.SetCurrentProxyKey(s.proxyID, kid)
}

// RotateRetire removes kid at the AC.
func (s *System) RotateRetire(kid string) error {
	return s.store.RemoveProxyKey(s.proxyID, kid)
}

// ReloadProxyKeys exports the proxy's keys from the AC to its key file and
// reloads the running proxy's keyring from it, as an operator does with
// export-proxy-key and SIGHUP. It returns the number of keys the proxy holds.
func (s *System) ReloadProxyKeys() (int, error) {
	_, err := authcenter.ExportProxyKeys(s.store, s.proxyID, s.path(s.proxyID+".keys"),
		s.path("proxy-master.key"))
	if err != nil {
		return s.ring.Len(), err
	}
	return keystore.ReloadProxyKeyring(s.ring, s.path(s.proxyID+".keys"),
		s.path("proxy-master.key"), s.proxyID)
}

// ProxyAddr is where terminals send to reach the proxy.
func (s *System) ProxyAddr() *net.UDPAddr {
	return net.UDPAddrFromAddrPort(s.Proxy.Handler().Addr())
}

// SoftswitchAddr is where a terminal in direct mode sends.
func (s *System) SoftswitchAddr() *net.UDPAddr { return s.Softswitch.Addr() }

// H248ProxyAddr is where media gateways send to reach the proxy.
func (s *System) H248ProxyAddr() *net.UDPAddr {
	return net.UDPAddrFromAddrPort(s.Proxy.H248Addr())
}

// H248SoftswitchAddr is the softswitch's MGC, where a gateway in direct mode sends.
func (s *System) H248SoftswitchAddr() *net.UDPAddr { return s.Softswitch.H248Addr() }

// MGCPProxyAddr is where MGCP gateways send to reach the proxy (its call-agent
// port).
func (s *System) MGCPProxyAddr() *net.UDPAddr {
	return net.UDPAddrFromAddrPort(s.Proxy.MGCPGatewayAddr())
}

// MGCPProxyCallAgentSide is the proxy's socket facing the call agent: where the
// CA's commands for gateways go, and where the proxy's commands come from.
func (s *System) MGCPProxyCallAgentSide() *net.UDPAddr {
	return net.UDPAddrFromAddrPort(s.Proxy.MGCPCallAgentAddr())
}

// MGCPSoftswitchAddr is the softswitch's call agent, where an MGCP gateway in direct
// mode sends.
func (s *System) MGCPSoftswitchAddr() *net.UDPAddr { return s.Softswitch.MGCPAddr() }

// Kc returns a provisioned subscriber's key, nil for an unknown identity.
func (s *System) Kc(identity string) []byte { return s.kc[identity] }

// Password returns a subscriber's digest password, for SIP clients such as
// SIPp that take a password rather than Kc.
func (s *System) Password(identity string) (string, error) {
	return authcenter.SubscriberPassword(s.store, identity)
}

// Close stops every component, closes the store, clears the keys it holds and
// removes a temporary directory.
func (s *System) Close() error {
	var errs []error
	if s.Proxy != nil {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		errs = append(errs, s.Proxy.Stop(ctx))
		cancel()
	}
	if s.Softswitch != nil {
		errs = append(errs, s.Softswitch.Close())
	}
	if s.AC != nil {
		errs = append(errs, s.AC.Close())
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	for _, kc := range s.kc {
		clear(kc)
	}
	if s.tempDir {
		errs = append(errs, os.RemoveAll(s.Dir))
	}
	return errors.Join(errs...)
}
