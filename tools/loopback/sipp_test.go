package loopback

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// sippScenarios is where the SIPp scenarios live, relative to this package.
const sippScenarios = "../../bench/sipp"

// TestSIPpRegistersThroughProxy runs SIPp, a real SIP client, through the
// proxy against the softswitch with digest authentication and security
// agreement: every registration must complete with a MAC from the proxy.
// SIPp implements MD5 digest only, so the softswitch offers MD5; and it takes
// digest credentials only from its command line, so all calls register one
// subscriber (each on its own Call-ID) and the proxy ends with one session.
func TestSIPpRegistersThroughProxy(t *testing.T) {
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Skip("sipp not installed (Debian package sip-tester; make deps installs it)")
	}
	const calls, id = 20, "sipp"
	sys := startSystem(t, Options{Subscribers: []string{id}, DigestAlgorithms: []string{skd.DigestMD5}})
	password, err := sys.Password(id)
	if err != nil {
		t.Fatal(err)
	}

	scenario, err := filepath.Abs(filepath.Join(sippScenarios, "register_secagree.xml"))
	if err != nil {
		t.Fatal(err)
	}
	inf := writeInjection(t, id, calls)
	errFile := filepath.Join(t.TempDir(), "errors.log")
	msgFile := filepath.Join(t.TempDir(), "messages.log")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sipp,
		"-sf", scenario,
		"-inf", inf, "-au", id, "-ap", password, "-auth_uri", DefaultRealm, "-m", fmt.Sprint(calls), "-r", "50", "-l", "10",
		"-i", "127.0.0.1", "-p", "0", "-timeout", "30s", "-timeout_error",
		"-nostdin", "-trace_err", "-error_file", errFile,
		"-trace_msg", "-message_file", msgFile,
		sys.ProxyAddr().String())
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		errs, _ := os.ReadFile(errFile)
		msgs, _ := os.ReadFile(msgFile)
		t.Fatalf("sipp failed: %v\n%s\nerrors:\n%s\nmessages:\n%s",
			err, tail(out, 1500), tail(errs, 2000), head(msgs, 4000))
	}
	st := sys.Proxy.Handler().Stats()
	if st.Registered != calls || st.Sessions != 1 {
		t.Errorf("proxy registered %d with %d sessions, want %d and 1", st.Registered, st.Sessions, calls)
	}
}

// writeInjection writes SIPp's injection file: identity;domain per call.
func writeInjection(t *testing.T, id string, calls int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("SEQUENTIAL\n")
	for range calls {
		fmt.Fprintf(&b, "%s;%s\n", id, DefaultRealm)
	}
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
