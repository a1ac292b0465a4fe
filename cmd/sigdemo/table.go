package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// printTable writes one row per terminal and returns how many differ from
// their expected outcome.
func printTable(w io.Writer, p plan, reports []terminal.Report) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TERMINAL\tPROTO\tPATH\tMIX\tCHOSEN\tSK OPENED\tMAC VERIFIED\tWORDS\tTIME\t"+
		"OUTCOME\tCHECK")
	mismatches := 0
	for i, r := range reports {
		e := p[i]
		path := "proxy"
		if e.mix.direct {
			path = "direct"
		}
		check := "ok"
		if why := e.mix.check(r); why != "" {
			check = "MISMATCH: " + why
			mismatches++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\n", r.Identity,
			e.mix.protocol(), path, e.mix.name,
			orNone(r.Mechanism), yesNo(r.SKOpened), yesNo(r.MACVerified),
			r.WordsVerified, r.WordsSent,
			r.Elapsed.Round(10*time.Microsecond), r.Outcome, check)
	}
	tw.Flush()
	return mismatches
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// printSummary writes the outcome counts and what each component counted.
func printSummary(w io.Writer, sys *loopback.System, reports []terminal.Report, elapsed time.Duration) {
	outcomes := map[string]int{}
	for _, r := range reports {
		outcomes[r.Outcome]++
	}
	fmt.Fprintf(w, "\n%d terminals in %v: %s\n", len(reports), elapsed.Round(time.Millisecond),
		joinCounts(outcomes))

	st := sys.Proxy.Handler().Stats()
	fmt.Fprintf(w, "sigproxy: %d in, %d out, %d registered with a MAC, %d live session keys, "+
		"%d local replies\n", st.MessagesIn, st.MessagesOut, st.Registered, st.Sessions, st.LocalReplies)
	fmt.Fprintf(w, "sigproxy mechanisms chosen: %s\n", joinCounts64(st.ChosenByMech))
	if len(st.Reasons) > 0 {
		fmt.Fprintf(w, "sigproxy refusals and drops: %s\n", joinCounts64(st.Reasons))
	}
	ss := sys.Softswitch.Stats()
	fmt.Fprintf(w, "softswitch: %d SIP registered (%d with keys); MGC: %d gateways registered "+
		"(%d with keys), %d refused with Error 402; CA: %d gateways registered (%d with keys), "+
		"%d refused with 510\n", ss.Registered, ss.KeysDistributed, ss.H248Registered,
		ss.H248KeysDistributed, ss.H248Refused, ss.MGCPRegistered, ss.MGCPKeysDistributed,
		ss.MGCPRefused)
	fmt.Fprintf(w, "softswitch calls: %d INVITEs and %d BYEs answered, %d ACKs; every request "+
		"and 2xx of them carried a verification word (PROTOCOL.md §13)\n", ss.Invites, ss.Byes,
		ss.Acks)
	fmt.Fprintf(w, "authcenter: %d terminal authentication successes recorded\n",
		acSuccesses(sys, outcomes[terminal.OutcomeRegistered]))
}

func joinCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

func joinCounts64(m map[string]uint64) string {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = int(v)
	}
	return joinCounts(c)
}

// printSteps writes every step of every terminal.
func printSteps(w io.Writer, reports []terminal.Report) {
	for _, r := range reports {
		fmt.Fprintf(w, "%s:\n", r.Identity)
		for _, s := range r.Steps {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	fmt.Fprintln(w)
}

// acSuccesses waits briefly for the softswitch's success reports, which it
// sends to the AC after answering the terminal, then returns the AC's count.
func acSuccesses(sys *loopback.System, want int) int {
	deadline := time.Now().Add(2 * time.Second)
	for sys.AC.Successes() < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return sys.AC.Successes()
}
