package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestEndToEnd runs every subcommand in a temporary directory, then serves the
// store and checks a vector against the exported terminal and proxy keys.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	store := []string{"--db", p("ac.db"), "--master-key", p("ac-master.key")}
	with := func(cmd string, extra ...string) []string {
		return append(append([]string{cmd}, store...), extra...)
	}
	if r := runCmd(t, with("add-subscriber", "--identity", "alice")...); r.code != 0 ||
		!strings.Contains(r.stdout, "added 1") {
		t.Fatalf("add alice: %+v", r)
	}
	if mode(t, p("ac.db")) != 0o600 || mode(t, p("ac-master.key")) != 0o600 {
		t.Fatal("store files are not 0600")
	}
	r := runCmd(t, with("add-subscriber", "--count", "3", "--prefix", "user",
		"--export-terminal-keys", p("terminals.keys"))...)
	if r.code != 0 || !strings.Contains(r.stdout, "added 3") {
		t.Fatalf("add users: %+v", r)
	}
	if mode(t, p("terminals.keys")) != 0o600 {
		t.Fatal("terminal keys file is not 0600")
	}
	kcs := readTerminalKeys(t, p("terminals.keys"))
	if len(kcs) != 3 || len(kcs["user2"]) != skd.KcSize {
		t.Fatalf("terminal keys %d", len(kcs))
	}
	for name, kc := range kcs {
		if strings.Contains(r.stdout+r.stderr, base64.StdEncoding.EncodeToString(kc)) {
			t.Fatalf("add-subscriber printed %s's key", name)
		}
	}
	if r := runCmd(t, with("add-subscriber", "--identity", "user1")...); r.code != 1 ||
		!strings.Contains(r.stderr, "already exists") {
		t.Fatalf("duplicate: %+v", r)
	}
	r = runCmd(t, with("password", "--identity", "user2")...)
	if r.code != 0 || strings.TrimSpace(r.stdout) != skd.DigestPassword(kcs["user2"]) ||
		!strings.Contains(r.stderr, "secret") {
		t.Fatalf("password: %+v", r)
	}
	for _, want := range []string{"kid 1", "kid 2"} {
		if r := runCmd(t, with("add-proxy-key", "--proxy", "sp1")...); r.code != 0 ||
			!strings.Contains(r.stdout, want) {
			t.Fatalf("add-proxy-key: %+v", r)
		}
	}
	r = runCmd(t, with("export-proxy-key", "--proxy", "sp1", "--out", p("sp1.keys"),
		"--seal-key", p("proxy-master.key"))...)
	if r.code != 0 || !strings.Contains(r.stdout, "wrote 2 key(s)") {
		t.Fatalf("export: %+v", r)
	}
	if mode(t, p("sp1.keys")) != 0o600 || mode(t, p("proxy-master.key")) != 0o600 {
		t.Fatal("proxy files are not 0600")
	}
	proxyKeys := readProxyKeys(t, p("sp1.keys"), p("proxy-master.key"))
	serveAndCheck(t, store, kcs["user2"], proxyKeys["2"])
}

func readTerminalKeys(t *testing.T, path string) map[string][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, b64, _ := strings.Cut(line, " ")
		kc, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out[id] = kc
	}
	return out
}

func readProxyKeys(t *testing.T, path, sealKey string) map[string][]byte {
	t.Helper()
	master, err := keystore.LoadOrCreateMasterKey(sealKey)
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := keystore.NewSealer(master)
	proxy, keys, err := keystore.ReadProxyKeyFile(path, sealer)
	if err != nil || proxy != "sp1" {
		t.Fatalf("proxy file: %q %v", proxy, err)
	}
	out := map[string][]byte{}
	for _, k := range keys {
		out[k.KID] = k.Key
	}
	return out
}

var listeningRE = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

func serveAndCheck(t *testing.T, store []string, kc, ksp []byte) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--realm", "r.test"}, store...)
	go func() { done <- run(ctx, args, &out, &errb) }()
	addr := waitFor(t, &out, done)
	c := &authcenter.Client{BaseURL: "http://" + addr}
	v, err := c.Auth(ctx, authcenter.AuthRequest{Identity: "user2", Proxy: "sp1"})
	if err != nil || v.KID != "2" || v.Realm != "r.test" {
		t.Fatalf("auth: %v %v", v, err)
	}
	ad := &skd.WrapAD{Recipient: []byte("terminal"), Identity: []byte("user2"),
		Realm: []byte("r.test"), Nonce: []byte(v.Nonce)}
	tkek, pkek := skd.TerminalKEK(kc), skd.ProxyKEK(ksp)
	blobT, _ := base64.StdEncoding.DecodeString(v.Terminal)
	blobP, _ := base64.StdEncoding.DecodeString(v.Proxy)
	skT, errT := skd.UnwrapKey(skd.WrapAES128GCM, &tkek, ad, blobT)
	ad.Recipient, ad.KID = []byte("proxy"), []byte("2")
	skP, errP := skd.UnwrapKey(skd.WrapAES128GCM, &pkek, ad, blobP)
	if errT != nil || errP != nil || !bytes.Equal(skT, skP) {
		t.Fatalf("unwrap with exported keys: %v %v", errT, errP)
	}
	if err := c.Success(ctx, "user2", v.Nonce); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop")
	}
	logs := errb.String()
	if !strings.Contains(logs, "auth vector issued") ||
		!strings.Contains(logs, "terminal authentication success") {
		t.Fatalf("logs: %s", logs)
	}
	for _, secret := range [][]byte{kc, ksp, skT} {
		if strings.Contains(logs, base64.StdEncoding.EncodeToString(secret)) {
			t.Fatal("a key reached the log")
		}
	}
}

func waitFor(t *testing.T, out *syncBuffer, done chan int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d", code)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("serve did not report its address")
	return ""
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", filepath.Join(dir, "ac.db"), "--master-key", filepath.Join(dir, "k")}
	cases := []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"serve", "-h"}, 0},
		{[]string{"add-subscriber", "--bogus"}, 1},
		{append([]string{"add-subscriber"}, db...), 1},
		{append([]string{"add-subscriber", "--identity", "a", "--count", "2"}, db...), 1},
		{append([]string{"password"}, db...), 1},
		{append([]string{"password", "--identity", "nobody"}, db...), 1},
		{append([]string{"add-proxy-key"}, db...), 1},
		{append([]string{"export-proxy-key", "--proxy", "sp1"}, db...), 1},
		{append([]string{"serve", "--log-level", "loud"}, db...), 1},
	}
	for _, c := range cases {
		if r := runCmd(t, c.args...); r.code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, r.code, c.code, r.stderr)
		}
	}
}
