package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// Limits on the flags. Each keeps one run within what a 2-core loopback test can
// hold in memory and time.
const (
	// MaxTerminals bounds --terminals: a million terminals hold about 1 GiB of
	// state here and far more in the proxy and softswitch.
	MaxTerminals = 1_000_000
	// maxSockets bounds --sockets: one goroutine and 8 MiB of kernel buffers each.
	maxSockets = 256
	// maxMixWeight bounds one weight of --mix, so the assignment cycle stays short.
	maxMixWeight = 100
	// maxDuration bounds --duration: a day.
	maxDuration = 24 * time.Hour
	// maxRate bounds --rate: far beyond what loopback on this class of machine does.
	maxRate = 1_000_000
)

// Run modes.
const (
	modeClosed = "closed-loop"
	modeOpen   = "open-loop"
)

// plainMix names a terminal that offers no mechanism (digest-only registration).
const plainMix = "plain"

// Protocols sigbench drives.
const (
	protoSIP  = "sip"
	protoH248 = "h248"
	protoMGCP = "mgcp"
	protoBoth = "both" // SIP and H.248 at once, each with its own terminals
	protoAll  = "all"  // SIP, H.248 and MGCP at once
)

// maxGateways bounds -terminals with -protocol h248: each gateway owns a socket
// (the proxy keeps a registration by the gateway's address and port), so one
// file descriptor and one reading goroutine each.
const maxGateways = 8192

// ErrProtocol reports a protocol sigbench does not drive.
var ErrProtocol = errors.New("protocol not supported (sip, h248, mgcp, both, all)")

// options are the parsed flags.
type options struct {
	proxy, kcFile, realm string
	terminals            int
	concurrency          int
	rate                 float64
	duration             time.Duration
	count                int64
	protocol             string
	mix                  []mixEntry
	mixText              string
	digest               []string
	sockets              int
	localIPs             []netip.Addr
	timeout              time.Duration
	t1                   time.Duration
	loops                int
	interval             time.Duration
	jsonPath, plotPath   string
	progress             string
	pids                 []watched
	freshCallID          bool
	offset               int
	localPort            int
	after                int
}

