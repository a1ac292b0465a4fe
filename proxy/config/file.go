package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/sigproxy/sigproxy/proxy"
)

// MaxFileSize bounds the configuration file read by Load; a real file is a
// few kilobytes, so anything near this is a wrong path (a log, a core dump).
const MaxFileSize = 1 << 20

// File is the configuration file's shape, one field per key. Addresses and
// durations are kept as the text the operator wrote, so that errors can quote
// it; [File.Settings] turns them into typed, validated values.
type File struct {
	ProxyID        string `toml:"proxy_id"`
	Listen         string `toml:"listen"`
	Advertise      string `toml:"advertise"`
	Softswitch     string `toml:"softswitch"`
	H248Listen     string `toml:"h248_listen"`
	H248Softswitch string `toml:"h248_softswitch"`
	// MGCP's sockets: where gateways send, where the call agent sends, and
	// the call agent's address (PROTOCOL.md §12).
	MGCPListenGateways  string `toml:"mgcp_listen_gateways"`
	MGCPListenCallAgent string `toml:"mgcp_listen_callagent"`
	MGCPCallAgent       string `toml:"mgcp_callagent"`
	// Stream transports (PROTOCOL.md §9, Transports): SIP over TCP, and
	// H.248 over TCP with TPKT framing; empty means off.
	TCPListen     string   `toml:"tcp_listen"`
	H248TCPListen string   `toml:"h248_tcp_listen"`
	Mechanisms    []string `toml:"mechanisms"`
	// RefuseLegacy refuses requests from senders with no live session
	// (PROTOCOL.md §13.2) instead of relaying them.
	RefuseLegacy bool   `toml:"refuse_legacy"`
	Keys         Keys   `toml:"keys"`
	Limits       Limits `toml:"limits"`
	Log          Log    `toml:"log"`
	Admin        Admin  `toml:"admin"`

	// from names the flag that last set a key, so errors point at the flag.
	from map[string]string
}

// Keys is the [keys] table: where the proxy's sealed key file and the master
// key that seals it are. The configuration never holds key material itself.
type Keys struct {
	ProxyKeyFile  string `toml:"proxy_key_file"`
	MasterKeyFile string `toml:"master_key_file"`
}

// Limits is the [limits] table; see the proxy.Default constants for what each
// bounds.
type Limits struct {
	PendingCapacity  int    `toml:"pending_capacity"`
	PendingPerSource int    `toml:"pending_per_source"`
	SessionCapacity  int    `toml:"session_capacity"`
	H248TxnCapacity  int    `toml:"h248_txn_capacity"`
	MGCPTxnCapacity  int    `toml:"mgcp_txn_capacity"`
	MaxTCPConns      int    `toml:"max_tcp_conns"`
	MaxTCPBuffered   int    `toml:"max_tcp_buffered"`
	TCPIdleTimeout   string `toml:"tcp_idle_timeout"`
	PendingTTL       string `toml:"pending_ttl"`
	SocketBuffer     int    `toml:"socket_buffer"`
	EventLoops       int    `toml:"event_loops"`
}

// Log is the [log] table.
type Log struct {
	Level         string `toml:"level"`
	Format        string `toml:"format"`
	StatsInterval string `toml:"stats_interval"`
}

// Admin is the [admin] table: the HTTP server for metrics, health and pprof.
type Admin struct {
	Listen string `toml:"listen"`
	Pprof  bool   `toml:"pprof"`
}

// Default returns the built-in configuration: the values sigproxy's flags
// have always defaulted to. Load starts from it, so a key left out of a file
// keeps this value.
func Default() *File {
	return &File{
		ProxyID:        "sp1",
		Listen:         "127.0.0.1:5060",
		Softswitch:     "127.0.0.1:5070",
		H248Listen:     "127.0.0.1:2944",
		H248Softswitch: "127.0.0.1:2945",
		// Gateways send to the call agent's customary 2727, held by the
		// proxy; the call agent sends to the gateways' customary 2427.
		MGCPListenGateways:  "127.0.0.1:2727",
		MGCPListenCallAgent: "127.0.0.1:2427",
		MGCPCallAgent:       "127.0.0.1:2728",
		Mechanisms:          []string{"hmac-sha256", "ascon128a-v12"},
		Keys:                Keys{ProxyKeyFile: "sp1.keys", MasterKeyFile: "proxy-master.key"},
		Limits: Limits{
			PendingCapacity:  proxy.DefaultPendingCapacity,
			PendingPerSource: proxy.DefaultPendingPerSource,
			SessionCapacity:  proxy.DefaultSessionCapacity,
			H248TxnCapacity:  proxy.DefaultH248TxnCapacity,
			MGCPTxnCapacity:  proxy.DefaultMGCPTxnCapacity,
			MaxTCPConns:      proxy.DefaultMaxTCPConns,
			MaxTCPBuffered:   proxy.DefaultMaxTCPBuffered,
			TCPIdleTimeout:   proxy.DefaultTCPIdleTimeout.String(),
			PendingTTL:       proxy.DefaultPendingTTL.String(),
			SocketBuffer:     proxy.DefaultSocketBuffer,
			EventLoops:       1,
		},
		Log: Log{Level: "info", Format: "json", StatsInterval: time.Minute.String()},
	}
}

// Load reads and validates the file at path. Relative key file paths in it
// are taken relative to the file's directory, so the file works whatever the
// process's working directory is.
func Load(path string) (*File, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	f.Keys.ProxyKeyFile = relativeTo(dir, f.Keys.ProxyKeyFile)
	f.Keys.MasterKeyFile = relativeTo(dir, f.Keys.MasterKeyFile)
	return f, nil
}

// readLimited reads at most MaxFileSize bytes of path.
func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, path, MaxFileSize)
	}
	return data, nil
}

// relativeTo joins a relative path p to dir; an empty or absolute p is kept.
func relativeTo(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// Parse decodes and validates a configuration from TOML text, starting from
// Default. Every unknown key and every invalid value is reported, joined into
// one error.
func Parse(data []byte) (*File, error) {
	f := Default()
	md, err := toml.Decode(string(data), f)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
		}
		// Otherwise a type mismatch (a number given as a string): toml's
		// message names the line and the key.
		return nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	var errs []error
	for _, k := range md.Undecoded() {
		errs = append(errs, &UnknownKeyError{Key: k.String()})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if _, err := f.Settings(); err != nil {
		return nil, err
	}
	return f, nil
}

// quote renders a text value for an error message.
func quote(s string) string { return strconv.Quote(s) }
