package flood_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/proxy"
	"github.com/sigproxy/sigproxy/tools/flood"
	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/mitm"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// floodPrefix marks the Call-IDs of the flood, which the sink in front of the
// softswitch swallows: those registrations never complete.
const floodPrefix = "flood-"

// TestOverloadFirstRegisters floods a running sigproxy process with 200k
// first REGISTERs that never complete, from 512 source addresses. The table
// of registrations in progress stops at its cap, every REGISTER past it gets
// 503 with Retry-After, memory stays bounded, and a terminal registered
// before the flood still has its session and its requests relayed.
func TestOverloadFirstRegisters(t *testing.T) {
	sys, sink := startBackend(t)
	p := startSigproxy(t, sys, sink.Addr())
	alice := registerAlice(t, sys, p.addr)

	rssBefore := p.rss(t)
	res := runFlood(t, p.addr, 200_000)
	rssAfter := p.rss(t)
	st := p.waitStats(t, func(s statsLine) bool { return s.Pending > 0 })
	t.Logf("flood: sent %d, answers %v; proxy: %+v", res.Sent, res.ByStatus, st)

	capacity := proxy.DefaultPendingCapacity
	if st.Pending != capacity {
		t.Errorf("registrations in progress = %d, want the cap %d", st.Pending, capacity)
	}
	// The kernel drops what the proxy cannot read in time; what it read
	// past the cap, it answered 503, and those answers come back.
	full := st.Reasons["pending_full"]
	if full == 0 || res.ByStatus[503] < full*95/100 || res.ByStatus[503] > full {
		t.Errorf("503 answers = %d, proxy counted %d refusals (pending_full)",
			res.ByStatus[503], full)
	}
	if len(res.ByStatus) != 1 {
		t.Errorf("answers other than 503 to REGISTERs that never complete: %v", res.ByStatus)
	}
	if res.RetryAfter != res.ByStatus[503] {
		t.Errorf("%d of %d 503s carry Retry-After", res.RetryAfter, res.ByStatus[503])
	}
	// The bound follows from the caps, whatever the flood's size: the
	// registrations in progress (about 1.2 KiB each), the preallocated
	// session table (about 350 B an entry), twice over for the garbage
	// collector's headroom, and the runtime's base.
	rssLimit := 2*(capacity*1200+proxy.DefaultSessionCapacity*350) + 64<<20
	if rssAfter > rssLimit {
		t.Errorf("RSS after the flood %d MiB, over %d MiB", rssAfter>>20, rssLimit>>20)
	}
	runFlood(t, p.addr, 100_000)
	if again := p.rss(t); again > rssLimit {
		t.Errorf("RSS after a second flood %d MiB, over %d MiB", again>>20, rssLimit>>20)
	}
	t.Logf("RSS %d MiB before, %d MiB after 200k; answers %v", rssBefore>>20,
		rssAfter>>20, res.ByStatus)

	if rep, err := alice.Call(context.Background()); err != nil || rep.WordsVerified == 0 {
		t.Errorf("a call from a terminal registered before the flood: %q (%v)\n%v",
			rep.Outcome, err, rep.Steps)
	}
	if st := p.waitStats(t, func(statsLine) bool { return true }); st.Sessions != 1 {
		t.Errorf("sessions = %d after the flood, want 1 (the terminal registered before)",
			st.Sessions)
	}
	p.stop(t)
}

