package flood_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/proxy"
	"github.com/sigproxy/sigproxy/tools/flood"
)

// soakDuration is how long the hostile stream runs: short in the test suite,
// set SOAK_DURATION (make soak) for a long run.
func soakDuration(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("SOAK_DURATION")
	if v == "" {
		return 5 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("SOAK_DURATION: %v", err)
	}
	return d
}

// TestSoakHostileInput sends the fuzz corpora, the shared SIP corpus and
// random mutations of them through a running sigproxy at a high rate. The
// process must survive, its registrations in progress must drain back to
// zero once their deadline passes, its memory must stay under the bound its
// caps give, and a terminal must still register afterwards.
func TestSoakHostileInput(t *testing.T) {
	seeds := loadSeeds(t)
	sys, sink := startBackend(t)
	p := startSigproxy(t, sys, sink.Addr(), "-pending-ttl", "2s")

	ctx, cancel := context.WithTimeout(context.Background(), soakDuration(t)+time.Minute)
	defer cancel()
	res, err := flood.Hostile{
		Target: p.addr, Seeds: seeds, Duration: soakDuration(t), Rate: 20_000,
		Sources: 64, Seed: uint64(time.Now().UnixNano()),
	}.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sent %d datagrams from %d seeds; answers by status %v", res.Sent, len(seeds),
		res.ByStatus)

	st := p.waitStats(t, func(s statsLine) bool { return s.Pending == 0 })
	t.Logf("proxy after the soak: %+v", st)
	limit := 2*(proxy.DefaultPendingCapacity*1200+proxy.DefaultSessionCapacity*350) + 64<<20
	if rss := p.rss(t); rss > limit {
		t.Errorf("RSS %d MiB after the soak, over %d MiB", rss>>20, limit>>20)
	}
	registerAlice(t, sys, p.addr)
	p.stop(t)
}

// loadSeeds reads the SIP fuzz corpora of the repository (Go's corpus file
// format: one quoted []byte or string value per line) and the shared SIP
// torture corpus.
func loadSeeds(t *testing.T) [][]byte {
	t.Helper()
	var seeds [][]byte
	for _, dir := range []string{"../../codec/sip/testdata/fuzz/*/*",
		"../../proxy/testdata/fuzz/FuzzStep/*"} {
		files, _ := filepath.Glob(dir)
		for _, f := range files {
			seeds = append(seeds, corpusValues(t, f)...)
		}
	}
	for _, dir := range []string{"../../../shared/corpus/sip/rfc4475/*.dat",
		"../../../shared/corpus/sip/rfc5118/*.sip"} {
		files, _ := filepath.Glob(dir)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	if len(seeds) < 50 {
		t.Fatalf("only %d seeds found: are the fuzz corpora and ../shared/corpus there?",
			len(seeds))
	}
	return seeds
}

// corpusValues returns the []byte and string values of a Go fuzz corpus file.
func corpusValues(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, line := range strings.Split(string(b), "\n") {
		for _, pre := range []string{"[]byte(", "string("} {
			if !strings.HasPrefix(line, pre) || !strings.HasSuffix(line, ")") {
				continue
			}
			v, err := strconv.Unquote(line[len(pre) : len(line)-1])
			if err == nil && len(v) > 0 {
				out = append(out, []byte(v))
			}
		}
	}
	return out
}
