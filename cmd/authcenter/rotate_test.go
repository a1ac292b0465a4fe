package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

var adminRE = regexp.MustCompile(`admin API listening on (127\.0\.0\.1:\d+)`)

// TestRotateWhileServing rotates sp1's key with the commands an operator
// runs against a serving AC: stage, export, activate, retire.
func TestRotateWhileServing(t *testing.T) {
	dir := t.TempDir()
	store := []string{"--db", filepath.Join(dir, "ac.db"),
		"--master-key", filepath.Join(dir, "ac-master.key")}
	for _, c := range [][]string{{"add-proxy-key", "--proxy", "sp1"},
		{"add-subscriber", "--identity", "alice"}} {
		if r := runCmd(t, append(c, store...)...); r.code != 0 {
			t.Fatalf("%v: %+v", c, r)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--export-dir", dir}, store...)
	go func() { done <- run(ctx, args, &out, &errb) }()
	addr := waitFor(t, &out, done)
	var admin string
	for deadline := time.Now().Add(5 * time.Second); admin == "" && time.Now().Before(deadline); {
		if m := adminRE.FindStringSubmatch(out.String()); m != nil {
			admin = "http://" + m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if admin == "" {
		t.Fatalf("no admin address in %q", out.String())
	}

	steps := [][]string{
		{"add-proxy-key", "--proxy", "sp1", "--stage", "--admin", admin},
		{"export-proxy-key", "--proxy", "sp1", "--admin", admin},
	}
	for _, s := range steps {
		if r := runCmd(t, s...); r.code != 0 {
			t.Fatalf("%v: %+v", s, r)
		}
	}
	c := &authcenter.Client{BaseURL: "http://" + addr}
	wantKID(t, c, "1") // staged: the AC still wraps under the old key
	ring, err := keystore.LoadProxyKeyring(filepath.Join(dir, "sp1.keys"),
		filepath.Join(dir, "sp1-master.key"), "sp1")
	if err != nil || ring.Len() != 2 {
		t.Fatalf("exported file: %v, %d keys", err, ring.Len())
	}

	for _, s := range [][]string{
		{"activate-proxy-key", "--proxy", "sp1", "--kid", "2", "--admin", admin},
		{"remove-proxy-key", "--proxy", "sp1", "--kid", "1", "--admin", admin},
	} {
		if r := runCmd(t, s...); r.code != 0 {
			t.Fatalf("%v: %+v", s, r)
		}
	}
	wantKID(t, c, "2")
	r := runCmd(t, "remove-proxy-key", "--proxy", "sp1", "--kid", "2", "--admin", admin)
	if r.code == 0 || !strings.Contains(r.stderr, "current") {
		t.Errorf("removing the current key: %+v", r)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errb.String())
	}
}

// wantKID checks the key id the AC wraps alice's proxy copy under.
func wantKID(t *testing.T, c *authcenter.Client, kid string) {
	t.Helper()
	v, err := c.Auth(context.Background(), authcenter.AuthRequest{Identity: "alice", Proxy: "sp1"})
	if err != nil {
		t.Fatal(err)
	}
	if v.KID != kid {
		t.Fatalf("auth: kid %q, want %s", v.KID, kid)
	}
}