func runFlood(t *testing.T, target *net.UDPAddr, n int) flood.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := flood.Registers{
		Target: target, Sources: 512, Count: n, Rate: 40_000, CallIDPrefix: floodPrefix,
	}.Run(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// startBackend starts the AC and softswitch, and a sink in front of the
// softswitch that swallows the flood and passes everything else.
func startBackend(t *testing.T) (*loopback.System, *mitm.Relay) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sys, err := loopback.Start(ctx, loopback.Options{Subscribers: []string{"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	mark := []byte("\r\nCall-ID: " + floodPrefix)
	sink, err := mitm.New(sys.SoftswitchAddr(), func(dir mitm.Direction, pkt []byte) [][]byte {
		if dir == mitm.ToClient {
			return [][]byte{pkt}
		}
		if bytes.Contains(pkt, mark) {
			return nil
		}
		return [][]byte{mitm.AddRPort(pkt)}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return sys, sink
}

// registerAlice registers through the proxy with a mechanism and returns the
// terminal, still open, for later requests from it (each carries a
// verification word, PROTOCOL.md §13).
func registerAlice(t *testing.T, sys *loopback.System, proxyAddr *net.UDPAddr) *terminal.Terminal {
	t.Helper()
	term, err := terminal.New(terminal.Config{
		Identity: "alice", Kc: sys.Kc("alice"), Proxy: proxyAddr,
		Offer: []string{"hmac-sha256;q=0.9"}, T1: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	rep, err := term.Register(context.Background())
	if err != nil || !rep.MACVerified {
		t.Fatalf("registration: %q (%v)\n%v", rep.Outcome, err, rep.Steps)
	}
	return term
}

// sigproxyBin is the binary built once for the package's tests.
var (
	buildOnce   sync.Once
	sigproxyBin string
	buildErr    error
)

func buildSigproxy(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sigproxy-bin-")
		if err != nil {
			buildErr = err
			return
		}
		sigproxyBin = filepath.Join(dir, "sigproxy")
		out, err := exec.Command("go", "build", "-o", sigproxyBin,
			"github.com/sigproxy/sigproxy/cmd/sigproxy").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return sigproxyBin
}

// process is a running sigproxy.
type process struct {
	cmd  *exec.Cmd
	addr *net.UDPAddr

	mu    sync.Mutex
	stats []statsLine
	logs  bytes.Buffer
	done  chan struct{}
}

// statsLine is what the tests read of the periodic counters log line.
type statsLine struct {
	Msg        string         `json:"msg"`
	MessagesIn int            `json:"messages_in"`
	Pending    int            `json:"pending"`
	Sessions   int            `json:"sessions"`
	Reasons    map[string]int `json:"reasons"`
}

// startSigproxy runs the sigproxy binary towards softswitch with the
// system's keys; extra flags follow the defaults.
func startSigproxy(t *testing.T, sys *loopback.System, softswitch *net.UDPAddr,
	extra ...string) *process {
	t.Helper()
	bin := buildSigproxy(t)
	port := freeUDPPort(t)
	id := loopback.DefaultProxyID
	args := append([]string{
		"-listen", fmt.Sprintf("127.0.0.1:%d", port),
		"-softswitch", softswitch.String(),
		"-keys", filepath.Join(sys.Dir, id+".keys"),
		"-master-key", filepath.Join(sys.Dir, "proxy-master.key"),
		"-stats-interval", "1s", "-log-format", "json", "-h248-listen", ""}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, addr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port},
		done: make(chan struct{})}
	listening := make(chan struct{})
	go p.readLogs(stderr, listening)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	select {
	case <-listening:
	case <-p.done:
		t.Fatalf("sigproxy exited before listening:\n%s", p.logText())
	case <-time.After(10 * time.Second):
		t.Fatalf("sigproxy did not start listening:\n%s", p.logText())
	}
	return p
}

// readLogs keeps every log line and parses the stats lines.
func (p *process) readLogs(r io.Reader, listening chan<- struct{}) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	once := sync.Once{}
	for sc.Scan() {
		line := sc.Bytes()
		var s statsLine
		_ = json.Unmarshal(line, &s)
		p.mu.Lock()
		p.logs.Write(line)
		p.logs.WriteByte('\n')
		if s.Msg == "stats" {
			p.stats = append(p.stats, s)
		}
		p.mu.Unlock()
		if s.Msg == "listening" {
			once.Do(func() { close(listening) })
		}
	}
}

func (p *process) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// waitStats waits for a stats line logged from now on that satisfies ok.
func (p *process) waitStats(t *testing.T, ok func(statsLine) bool) statsLine {
	t.Helper()
	p.mu.Lock()
	seen := len(p.stats)
	p.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for _, s := range p.stats[seen:] {
			if ok(s) {
				p.mu.Unlock()
				return s
			}
		}
		seen = len(p.stats)
		p.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no matching stats line; logs:\n%s", p.logText())
	return statsLine{}
}

// rss reads the process's resident set size in bytes.
func (p *process) rss(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}

// stop ends the process with SIGTERM and checks it exits cleanly.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("sigproxy exit: %v\n%s", err, p.logText())
	}
	if strings.Contains(p.logText(), "panic") {
		t.Errorf("sigproxy logged a panic:\n%s", p.logText())
	}
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
