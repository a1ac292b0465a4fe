// Command sigbench is sigproxy's load generator. It drives full registrations (both
// REGISTER transactions: challenge, HTTP Digest, the session key opened under the
// terminal's Kc and the proxy's MAC checked) through sigproxy against the softswitch
// and the authentication center, at a target rate (open loop) or a fixed number of
// registrations in flight (closed loop), for a duration and/or a count. It shows a
// live progress bar on a terminal and ends with registrations/s, messages/s,
// failures by reason and latency percentiles from HDR histograms; --json writes the
// same figures for scripts and --plot draws latency over time and the percentile
// distribution (SVG or PNG).
//
// Without --proxy it starts the whole system in-process on loopback (AC, softswitch,
// proxy, with freshly provisioned subscribers). With --proxy it loads a running
// system whose subscribers' keys are in --kc-file; --pid name=PID then samples those
// processes' CPU time and peak memory over the run (bench/run does this). sigbench
// always samples its own process as well: the load side alone with --proxy, the
// whole system in-process.
//
// Terminals share a few UDP sockets (--sockets), so thousands of them cost one
// goroutine per socket, and responses find their terminal through the Via branch.
// Each terminal re-registers with the same Call-ID and a higher CSeq, as RFC 3261
// §10.2.4 asks.
//
// --protocol h248 drives media gateways instead (docs/PROTOCOL.md §11): ServiceChange
// with the offer, the challenge Modify answered with a Reply, Notify with the digest
// response and the echoes, and the success Modify whose skd/term the gateway opens
// and whose authentication header (SPI, SequenceNum 1, the MAC over the §5.5 input)
// it verifies before it replies. The proxy keeps a gateway's registration by its
// address and port, so each gateway owns a socket (and its mId names it); --sockets
// does not apply and --terminals is bounded by file descriptors (maxGateways).
//
// --protocol mgcp drives MGCP gateways (docs/PROTOCOL.md §12), one socket each as
// for H.248: RSIP with the offer, the challenge RQNT answered with 200, NTFY with
// the digest response (X-SKDAU) and the echoes, and the success RQNT whose X-SKDKD
// terminal= the gateway opens and whose mac= it verifies over the §12.2 input
// before it answers 200 (510 on failure).
//
// --protocol both runs --terminals SIP terminals and as many gateways at once
// against one in-process system and reports a summary per protocol; --json then
// writes {"runs": [...], "processes": [...]} and --plot one chart per protocol.
// --protocol all adds MGCP gateways.
//
// Limitation: UDP only; --protocol both needs the in-process system.
//
// Limitation: the proxy counts registrations in progress (and those finished in the
// last 32 s) per source address, 512 by default (sigproxy --pending-per-source).
// Each socket binds its own loopback address (127.0.0.1, 127.0.0.2, ...), so the
// default 8 sockets carry about 4 000 terminals; beyond that raise the proxy's
// limit (bench/run does) or -sockets.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes sigbench and returns the exit status: 0 when every registration
// succeeded, 1 when some failed or the run could not start, 2 for bad flags.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sigbench:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration+o.timeout+time.Minute)
	defer cancel()
	out, err := benchmark(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sigbench:", err)
		return 1
	}
	if err := report(o, out, stdout); err != nil {
		fmt.Fprintln(stderr, "sigbench:", err)
		return 1
	}
	for _, s := range out.Runs {
		if s.Failed > 0 || s.Succeeded == 0 {
			return 1
		}
	}
	return 0
}

// report prints the summaries and writes the JSON and plot files asked for. A
// run of one protocol writes its Summary as JSON, with the processes in it; a run
// of both writes the Outcome.
func report(o *options, out *Outcome, stdout io.Writer) error {
	var doc interface{ WriteJSON(io.Writer) error } = out
	if len(out.Runs) == 1 {
		s := *out.Runs[0]
		s.Processes = out.Processes
		doc = &s
	}
	if o.jsonPath == "-" {
		return doc.WriteJSON(stdout)
	}
	if err := out.WriteText(stdout); err != nil {
		return err
	}
	if o.jsonPath != "" {
		if err := writeFile(o.jsonPath, doc.WriteJSON); err != nil {
			return err
		}
	}
	if o.plotPath == "" {
		return nil
	}
	for _, s := range out.Runs {
		path := o.plotPath
		if len(out.Runs) > 1 {
			// One chart per protocol: out.svg becomes out-sip.svg and out-h248.svg.
			ext := filepath.Ext(path)
			path = strings.TrimSuffix(path, ext) + "-" + s.Protocol + ext
		}
		if err := writePlot(path, s); err != nil {
			return err
		}
	}
	return nil
}

// writeFile creates path and writes it with fn.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
