package main

import (
	"bytes"
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testKc = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))

// silentPeer is a loopback UDP socket that reads nothing: every REGISTER times out.
func silentPeer(t *testing.T) string {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().String()
}

func TestRunExitStatus(t *testing.T) {
	peer := silentPeer(t)
	base := []string{"--proxy", peer, "--kc", testKc, "--identity", "alice,bob",
		"--offer", "hmac-sha256;q=0.5", "--timeout", "150ms"}
	var out, errOut bytes.Buffer
	if code := run(append(base, "-v"), &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errOut.String())
	}
	for _, want := range []string{"alice +", "sent REGISTER cseq=1", "IDENTITY",
		"2 failed: timeout"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), testKc) || strings.Contains(errOut.String(), testKc) {
		t.Error("output shows the key")
	}
	out.Reset()
	if code := run(append(base, "--expect", "failed: timeout"), &out, &errOut); code != 0 {
		t.Fatalf("expected outcome: exit %d", code)
	}
	if strings.Contains(out.String(), "sent REGISTER") {
		t.Error("steps printed without -v")
	}
}

// TestRunH248 runs media gateways against a silent peer: they send ServiceChange,
// retransmit it and time out.
func TestRunH248(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"--protocol", "h248", "--proxy", silentPeer(t), "--kc", testKc,
		"--identity", "mg1", "--offer", "hmac-sha256", "--timeout", "700ms", "-v",
		"--expect", "failed: timeout"}
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d; stderr %s", code, errOut.String())
	}
	for _, want := range []string{"mg1 +", "sent ServiceChange transaction=",
		"retransmitted ServiceChange", "1 failed: timeout"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRunMGCP runs MGCP gateways against a silent peer: they send RSIP, retransmit
// it and time out.
func TestRunMGCP(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"--protocol", "mgcp", "--proxy", silentPeer(t), "--kc", testKc,
		"--identity", "gw1", "--offer", "hmac-sha256", "--timeout", "700ms", "-v",
		"--expect", "failed: timeout"}
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d; stderr %s", code, errOut.String())
	}
	for _, want := range []string{"gw1 +", "sent RSIP ", "retransmitted RSIP",
		"1 failed: timeout"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"no-identity": {"--kc", testKc},
		"no-key":      {"--identity", "alice"},
		"bad-kc":      {"--identity", "alice", "--kc", "!!"},
		"bad-proxy":   {"--identity", "alice", "--kc", testKc, "--proxy", "nowhere"},
		"bad-proto":   {"--identity", "alice", "--kc", testKc, "--protocol", "megaco"},
		"bad-flag":    {"--nope"},
		"extra-arg":   {"--identity", "alice", "--kc", testKc, "stray"},
		"no-file":     {"--kc-file", filepath.Join(t.TempDir(), "missing")},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
}

func TestIdentitiesAndKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	kc2 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	if err := os.WriteFile(file, []byte("zed "+testKc+"\nann "+kc2+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--kc-file", file}, []string{"zed", "ann"}},
		{[]string{"--kc-file", file, "--identity", "ann"}, []string{"ann"}},
		{[]string{"--kc", testKc, "--count", "3", "--prefix", "u", "--start", "7"},
			[]string{"u7", "u8", "u9"}},
	} {
		o, err := parseFlags(tc.args, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := configs(o)
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		var got []string
		for _, c := range cfgs {
			got = append(got, c.Identity)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q: identities %q, want %q", tc.args, got, tc.want)
		}
	}
	o, _ := parseFlags([]string{"--kc-file", file, "--identity", "ann,zed"}, &bytes.Buffer{})
	cfgs, err := configs(o)
	if err != nil || cfgs[0].Kc[0] != 2 || cfgs[1].Kc[0] != 1 {
		t.Fatalf("keys not taken from the file: %v", err)
	}
	o, _ = parseFlags([]string{"--kc-file", file, "--identity", "bob"}, &bytes.Buffer{})
	if _, err := configs(o); err == nil {
		t.Error("identity without a key accepted")
	}
}
