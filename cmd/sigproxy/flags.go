package main

import (
	"flag"
	"io"
	"strings"
	"time"

	"github.com/sigproxy/sigproxy/proxy/config"
)

// DefaultDrainTimeout bounds how long a stopping proxy waits for the
// registrations in progress: a registration takes two round trips.
const DefaultDrainTimeout = 10 * time.Second

// commandLine is what the command line asked for.
type commandLine struct {
	fs         *flag.FlagSet
	configPath string
	check      bool
	drain      time.Duration
}

// parseCommandLine reads the flags. Every flag but -config, -check-config and
// -drain-timeout stands for a key of the configuration file and shows the
// built-in default; only flags given on the command line override the file.
func parseCommandLine(args []string, stderr io.Writer) (*commandLine, error) {
	cl := &commandLine{fs: flag.NewFlagSet("sigproxy", flag.ContinueOnError)}
	fs := cl.fs
	fs.SetOutput(stderr)
	fs.StringVar(&cl.configPath, "config", "", "TOML configuration file (docs/sigproxy.example.toml)")
	fs.BoolVar(&cl.check, "check-config", false,
		"validate the configuration and the key files, print a summary and exit")
	fs.DurationVar(&cl.drain, "drain-timeout", DefaultDrainTimeout,
		"on SIGTERM, how long registrations in progress may finish (0: stop at once)")
	defineFileFlags(fs, config.Default())
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return cl, nil
}

// defineFileFlags defines one flag per configuration key, showing d's values.
func defineFileFlags(fs *flag.FlagSet, d *config.File) {
	str := func(name, def, usage string) { fs.String(name, def, usage) }
	num := func(name string, def int, usage string) { fs.Int(name, def, usage) }
	str("proxy-id", d.ProxyID, "name the authentication center knows this proxy by")
	str("listen", d.Listen, "UDP address for SIP terminals and the softswitch")
	str("advertise", d.Advertise, "address written into Via and Path (default: the bound address)")
	str("softswitch", d.Softswitch, "softswitch SIP UDP address")
	str("h248-listen", d.H248Listen, "UDP address for H.248 media gateways (empty: H.248 off)")
	str("h248-softswitch", d.H248Softswitch, "H.248 media gateway controller UDP address")
	str("mgcp-listen-gateways", d.MGCPListenGateways,
		"UDP address MGCP gateways send to, as to their call agent (empty: MGCP off)")
	str("mgcp-listen-callagent", d.MGCPListenCallAgent,
		"UDP address the MGCP call agent sends gateway commands to")
	str("mgcp-callagent", d.MGCPCallAgent, "MGCP call agent UDP address")
	str("tcp-listen", d.TCPListen, "TCP address for SIP terminals (empty: SIP over TCP off)")
	str("h248-tcp-listen", d.H248TCPListen,
		"TCP address for H.248 gateways in TPKT framing (empty: off)")
	str("mechanisms", strings.Join(d.Mechanisms, ","), "supported mechanisms, in advertised order")
	str("keys", d.Keys.ProxyKeyFile, "sealed proxy key file (authcenter export-proxy-key)")
	str("master-key", d.Keys.MasterKeyFile, "master key file that seals the key file")
	num("pending-capacity", d.Limits.PendingCapacity, "registrations in progress the proxy keeps")
	num("pending-per-source", d.Limits.PendingPerSource,
		"registrations in progress one source address may have")
	num("session-capacity", d.Limits.SessionCapacity,
		"live session keys (registered terminals); preallocated, about 330 bytes each")
	num("h248-txn-capacity", d.Limits.H248TxnCapacity, "open H.248 gateway transactions")
	num("mgcp-txn-capacity", d.Limits.MGCPTxnCapacity, "open MGCP gateway transactions")
	num("max-tcp-conns", d.Limits.MaxTCPConns, "open TCP connections, SIP and H.248")
	num("max-tcp-buffered", d.Limits.MaxTCPBuffered,
		"bytes one TCP connection may hold; also the largest message over TCP")
	str("tcp-idle-timeout", d.Limits.TCPIdleTimeout, "close a TCP connection idle this long")
	str("pending-ttl", d.Limits.PendingTTL, "how long an unfinished registration is kept")
	num("socket-buffer", d.Limits.SocketBuffer,
		"UDP socket buffer in bytes (capped by net.core.rmem_max)")
	num("loops", d.Limits.EventLoops, "number of event loops (SO_REUSEPORT sockets)")
	str("log-level", d.Log.Level, "debug, info, warn or error")
	str("log-format", d.Log.Format, "json (sampled under floods) or console")
	str("stats-interval", d.Log.StatsInterval, "how often the counters are logged (0: only at exit)")
	str("admin-listen", d.Admin.Listen,
		"admin HTTP address: /metrics, /healthz, /readyz, POST /-/reload (empty: off)")
	fs.Bool("pprof", d.Admin.Pprof, "serve /debug/pprof/ on the admin address (loopback only)")
	fs.Bool("refuse-legacy", d.RefuseLegacy,
		"refuse requests from senders with no live session instead of relaying them")
}

// settings loads the file (or the defaults), applies the flags given, and
// validates the result.
func (cl *commandLine) settings() (config.Settings, error) {
	f := config.Default()
	if cl.configPath != "" {
		var err error
		if f, err = config.Load(cl.configPath); err != nil {
			return config.Settings{}, err
		}
	}
	if err := f.ApplyFlags(cl.fs); err != nil {
		return config.Settings{}, err
	}
	return f.Settings()
}
