package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/proxy"
)

func TestParseGood(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		check func(t *testing.T, s Settings)
	}{
		{"empty file keeps the defaults", "", func(t *testing.T, s Settings) {
			p := s.Proxy
			if p.ProxyID != "sp1" || p.Listen != netip.MustParseAddrPort("127.0.0.1:5060") ||
				p.PendingCapacity != proxy.DefaultPendingCapacity ||
				p.PendingTTL != proxy.DefaultPendingTTL || p.EventLoops != 1 ||
				s.StatsInterval != time.Minute || s.AdminListen.IsValid() || s.Pprof ||
				p.H248Listen != netip.MustParseAddrPort("127.0.0.1:2944") ||
				p.H248TxnCapacity != proxy.DefaultH248TxnCapacity {
				t.Errorf("defaults: %+v", s)
			}
		}},
		{"wildcard listen with advertise, IPv6 softswitch", `
listen = "0.0.0.0:5060"
advertise = "203.0.113.7:5060"
softswitch = "[2001:db8::5]:5070"`, func(t *testing.T, s Settings) {
			if !s.Proxy.Listen.Addr().IsUnspecified() ||
				s.Proxy.Advertise != netip.MustParseAddrPort("203.0.113.7:5060") ||
				s.Proxy.Softswitch != netip.MustParseAddrPort("[2001:db8::5]:5070") {
				t.Errorf("addresses: %+v", s.Proxy)
			}
		}},
		{"mechanisms keep their order, names case-insensitive", `
mechanisms = ["ASCON128A-V12", "hmac-sha256"]`, func(t *testing.T, s Settings) {
			m := s.Proxy.Mechanisms
			if len(m) != 2 || m[0] != skd.MechAscon128aV12 || m[1] != skd.MechHMACSHA256 {
				t.Errorf("mechanisms: %v", m)
			}
		}},
		{"limits at their upper bounds", `
[limits]
pending_capacity = 10000000
pending_per_source = 10000000
session_capacity = 10000000
pending_ttl = "1h"
socket_buffer = 1073741824
event_loops = 256`, func(t *testing.T, s Settings) {
			p := s.Proxy
			if p.PendingCapacity != 10_000_000 || p.PendingPerSource != 10_000_000 ||
				p.PendingTTL != time.Hour || p.SocketBuffer != 1<<30 || p.EventLoops != 256 {
				t.Errorf("limits: %+v", p)
			}
		}},
		{"h248 off leaves its softswitch unused", `
h248_listen = ""
h248_softswitch = ""`, func(t *testing.T, s Settings) {
			if s.Proxy.H248Listen.IsValid() || s.Proxy.H248Softswitch.IsValid() {
				t.Errorf("h248 on: %+v", s.Proxy)
			}
		}},
		{"stream transports", `
tcp_listen = "127.0.0.1:5060"
h248_tcp_listen = "127.0.0.1:2944"
[limits]
max_tcp_conns = 20
max_tcp_buffered = 4096
tcp_idle_timeout = "30s"`, func(t *testing.T, s Settings) {
			p := s.Proxy
			if p.TCPListen.String() != "127.0.0.1:5060" || p.H248TCPListen.Port() != 2944 ||
				p.MaxTCPConns != 20 || p.MaxTCPBuffered != 4096 ||
				p.TCPIdleTimeout != 30*time.Second {
				t.Errorf("tcp settings: %+v", p)
			}
		}},
		{"legacy senders refused", `refuse_legacy = true`, func(t *testing.T, s Settings) {
			if !s.Proxy.RefuseLegacy {
				t.Error("refuse_legacy = true did not reach proxy.Config")
			}
		}},
		{"short listen forms", `
listen = ":5060"
advertise = "192.0.2.1:5060"
h248_listen = ":2944"`, func(t *testing.T, s Settings) {
			if s.Proxy.Listen.String() != "0.0.0.0:5060" ||
				s.Proxy.H248Listen.String() != "0.0.0.0:2944" {
				t.Errorf("listen: %v, h248: %v", s.Proxy.Listen, s.Proxy.H248Listen)
			}
		}},
		{"h248, console logs, stats off, pprof on loopback", `
h248_listen = "[::]:2944"
h248_softswitch = "192.0.2.9:2944"
[limits]
h248_txn_capacity = 8
[log]
level = "debug"
format = "console"
stats_interval = "0s"
[admin]
listen = "[::1]:9464"
pprof = true`, func(t *testing.T, s Settings) {
			if s.Proxy.H248Listen.Port() != 2944 || s.Proxy.H248Softswitch.Port() != 2944 ||
				s.Proxy.H248TxnCapacity != 8 ||
				s.LogLevel.String() != "debug" || s.LogFormat != "console" ||
				s.StatsInterval != 0 || !s.Pprof || s.AdminListen.Port() != 9464 {
				t.Errorf("settings: %+v", s)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			s, err := f.Settings()
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		name, file string
		want       error
		msg        string // a line the error must contain
	}{
		{"typo in a top-level key", `listne = "127.0.0.1:5060"`,
			ErrUnknownKey, `config: unknown key "listne"`},
		{"typo in a limit", "[limits]\npending_capacty = 5",
			ErrUnknownKey, `config: unknown key "limits.pending_capacty"`},
		{"unknown table", "[tls]\ncert = \"x\"", ErrUnknownKey, `unknown key "tls.cert"`},
		{"not TOML", "listen = ", ErrSyntax, "config: invalid TOML: toml: line 1"},
		{"number given as text", "[limits]\nevent_loops = \"4\"", ErrInvalidValue,
			`last key "limits.event_loops"`},
		{"duration given as a number", "[limits]\npending_ttl = 90", ErrInvalidValue,
			`last key "limits.pending_ttl"`},
		{"zero pending capacity", "[limits]\npending_capacity = 0", ErrInvalidValue,
			"config: limits.pending_capacity: must be 1..10000000, got 0"},
		{"per-source share above capacity",
			"[limits]\npending_capacity = 100\npending_per_source = 101", ErrInvalidValue,
			"config: limits.pending_per_source: must be 1..100, got 101"},
		{"session capacity too large", "[limits]\nsession_capacity = 10000001",
			ErrInvalidValue, "limits.session_capacity: must be 1..10000000, got 10000001"},
		{"ttl without a unit", "[limits]\npending_ttl = \"90\"", ErrInvalidValue,
			`limits.pending_ttl: must be a duration 1s..1h0m0s like "90s", got "90"`},
		{"ttl too long", "[limits]\npending_ttl = \"2h\"", ErrInvalidValue,
			`limits.pending_ttl: must be a duration 1s..1h0m0s`},
		{"socket buffer too small", "[limits]\nsocket_buffer = 1024", ErrInvalidValue,
			"limits.socket_buffer: must be 65536..1073741824, got 1024"},
		{"no event loop", "[limits]\nevent_loops = 0", ErrInvalidValue,
			"limits.event_loops: must be 1..256, got 0"},
		{"host name instead of an address", `listen = "localhost:5060"`, ErrInvalidValue,
			`config: listen: must be an IP address and port like 192.0.2.1:5060 or ` +
				`[2001:db8::1]:5060 (":5060" is 0.0.0.0:5060), got "localhost:5060"`},
		{"short form for a peer", `softswitch = ":5070"`, ErrInvalidValue,
			`softswitch: must be an IP address and port like 192.0.2.1:5060 or ` +
				`[2001:db8::1]:5060, got ":5070"`},
		{"wildcard softswitch", `softswitch = "0.0.0.0:5070"`, ErrInvalidValue,
			`softswitch: must be an IP address and port like 192.0.2.1:5060 or ` +
				`[2001:db8::1]:5060, not a wildcard address, got "0.0.0.0:5070"`},
		{"softswitch port 0", `softswitch = "192.0.2.1:0"`, ErrInvalidValue,
			`softswitch: must be an IP address and port like 192.0.2.1:5060 or ` +
				`[2001:db8::1]:5060, with a port 1..65535, got "192.0.2.1:0"`},
		{"empty softswitch", `softswitch = ""`, ErrInvalidValue, `softswitch: must be`},
		{"wildcard listen without advertise", `listen = "[::]:5060"`, ErrInvalidValue,
			`config: advertise: must be set when listen is a wildcard address`},
		{"h248 listen without softswitch", `h248_softswitch = ""`, ErrInvalidValue,
			`h248_softswitch: must be set when h248_listen is set (empty h248_listen: ` +
				`H.248 off), got ""`},
		{"h248 off, softswitch malformed", "h248_listen = \"\"\nh248_softswitch = \"x\"",
			ErrInvalidValue, `h248_softswitch: must be an IP address`},
		{"h248 on the SIP address", `h248_listen = "127.0.0.1:5060"`, ErrInvalidValue,
			`h248_listen: must be an address other than listen's, got "127.0.0.1:5060"`},
		{"h248 over tcp without its udp side", "h248_listen = \"\"\n" +
			"h248_tcp_listen = \"127.0.0.1:2944\"", ErrInvalidValue,
			"h248_tcp_listen: must be empty while h248_listen is empty"},
		{"both tcp listeners on one address",
			"tcp_listen = \"127.0.0.1:6000\"\nh248_tcp_listen = \"127.0.0.1:6000\"",
			ErrInvalidValue, "h248_tcp_listen: must be an address other than tcp_listen's"},
		{"tcp buffer below one message", "[limits]\nmax_tcp_buffered = 100",
			ErrInvalidValue, "limits.max_tcp_buffered: must be 4096..16777216, got 100"},
		{"no tcp connection", "[limits]\nmax_tcp_conns = 0",
			ErrInvalidValue, "limits.max_tcp_conns: must be 1..1000000, got 0"},
		{"h248 transaction table too small", "[limits]\nh248_txn_capacity = 7",
			ErrInvalidValue, "limits.h248_txn_capacity: must be 8..10000000, got 7"},
		{"no mechanism", `mechanisms = []`, ErrInvalidValue,
			"mechanisms: must be 1..8 distinct names from hmac-sha256, ascon128a-v12, " +
				"got 0 names"},
		{"unknown mechanism", `mechanisms = ["md5"]`, ErrInvalidValue,
			`mechanisms: must be 1..8 distinct names from hmac-sha256, ascon128a-v12, ` +
				`got "md5"`},
		{"mechanism twice", `mechanisms = ["hmac-sha256", "HMAC-SHA256"]`, ErrInvalidValue,
			`got "HMAC-SHA256"`},
		{"empty proxy id", `proxy_id = ""`, ErrInvalidValue,
			`proxy_id: must be 1..64 characters from A-Z a-z 0-9 - _ . ! ~, got ""`},
		{"proxy id with a space", `proxy_id = "sp 1"`, ErrInvalidValue, `got "sp 1"`},
		{"proxy id too long", `proxy_id = "` + strings.Repeat("a", 65) + `"`,
			ErrInvalidValue, "proxy_id: must be 1..64"},
		{"empty key file", "[keys]\nproxy_key_file = \"\"", ErrInvalidValue,
			`keys.proxy_key_file: must be a file path of 1..4096 bytes, got ""`},
		{"unknown log level", "[log]\nlevel = \"trace\"", ErrInvalidValue,
			`log.level: must be one of debug, info, warn, error, got "trace"`},
		{"unknown log format", "[log]\nformat = \"xml\"", ErrInvalidValue,
			`log.format: must be one of json, console, got "xml"`},
		{"stats interval too short", "[log]\nstats_interval = \"500ms\"", ErrInvalidValue,
			`log.stats_interval: must be a duration 1s..24h0m0s like "90s", or "0s", ` +
				`got "500ms"`},
		{"bad admin address", "[admin]\nlisten = \"9464\"", ErrInvalidValue,
			`admin.listen: must be an IP address and port`},
		{"pprof without admin server", "[admin]\npprof = true", ErrInvalidValue,
			"admin.pprof: must be false unless admin.listen is a loopback address, got true"},
		{"pprof on every interface", "[admin]\nlisten = \"0.0.0.0:9464\"\npprof = true",
			ErrInvalidValue, "admin.pprof: must be false unless admin.listen is a loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.file))
			if !errors.Is(err, tt.want) || f != nil {
				t.Fatalf("Parse = %v, %v; want %v", f, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error\n%v\ndoes not contain\n%s", err, tt.msg)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte("[limits]\nevent_loops = 0\nsession_capacity = -1\n" +
		"[log]\nformat = \"xml\"\n"))
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 error lines, got %q", lines)
	}
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Key != "limits.session_capacity" || ve.Got != "-1" {
		t.Errorf("first ValueError: %+v", ve)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sigproxy.toml")
	writeFile(t, path, "[keys]\nproxy_key_file = \"keys/sp1.keys\"\n"+
		"master_key_file = \"/etc/sigproxy/master.key\"\n")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "keys/sp1.keys"); f.Keys.ProxyKeyFile != want {
		t.Errorf("relative key path: got %q, want %q", f.Keys.ProxyKeyFile, want)
	}
	if f.Keys.MasterKeyFile != "/etc/sigproxy/master.key" {
		t.Errorf("absolute key path changed: %q", f.Keys.MasterKeyFile)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.toml")
	writeFile(t, big, "# "+strings.Repeat("x", MaxFileSize)+"\n")
	if _, err := Load(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("large file: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
