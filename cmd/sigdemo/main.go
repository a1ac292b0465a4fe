// Command sigdemo runs the whole sigproxy system on loopback with embedded
// defaults: it starts the authentication center (with a sealed store in a
// temporary directory), the softswitch (SIP registrar, H.248 MGC and MGCP call
// agent) and the proxy, provisions subscribers, registers a mix of SIP terminals,
// H.248 media gateways and MGCP gateways through the proxy and one of each
// directly at the softswitch,
// prints what each terminal saw, and exits non-zero when any outcome differs
// from what the design promises.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sigdemo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	perMix := fs.Int("per-mix", 7,
		"terminals per mechanism mix through the proxy (8 SIP, 2 H.248 and 3 MGCP mixes)")
	concurrency := fs.Int("concurrency", 16, "registrations run at once")
	dir := fs.String("dir", "", "data directory (default: a temporary one, removed at exit)")
	verbose := fs.Bool("v", false, "print every step of every terminal and the components' logs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *perMix < 1 {
		fmt.Fprintln(stderr, "sigdemo: -per-mix must be at least 1")
		return 2
	}

	plan := buildPlan(*perMix)
	log := zap.NewNop()
	if *verbose {
		log, _ = zap.NewDevelopment()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sys, err := loopback.Start(ctx, loopback.Options{
		Dir: *dir, Subscribers: plan.identities(), Logger: log,
	})
	if err != nil {
		fmt.Fprintln(stderr, "sigdemo:", err)
		return 1
	}
	defer sys.Close()
	fmt.Fprintf(stdout, "sigdemo: authcenter http://%s, softswitch %s (MGC %s, CA %s), "+
		"sigproxy %s (H.248 %s, MGCP %s) (data in %s)\n\n", sys.AC.Addr(),
		sys.SoftswitchAddr(), sys.H248SoftswitchAddr(), sys.MGCPSoftswitchAddr(),
		sys.ProxyAddr(), sys.H248ProxyAddr(), sys.MGCPProxyAddr(), sys.Dir)

	start := time.Now()
	cfgs := plan.configs(sys)
	reports := terminal.RunEach(len(cfgs), *concurrency, func(i int) terminal.Report {
		if plan[i].mix.calls() {
			return terminal.RunAndCall(ctx, cfgs[i]) // words after registration (§13)
		}
		return terminal.Run(ctx, cfgs[i])
	})
	elapsed := time.Since(start)

	if *verbose {
		printSteps(stdout, reports)
	}
	mismatches := printTable(stdout, plan, reports)
	printSummary(stdout, sys, reports, elapsed)
	if mismatches > 0 {
		fmt.Fprintf(stdout, "\nFAIL: %d terminal(s) did not end as expected\n", mismatches)
		return 1
	}
	fmt.Fprintf(stdout, "\nPASS: all %d terminals ended as expected\n", len(reports))
	return 0
}
