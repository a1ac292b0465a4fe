package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore"
)

// keyFiles writes a sealed proxy key file for sp1 with the given kids and
// returns the flags that name it.
func keyFiles(t *testing.T, dir string, kids ...string) []string {
	t.Helper()
	master := filepath.Join(dir, "proxy-master.key")
	mk, err := keystore.LoadOrCreateMasterKey(master)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keystore.NewSealer(mk)
	if err != nil {
		t.Fatal(err)
	}
	var keys []keystore.ProxyKey
	for i, kid := range kids {
		keys = append(keys, keystore.ProxyKey{KID: kid, Key: bytes.Repeat([]byte{byte(i + 1)}, 32)})
	}
	path := filepath.Join(dir, "sp1.keys")
	if err := keystore.WriteProxyKeyFile(path, sealer, "sp1", keys); err != nil {
		t.Fatal(err)
	}
	return []string{"-keys", path, "-master-key", master}
}

// TestFlagsOverrideFile: a flag given on the command line wins over the
// file; the file wins over the built-in default.
func TestFlagsOverrideFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sigproxy.toml")
	conf := "listen = \"127.0.0.1:5080\"\nsoftswitch = \"127.0.0.1:5090\"\n"
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cl, err := parseCommandLine([]string{"-config", file, "-softswitch", "127.0.0.1:6000"},
		io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cl.settings()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Proxy.Listen.String(); got != "127.0.0.1:5080" {
		t.Errorf("listen %s, want the file's 127.0.0.1:5080", got)
	}
	if got := s.Proxy.Softswitch.String(); got != "127.0.0.1:6000" {
		t.Errorf("softswitch %s, want the flag's 127.0.0.1:6000", got)
	}
	if got := s.Proxy.H248Listen.String(); got != "127.0.0.1:2944" {
		t.Errorf("h248-listen %s, want the default 127.0.0.1:2944", got)
	}
	cl, _ = parseCommandLine([]string{"-h248-listen", ""}, io.Discard)
	if s, err := cl.settings(); err != nil || s.Proxy.H248Listen.IsValid() {
		t.Errorf("empty -h248-listen: %v, %v; want H.248 off", s.Proxy.H248Listen, err)
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	args := append([]string{"-check-config"}, keyFiles(t, dir, "1", "2")...)
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "config ok") || !strings.Contains(out.String(), "2 proxy key") {
		t.Errorf("summary %q", out.String())
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"-check-config", "-keys", filepath.Join(dir, "missing.keys")}, "no such file"},
		{append([]string{"-check-config", "-pending-capacity", "0"}, keyFiles(t, dir, "1")...),
			"limits.pending_capacity"},
		{append([]string{"-check-config", "-proxy-id", "sp2"}, keyFiles(t, dir, "1")...),
			"another proxy"},
	}
	for _, c := range bad {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %q", c.args, err, c.want)
		}
	}
}

// TestServeReloadAndStop runs the command with its admin server: readiness,
// key reload by POST /-/reload and by SIGHUP (a bad file keeps the old
// keys), metrics, and a clean stop.
func TestServeReloadAndStop(t *testing.T) {
	dir := t.TempDir()
	admin := freeTCPAddr(t)
	args := append([]string{"-listen", "127.0.0.1:0", "-h248-listen", "",
		"-admin-listen", admin, "-stats-interval", "0", "-log-level", "error"},
		keyFiles(t, dir, "1")...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, io.Discard, io.Discard) }()
	base := "http://" + admin
	waitReady(t, base, done)

	keyFiles(t, dir, "1", "2")
	if code := postReload(t, base); code != http.StatusOK {
		t.Fatalf("reload: %d", code)
	}
	wantMetric(t, base, "sigproxy_proxy_keys 2")
	if err := os.WriteFile(filepath.Join(dir, "sp1.keys"), []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := postReload(t, base); code != http.StatusInternalServerError {
		t.Fatalf("reload of a bad file: %d, want 500", code)
	}
	wantMetric(t, base, "sigproxy_proxy_keys 2")
	wantMetric(t, base, `sigproxy_key_reloads_total{result="failed"} 1`)

	keyFiles(t, dir, "2", "3", "4")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	wantMetric(t, base, "sigproxy_proxy_keys 3")

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not stop")
	}
}

func freeTCPAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, base string, done chan error) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-done:
			t.Fatalf("run ended before ready: %v", err)
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("never ready")
}

func postReload(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Post(base+"/-/reload", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// wantMetric waits up to two seconds for a line of the scrape.
func wantMetric(t *testing.T, base, line string) {
	t.Helper()
	var body []byte
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.Contains(body, []byte("\n"+line+"\n")) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q in the scrape:\n%s", line, grepSigproxy(body))
}

func grepSigproxy(b []byte) string {
	var out strings.Builder
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "sigproxy_proxy") || strings.HasPrefix(l, "sigproxy_key") {
			fmt.Fprintln(&out, l)
		}
	}
	return out.String()
}
