// Command sigterm registers one or many simulated SIP terminals, H.248 media
// gateways with --protocol h248 or MGCP gateways with --protocol mgcp, through sigproxy (or directly at the softswitch) and
// prints what each registration did. It exits with status 1 when any terminal's
// outcome differs from --expect (default "registered").
//
//	sigterm --proxy 127.0.0.1:5060 --kc-file terminals.keys --count 50 --prefix user \
//	        --offer "ascon128a-v12;q=0.9,hmac-sha256;q=0.5" -v
//	sigterm --protocol h248 --identity mg1 --kc-file terminals.keys \
//	        --offer "hmac-sha256;q=0.5"
//	sigterm --protocol mgcp --identity gw1 --kc-file terminals.keys \
//	        --offer "ascon128a-v12;q=0.9,hmac-sha256;q=0.5"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/sigproxy/sigproxy/tools/terminal"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	proxy, identity, realm, kcFile, kc, offer, prefix, digestAlg, expect string
	protocol                                                             string
	count, start, concurrency, expires                                   int
	timeout                                                              time.Duration
	verbose                                                              bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("sigterm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.protocol, "protocol", terminal.ProtocolSIP,
		"sip (REGISTER), h248 (media gateway: ServiceChange, Notify) or mgcp "+
			"(gateway: RSIP, NTFY)")
	fs.StringVar(&o.proxy, "proxy", "",
		"where requests go: sigproxy, or the softswitch (default 127.0.0.1:5060 for sip, "+
			"127.0.0.1:2944 for h248, 127.0.0.1:2727 for mgcp)")
	fs.StringVar(&o.identity, "identity", "",
		"identity to register (comma-separated for several)")
	fs.StringVar(&o.realm, "realm", "sigproxy.test", "registrar domain and digest realm")
	fs.StringVar(&o.kcFile, "kc-file", "",
		"identity->Kc list (authcenter add-subscriber --export-terminal-keys)")
	fs.StringVar(&o.kc, "kc", "",
		"Kc in base64 for identities not in --kc-file (secret: prefer --kc-file)")
	fs.StringVar(&o.offer, "offer", "",
		`Security-Client entries, e.g. "ascon128a-v12;q=0.9,hmac-sha256;q=0.5"; empty: plain`)
	fs.IntVar(&o.count, "count", 0, "register N identities <prefix><index>, index from --start")
	fs.StringVar(&o.prefix, "prefix", "user", "identity prefix for --count")
	fs.IntVar(&o.start, "start", 1, "first index for --count")
	fs.IntVar(&o.concurrency, "concurrency", 64, "terminals registering at once")
	fs.StringVar(&o.digestAlg, "digest-alg", "SHA-256,MD5", "digest algorithm preference")
	fs.IntVar(&o.expires, "expires", terminal.DefaultExpires, "binding lifetime asked for, seconds")
	fs.DurationVar(&o.timeout, "timeout", terminal.DefaultTimeout, "limit for one registration")
	fs.StringVar(&o.expect, "expect", terminal.OutcomeRegistered, "outcome every terminal must reach")
	fs.BoolVar(&o.verbose, "v", false, "print every step of every terminal")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sigterm:", err)
		return 2
	}
	cfgs, err := configs(o)
	if err != nil {
		fmt.Fprintln(stderr, "sigterm:", err)
		return 2
	}
	reports := terminal.RunMany(context.Background(), cfgs, o.concurrency)
	if o.verbose {
		for _, r := range reports {
			for _, s := range r.Steps {
				fmt.Fprintf(stdout, "%s %s\n", r.Identity, s)
			}
		}
		fmt.Fprintln(stdout)
	}
	if err := terminal.WriteTable(stdout, reports); err != nil {
		fmt.Fprintln(stderr, "sigterm:", err)
		return 1
	}
	return exitStatus(reports, o.expect, stderr)
}

// exitStatus is 1 when any outcome differs from the expected one.
func exitStatus(reports []terminal.Report, expect string, stderr io.Writer) int {
	bad := 0
	for _, r := range reports {
		if r.Outcome != expect {
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "sigterm: %d of %d terminals did not reach %q\n", bad,
			len(reports), expect)
		return 1
	}
	return 0
}

// configs builds one terminal.Config per identity.
func configs(o *options) ([]terminal.Config, error) {
	def, ok := defaultProxy[o.protocol]
	if !ok {
		return nil, fmt.Errorf("--protocol %q: want sip, h248 or mgcp", o.protocol)
	}
	if o.proxy == "" {
		o.proxy = def
	}
	proxy, err := net.ResolveUDPAddr("udp", o.proxy)
	if err != nil {
		return nil, fmt.Errorf("--proxy: %w", err)
	}
	keys, err := loadKeys(o)
	if err != nil {
		return nil, err
	}
	ids := identities(o, keys.order)
	if len(ids) == 0 {
		return nil, errors.New("no identity: give --identity, --count or --kc-file")
	}
	cfgs := make([]terminal.Config, 0, len(ids))
	for _, id := range ids {
		kc, ok := keys.lookup(id)
		if !ok {
			return nil, fmt.Errorf("no Kc for %q: add it to --kc-file or give --kc", id)
		}
		cfgs = append(cfgs, terminal.Config{
			Protocol: o.protocol, Identity: id, Realm: o.realm, Kc: kc, Proxy: proxy,
			Offer: terminal.SplitOffer(o.offer), DigestAlg: terminal.SplitOffer(o.digestAlg),
			Expires: o.expires, Timeout: o.timeout,
		})
	}
	return cfgs, nil
}

// defaultProxy is sigproxy's customary address per protocol: SIP on 5060, H.248 text
// on 2944 (RFC 3525 §D.1), MGCP on the call agents' 2727 (RFC 3435 §3.6).
var defaultProxy = map[string]string{
	terminal.ProtocolSIP:  "127.0.0.1:5060",
	terminal.ProtocolH248: "127.0.0.1:2944",
	terminal.ProtocolMGCP: "127.0.0.1:2727",
}

// identities: --identity, else --count names, else every identity of --kc-file.
func identities(o *options, fileOrder []string) []string {
	switch {
	case o.identity != "":
		return terminal.SplitOffer(o.identity)
	case o.count > 0:
		ids := make([]string, o.count)
		for i := range ids {
			ids[i] = fmt.Sprintf("%s%d", o.prefix, o.start+i)
		}
		return ids
	}
	return fileOrder
}

// keySet is the --kc-file list plus the --kc key for identities the file lacks.
type keySet struct {
	byID  map[string][]byte
	order []string // file order
	other []byte   // --kc, nil when not given
}

func (k *keySet) lookup(id string) ([]byte, bool) {
	if kc, ok := k.byID[id]; ok {
		return kc, true
	}
	return k.other, k.other != nil
}

// loadKeys reads --kc-file and --kc.
func loadKeys(o *options) (*keySet, error) {
	ks := &keySet{byID: map[string][]byte{}}
	if o.kc != "" {
		kc, err := terminal.DecodeKc(o.kc)
		if err != nil {
			return nil, fmt.Errorf("--kc: %w", err)
		}
		ks.other = kc
	}
	if o.kcFile == "" {
		return ks, nil
	}
	f, err := os.Open(o.kcFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	list, err := terminal.ReadKeys(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.kcFile, err)
	}
	for _, k := range list {
		ks.byID[k.Identity] = k.Kc
		ks.order = append(ks.order, k.Identity)
	}
	return ks, nil
}
