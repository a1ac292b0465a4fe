package config

import (
	"errors"
	"flag"
	"strconv"
	"strings"
)

// flagKey ties a command-line flag to the file key it overrides.
type flagKey struct {
	flag, key string
	set       func(f *File, v string) error
}

// flagKeys is every flag ApplyFlags knows, in the file's order. The flag
// names are cmd/sigproxy's.
var flagKeys = []flagKey{
	{"proxy-id", "proxy_id", setString(func(f *File) *string { return &f.ProxyID })},
	{"listen", "listen", setString(func(f *File) *string { return &f.Listen })},
	{"advertise", "advertise", setString(func(f *File) *string { return &f.Advertise })},
	{"softswitch", "softswitch", setString(func(f *File) *string { return &f.Softswitch })},
	{"h248-listen", "h248_listen", setString(func(f *File) *string { return &f.H248Listen })},
	{"h248-softswitch", "h248_softswitch",
		setString(func(f *File) *string { return &f.H248Softswitch })},
	{"mgcp-listen-gateways", "mgcp_listen_gateways",
		setString(func(f *File) *string { return &f.MGCPListenGateways })},
	{"mgcp-listen-callagent", "mgcp_listen_callagent",
		setString(func(f *File) *string { return &f.MGCPListenCallAgent })},
	{"mgcp-callagent", "mgcp_callagent",
		setString(func(f *File) *string { return &f.MGCPCallAgent })},
	{"tcp-listen", "tcp_listen", setString(func(f *File) *string { return &f.TCPListen })},
	{"h248-tcp-listen", "h248_tcp_listen",
		setString(func(f *File) *string { return &f.H248TCPListen })},
	{"mechanisms", "mechanisms", setList(func(f *File) *[]string { return &f.Mechanisms })},
	{"keys", "keys.proxy_key_file",
		setString(func(f *File) *string { return &f.Keys.ProxyKeyFile })},
	{"master-key", "keys.master_key_file",
		setString(func(f *File) *string { return &f.Keys.MasterKeyFile })},
	{"pending-capacity", "limits.pending_capacity",
		setInt(func(f *File) *int { return &f.Limits.PendingCapacity })},
	{"pending-per-source", "limits.pending_per_source",
		setInt(func(f *File) *int { return &f.Limits.PendingPerSource })},
	{"session-capacity", "limits.session_capacity",
		setInt(func(f *File) *int { return &f.Limits.SessionCapacity })},
	{"h248-txn-capacity", "limits.h248_txn_capacity",
		setInt(func(f *File) *int { return &f.Limits.H248TxnCapacity })},
	{"mgcp-txn-capacity", "limits.mgcp_txn_capacity",
		setInt(func(f *File) *int { return &f.Limits.MGCPTxnCapacity })},
	{"max-tcp-conns", "limits.max_tcp_conns",
		setInt(func(f *File) *int { return &f.Limits.MaxTCPConns })},
	{"max-tcp-buffered", "limits.max_tcp_buffered",
		setInt(func(f *File) *int { return &f.Limits.MaxTCPBuffered })},
	{"tcp-idle-timeout", "limits.tcp_idle_timeout",
		setString(func(f *File) *string { return &f.Limits.TCPIdleTimeout })},
	{"pending-ttl", "limits.pending_ttl",
		setString(func(f *File) *string { return &f.Limits.PendingTTL })},
	{"socket-buffer", "limits.socket_buffer",
		setInt(func(f *File) *int { return &f.Limits.SocketBuffer })},
	{"loops", "limits.event_loops", setInt(func(f *File) *int { return &f.Limits.EventLoops })},
	{"log-level", "log.level", setString(func(f *File) *string { return &f.Log.Level })},
	{"log-format", "log.format", setString(func(f *File) *string { return &f.Log.Format })},
	{"stats-interval", "log.stats_interval",
		setString(func(f *File) *string { return &f.Log.StatsInterval })},
	{"admin-listen", "admin.listen", setString(func(f *File) *string { return &f.Admin.Listen })},
	{"pprof", "admin.pprof", setBool(func(f *File) *bool { return &f.Admin.Pprof })},
	{"refuse-legacy", "refuse_legacy", setBool(func(f *File) *bool { return &f.RefuseLegacy })},
}

// errWantInt and errWantBool say what a flag's text should have been;
// flag.FlagSet has normally caught such text already.
var (
	errWantInt  = errors.New("a whole number")
	errWantBool = errors.New("true or false")
)

// ApplyFlags overrides f's keys with the flags that were set on the command
// line (fs.Visit: flags left at their defaults change nothing), then
// validates the result; errors name both the key and the flag. Flags that no
// key corresponds to (-config, say) are ignored. The flag names are those of
// FlagKeys.
func (f *File) ApplyFlags(fs *flag.FlagSet) error {
	var errs []error
	fs.Visit(func(fl *flag.Flag) {
		for _, fk := range flagKeys {
			if fk.flag != fl.Name {
				continue
			}
			if f.from == nil {
				f.from = make(map[string]string)
			}
			f.from[fk.key] = fk.flag
			if err := fk.set(f, fl.Value.String()); err != nil {
				c := checker{from: f.from}
				c.bad(fk.key, err.Error(), quote(fl.Value.String()))
				errs = append(errs, c.errs...)
			}
			return
		}
	})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	_, err := f.Settings()
	return err
}

// FlagKeys returns the flag name to file key mapping ApplyFlags uses, for
// usage texts and documentation.
func FlagKeys() map[string]string {
	m := make(map[string]string, len(flagKeys))
	for _, fk := range flagKeys {
		m[fk.flag] = fk.key
	}
	return m
}

// setParsed returns a setter that parses a flag's text with parse and stores
// the result in field; text parse rejects gives want, the expected form.
func setParsed[T any](field func(*File) *T, parse func(string) (T, error),
	want error) func(*File, string) error {
	return func(f *File, v string) error {
		x, err := parse(v)
		if err != nil {
			return want
		}
		*field(f) = x
		return nil
	}
}

func setString(field func(*File) *string) func(*File, string) error {
	return setParsed(field, func(v string) (string, error) { return v, nil }, nil)
}

func setInt(field func(*File) *int) func(*File, string) error {
	return setParsed(field, strconv.Atoi, errWantInt)
}

func setBool(field func(*File) *bool) func(*File, string) error {
	return setParsed(field, strconv.ParseBool, errWantBool)
}

// setList reads a comma-separated flag value, as -mechanisms takes it.
func setList(field func(*File) *[]string) func(*File, string) error {
	return setParsed(field, splitList, nil)
}

func splitList(v string) ([]string, error) {
	var list []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	return list, nil
}