// mixEntry is one kind of terminal and its share of the terminals.
type mixEntry struct {
	name   string
	offer  []string // nil for plain
	weight int
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("sigbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.proxy, "proxy", "", "sigproxy address of a running system "+
		"(default: start AC, softswitch and proxy in-process)")
	fs.StringVar(&o.kcFile, "kc-file", "", "terminal keys (authcenter --export-terminal-keys); "+
		"needed with -proxy")
	fs.StringVar(&o.realm, "realm", "sigproxy.test", "registrar domain")
	fs.IntVar(&o.terminals, "terminals", 100, "distinct terminals (identities)")
	fs.IntVar(&o.concurrency, "concurrency", 0, "closed loop: registrations in flight "+
		"(default: min(terminals, 32) when -rate is 0)")
	fs.Float64Var(&o.rate, "rate", 0, "open loop: registrations started per second")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to start registrations")
	fs.Int64Var(&o.count, "count", 0, "stop after this many registrations (0: duration only)")
	fs.StringVar(&o.protocol, "protocol", protoSIP, "signaling protocol: sip (REGISTER), "+
		"h248 (media gateways: ServiceChange, Notify; one socket per gateway), mgcp "+
		"(gateways: RSIP, NTFY; one socket each), both (sip and h248) or all three "+
		"(in-process only; -terminals, -concurrency, -rate and -count apply to each)")
	fs.StringVar(&o.mixText, "mix", "hmac-sha256=1", "terminal kinds and weights: "+
		"hmac-sha256, ascon128a-v12 or plain, e.g. hmac-sha256=3,ascon128a-v12=1,plain=1")
	digest := fs.String("digest", "SHA-256,MD5", "digest algorithms in order of preference")
	fs.IntVar(&o.sockets, "sockets", 8, "UDP sockets the terminals share (sip; h248 "+
		"and mgcp open one per gateway)")
	ips := fs.String("local-ips", "auto", "loopback addresses the sockets bind, in turn "+
		"(auto: 127.0.0.1, 127.0.0.2, ... one per socket)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "one registration's time limit")
	fs.DurationVar(&o.t1, "t1", defaultT1, "first retransmission interval (RFC 3261 T1; "+
		"H.248 transactions use the same schedule)")
	fs.IntVar(&o.loops, "loops", 1, "in-process proxy: event loops")
	fs.DurationVar(&o.interval, "interval", time.Second, "latency-over-time interval")
	fs.StringVar(&o.jsonPath, "json", "", "write the summary as JSON to this file (- for stdout)")
	fs.StringVar(&o.plotPath, "plot", "", "write latency charts to this .svg or .png file")
	fs.StringVar(&o.progress, "progress", "auto", "progress bar: auto (on a terminal), always, never")
	fs.BoolVar(&o.freshCallID, "fresh-call-id", false, "sip: a new Call-ID for every "+
		"registration (for a SIPp registrar, which ignores a finished call's Call-ID)")
	fs.IntVar(&o.offset, "offset", 0, "with -kc-file: skip this many subscribers first")
	fs.IntVar(&o.localPort, "local-port", 0, "first port of the sockets (0: any); with a "+
		"fixed port a subscriber keeps its Contact across runs")
	fs.IntVar(&o.after, "after", 0, "worded transactions after each secured registration "+
		"(PROTOCOL.md §13): sip OPTIONS, h248 Notify, mgcp NTFY; plain terminals send none")
	pids := fs.String("pid", "", "processes to measure, name=pid[,name=pid] (e.g. sigproxy=1234)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.mix, err = parseMix(o.mixText); err != nil {
		return nil, err
	}
	if o.localIPs, err = parseIPs(*ips); err != nil {
		return nil, err
	}
	if o.pids, err = parsePIDs(*pids); err != nil {
		return nil, err
	}
	o.digest = splitList(*digest)
	return o, o.check()
}

// check validates the flags' values and fills in the closed-loop default.
func (o *options) check() error {
	switch {
	case !slices.Contains([]string{protoSIP, protoH248, protoMGCP, protoBoth, protoAll},
		o.protocol):
		return fmt.Errorf("-protocol %q: %w", o.protocol, ErrProtocol)
	case o.protocol != protoSIP && o.terminals > maxGateways:
		return fmt.Errorf("-protocol %s: -terminals must be 1 to %d (a socket per gateway)",
			o.protocol, maxGateways)
	case len(o.protocols()) > 1 && o.proxy != "":
		return fmt.Errorf("-protocol %s runs against the in-process system only", o.protocol)
	case o.terminals < 1 || o.terminals > MaxTerminals:
		return fmt.Errorf("-terminals must be 1 to %d", MaxTerminals)
	case o.rate < 0 || o.rate > maxRate:
		return fmt.Errorf("-rate must be 0 to %d", maxRate)
	case o.rate > 0 && o.concurrency > 0:
		return errors.New("-rate (open loop) and -concurrency (closed loop) exclude each other")
	case o.concurrency < 0 || o.concurrency > o.terminals:
		return errors.New("-concurrency must be 0 to -terminals")
	case o.duration <= 0 || o.duration > maxDuration:
		return fmt.Errorf("-duration must be positive and at most %s", maxDuration)
	case o.count < 0:
		return errors.New("-count must not be negative")
	case o.sockets < 1 || o.sockets > maxSockets:
		return fmt.Errorf("-sockets must be 1 to %d", maxSockets)
	case o.timeout <= 0 || o.interval <= 0 || o.t1 <= 0:
		return errors.New("-timeout, -t1 and -interval must be positive")
	case o.proxy != "" && o.kcFile == "":
		return errors.New("-proxy needs -kc-file with the terminals' keys")
	case o.offset < 0 || o.offset > MaxTerminals:
		return fmt.Errorf("-offset must be 0 to %d", MaxTerminals)
	case o.localPort < 0 || o.localPort+o.socketCount() > 65535:
		return errors.New("-local-port must leave room for every socket's port below 65536")
	case o.after < 0 || o.after > maxAfter:
		return fmt.Errorf("-after must be 0 to %d", maxAfter)
	case o.loops < 1:
		return errors.New("-loops must be at least 1")
	case o.progress != "auto" && o.progress != "always" && o.progress != "never":
		return errors.New("-progress is auto, always or never")
	}
	for _, d := range o.digest {
		if !strings.EqualFold(d, skd.DigestSHA256) && !strings.EqualFold(d, skd.DigestMD5) {
			return fmt.Errorf("-digest: %q unsupported (SHA-256, MD5)", d)
		}
	}
	if len(o.digest) == 0 {
		return errors.New("-digest names no algorithm")
	}
	if o.rate == 0 && o.concurrency == 0 {
		o.concurrency = min(o.terminals, 32)
	}
	o.sockets = min(o.sockets, o.terminals)
	return nil
}

// protocols lists the protocols of the run, SIP first.
func (o *options) protocols() []string {
	switch o.protocol {
	case protoBoth:
		return []string{protoSIP, protoH248}
	case protoAll:
		return []string{protoSIP, protoH248, protoMGCP}
	}
	return []string{o.protocol}
}

// socketCount is how many sockets the run opens: -sockets for SIP, one per
// gateway for H.248 and MGCP.
func (o *options) socketCount() int {
	n := 0
	for _, p := range o.protocols() {
		n += o.socketsOf(p)
	}
	return n
}

// socketsOf is how many sockets the terminals of protocol p open.
func (o *options) socketsOf(p string) int {
	if p == protoSIP {
		return min(o.sockets, o.terminals)
	}
	return o.terminals
}

// firstPort is the first port of protocol p's sockets with -local-port: after the
// sockets of the protocols before it in the run.
func (o *options) firstPort(p string) int {
	if o.localPort == 0 {
		return 0
	}
	port := o.localPort
	for _, q := range o.protocols() {
		if q == p {
			break
		}
		port += o.socketsOf(q)
	}
	return port
}

// parseMix reads "name=weight,..." (a name alone weighs 1).
func parseMix(s string) ([]mixEntry, error) {
	var out []mixEntry
	for _, f := range splitList(s) {
		name, w, hasW := strings.Cut(f, "=")
		weight := 1
		if hasW {
			n, err := strconv.Atoi(w)
			if err != nil || n < 0 || n > maxMixWeight {
				return nil, fmt.Errorf("-mix: weight of %q must be 0 to %d", name, maxMixWeight)
			}
			weight = n
		}
		e := mixEntry{name: name, weight: weight}
		if name != plainMix {
			m, ok := skd.ParseMechanism([]byte(name))
			if !ok || m == skd.MechNone {
				return nil, fmt.Errorf("-mix: unknown terminal kind %q", name)
			}
			e.offer = []string{m.String()}
		}
		if weight > 0 {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-mix names no terminal kind with a positive weight")
	}
	return out, nil
}

// kindOf assigns terminal i its kind: weighted round robin over the mix.
func kindOf(mix []mixEntry, i int) mixEntry {
	total := 0
	for _, e := range mix {
		total += e.weight
	}
	k := i % total
	for _, e := range mix {
		if k < e.weight {
			return e
		}
		k -= e.weight
	}
	return mix[len(mix)-1]
}

// parseIPs reads loopback addresses; only loopback is ever a source here. "auto"
// gives each socket its own address in 127.0.0.0/8 (Linux routes all of it to the
// loopback interface), so the proxy's per-source limit is shared by fewer
// terminals.
func parseIPs(s string) ([]netip.Addr, error) {
	if s == "auto" {
		out := make([]netip.Addr, maxSockets)
		for i := range out {
			out[i] = netip.AddrFrom4([4]byte{127, 0, byte(i / 250), byte(1 + i%250)})
		}
		return out, nil
	}
	var out []netip.Addr
	for _, f := range splitList(s) {
		a, err := netip.ParseAddr(f)
		if err != nil || !a.IsLoopback() {
			return nil, fmt.Errorf("-local-ips: %q is not a loopback address", f)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("-local-ips names no address")
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
