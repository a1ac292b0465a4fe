package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBranchIndex(t *testing.T) {
	tm := &term{idx: 4711, cseq: 3, runTag: "0123abcd"}
	tm.nextBranch()
	if got := string(tm.branch); got != branchPrefix+"0123abcd-4711.3" {
		t.Fatalf("branch %q", got)
	}
	if idx, ok := branchIndex(tm.branch); !ok || idx != 4711 {
		t.Fatalf("index %d %v", idx, ok)
	}
	if a, b := newRunTag(), newRunTag(); len(a) != runTagLen || a == b {
		t.Errorf("run tags %q %q", a, b)
	}
	tag := branchPrefix + "0123abcd-"
	for _, b := range []string{"", "z9hG4bK", branchPrefix, tag, tag + ".1", tag + "12a.1",
		branchPrefix + "0123abcdx12.1", "z9hG4bKxx0123abcd-12.1", tag + "1234567890.1",
		branchPrefix + "12.1"} {
		if _, ok := branchIndex([]byte(b)); ok {
			t.Errorf("branch %q accepted", b)
		}
	}
}

func TestParseStatTicks(t *testing.T) {
	line := "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 " +
		"250 75 0 0 20 0 8 0 123 456 789\n"
	got, err := parseStatTicks([]byte(line))
	if err != nil || got != 325 {
		t.Fatalf("ticks %d, err %v; want 325", got, err)
	}
	for _, bad := range []string{"no paren", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 u s"} {
		if _, err := parseStatTicks([]byte(bad)); !errors.Is(err, ErrProcStat) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestParseSchedstat(t *testing.T) {
	got, err := parseSchedstat([]byte("233123616 8359041 257\n"))
	if err != nil || got != 233123616*time.Nanosecond {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"", "x 1 2", "-5 1 1"} {
		if _, err := parseSchedstat([]byte(bad)); !errors.Is(err, ErrProcStat) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestParseStatusMem(t *testing.T) {
	status := "Name:\tsigproxy\nVmPeak:\t 9000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t    4096 kB\n"
	hwm, rss, err := parseStatusMem([]byte(status))
	if err != nil || hwm != 5120 || rss != 4096 {
		t.Fatalf("hwm %d rss %d err %v", hwm, rss, err)
	}
	if _, _, err := parseStatusMem([]byte("Name:\tx\nVmRSS:\t1 kB\n")); !errors.Is(err, ErrProcStat) {
		t.Errorf("status without VmHWM: err %v", err)
	}
}

func TestOwnProcessUsage(t *testing.T) {
	us, err := startUsage([]watched{{name: "self", pid: os.Getpid()}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		_ = bytes.Repeat([]byte("x"), 1<<16) // burn a little CPU
		if spent, _ := cpuTime(os.Getpid()); spent > us[0].start+time.Millisecond {
			break
		}
	}
	if err := finishUsage(us, 10, 5); err != nil {
		t.Fatal(err)
	}
	u := us[0]
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b) }
	if u.CPUSec <= 0 || !near(u.CPUPerTxnUS, u.CPUSec*1e5) || !near(u.CPUPerRegUS, u.CPUSec*2e5) ||
		u.PeakRSSKiB <= 0 || u.RSSKiB <= 0 {
		t.Fatalf("usage %+v", u)
	}
}

func TestLocalIPs(t *testing.T) {
	auto, err := parseIPs("auto")
	if err != nil || len(auto) != maxSockets || auto[0].String() != "127.0.0.1" ||
		auto[1].String() != "127.0.0.2" || auto[250].String() != "127.0.1.1" {
		t.Fatalf("auto: %v %v", auto[:2], err)
	}
	for _, a := range auto {
		if !a.IsLoopback() {
			t.Fatalf("%s is not loopback", a)
		}
	}
	if ips, err := parseIPs("127.0.0.9, ::1"); err != nil || len(ips) != 2 {
		t.Errorf("%v %v", ips, err)
	}
}

func TestParsePIDs(t *testing.T) {
	ws, err := parsePIDs("sigproxy=12, 34")
	if err != nil || len(ws) != 2 || ws[0] != (watched{"sigproxy", 12}) || ws[1] != (watched{"pid34", 34}) {
		t.Fatalf("%v %v", ws, err)
	}
	for _, bad := range []string{"x=", "x=-1", "abc"} {
		if _, err := parsePIDs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMixAssignment(t *testing.T) {
	mix, err := parseMix("hmac-sha256=2, ascon128a-v12, plain=1, hmac-sha256=0")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for i := range 40 {
		count[kindOf(mix, i).name]++
	}
	if count["hmac-sha256"] != 20 || count["ascon128a-v12"] != 10 || count[plainMix] != 10 {
		t.Fatalf("assignment %v", count)
	}
	if kindOf(mix, 3).offer != nil || kindOf(mix, 0).offer[0] != "hmac-sha256" {
		t.Error("offers wrong")
	}
	for _, bad := range []string{"", "plain=0", "ipsec-3gpp", "hmac-sha256=x", "plain=101"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("mix %q accepted", bad)
		}
	}
}

func TestFlagsRejected(t *testing.T) {
	for _, args := range [][]string{
		{"-protocol", "h248", "-terminals", "9000"},
		{"-protocol", "h248", "-terminals", "100", "-local-port", "65500"},
		{"-protocol", "megaco"},
		{"-protocol", "mgcp", "-terminals", "9000"},
		{"-protocol", "both", "-proxy", "127.0.0.1:2944", "-kc-file", "k"},
		{"-protocol", "all", "-proxy", "127.0.0.1:2727", "-kc-file", "k"},
		{"-terminals", "0"},
		{"-rate", "10", "-concurrency", "2"},
		{"-concurrency", "200", "-terminals", "100"},
		{"-duration", "0s"},
		{"-proxy", "127.0.0.1:5060"},
		{"-local-ips", "10.0.0.1"},
		{"-digest", "SHA-512"},
		{"-progress", "sometimes"},
		{"-after", "-1"},
		{"-after", "1001"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if _, err := parseFlags(args, &stderr); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	if _, err := parseFlags([]string{"-protocol", "megaco"}, &bytes.Buffer{}); !errors.Is(err, ErrProtocol) {
		t.Errorf("megaco: err %v, want ErrProtocol", err)
	}
	var out bytes.Buffer
	if code := run([]string{"-terminals", "0"}, &out, &out); code != 2 {
		t.Errorf("bad flags exit %d, want 2", code)
	}
}

// readJSON decodes the JSON file at path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// testTimers make a retransmission impossible within a test: a round trip can
// exceed the RFC's 500 ms on a loaded 2-core machine under -race, and the test
// checks exact counts.
var testTimers = []string{"-t1", "10s", "-timeout", "20s"}

// TestRunInProcess drives every terminal kind through the whole system started
// in-process and checks the summary, the JSON and the chart.
func TestRunInProcess(t *testing.T) {
	dir := t.TempDir()
	jsonPath, svgPath := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.svg")
	var stdout, stderr bytes.Buffer
	args := append([]string{"-terminals", "12", "-count", "36", "-concurrency", "6",
		"-mix", "hmac-sha256=1,ascon128a-v12=1,plain=1", "-progress", "never",
		"-duration", "30s", "-json", jsonPath, "-plot", svgPath}, testTimers...)
	code := run(args, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"36 succeeded, 0 failed", "registrations/s", "p99.9",
		"registration", "transaction"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
	var s Summary
	readJSON(t, jsonPath, &s)
	// Every kind is challenged by the softswitch: two transactions per registration.
	if s.Succeeded != 36 || s.Failed != 0 || s.Transactions != 72 || s.Registration.Count != 36 ||
		s.Transaction.Count != 72 || s.MessagesSent != 72 || s.Registration.P99 <= 0 ||
		s.Registration.P50 > s.Registration.P99 || s.Registration.P99 > s.Registration.Max ||
		len(s.Series) == 0 || s.RegistrationsPerSec <= 0 {
		t.Fatalf("summary %+v", s)
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil || !bytes.Contains(svg, []byte("<svg")) ||
		!bytes.Contains(svg, []byte("latency by percentile")) {
		t.Fatalf("chart: err %v, %d bytes", err, len(svg))
	}
}

// TestFailuresCounted breaks one terminal (SIP) or gateway (H.248) and checks that
// the generator reports exactly the failure the broken check must produce.
func TestFailuresCounted(t *testing.T) {
	for _, tc := range []struct {
		name, proto, mix string
		break_           func(*term)
		reason           string
	}{
		{"wrong-kek", protoSIP, "hmac-sha256", func(tm *term) { tm.kek[0] ^= 1 }, reasonUnwrap},
		{"wrong-password", protoSIP, "ascon128a-v12", func(tm *term) { tm.password += "x" },
			"status 403"},
		{"wrong-kek", protoH248, "hmac-sha256", func(tm *term) { tm.kek[0] ^= 1 }, reasonUnwrap},
		{"wrong-password", protoH248, "ascon128a-v12", func(tm *term) { tm.password += "x" },
			"error 402"},
		// The proxy MACs the offer it received; a terminal that remembers another one
		// must not verify.
		{"other-offer", protoSIP, "hmac-sha256", otherOffer, reasonMACMismatch},
		{"other-offer", protoH248, "ascon128a-v12", otherOffer, reasonMACMismatch},
	} {
		t.Run(tc.proto+"/"+tc.name, func(t *testing.T) {
			s := runBroken(t, []string{"-protocol", tc.proto, "-mix", tc.mix}, tc.break_)
			// FIFO reuse: every terminal registers twice, the broken one fails twice.
			if s.Succeeded != 6 || s.Failed != 2 || s.Failures[tc.reason] != 2 ||
				s.KeysVerified != 6 {
				t.Fatalf("succeeded %d failed %d verified %d failures %v", s.Succeeded,
					s.Failed, s.KeysVerified, s.Failures)
			}
			var out bytes.Buffer
			if err := s.WriteText(&out); err != nil ||
				!strings.Contains(out.String(), "failed: "+tc.reason) {
				t.Errorf("summary does not name the failure: %v\n%s", err, out.String())
			}
		})
	}
}

// otherOffer makes a terminal MAC over an offer other than the one it sent.
func otherOffer(tm *term) { tm.offered = [][]byte{[]byte("ascon128a-v12;q=0.5")} }

func TestPlotFormats(t *testing.T) {
	s := &Summary{Mode: modeClosed, Series: []Interval{{AtSec: 1, Count: 3, P50: 10, P99: 20, Max: 30}}}
	dir := t.TempDir()
	png := filepath.Join(dir, "x.png")
	if err := writePlot(png, s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("png: err %v", err)
	}
	if err := writePlot(filepath.Join(dir, "x.pdf"), s); !errors.Is(err, ErrPlotFormat) {
		t.Errorf("pdf: err %v", err)
	}
}
