package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// TestMGCPDirect drives MGCP gateways of every kind straight at the softswitch's
// call agent (direct mode: the CA chooses, wraps and MACs, §12) over real sockets:
// every offering gateway's session key must open and its MAC verify.
func TestMGCPDirect(t *testing.T) {
	o, err := parseFlags(append([]string{"-protocol", "mgcp", "-terminals", "6", "-count",
		"18", "-concurrency", "3", "-mix", "hmac-sha256=1,ascon128a-v12=1,plain=1",
		"-progress", "never", "-duration", "30s"}, testTimers...), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := make([]string, o.terminals)
	for i := range ids {
		ids[i] = fmt.Sprintf("gw%03d", i)
	}
	ls, err := loopback.Start(ctx, loopback.Options{Subscribers: ids})
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	keys := make([]terminal.SubscriberKey, len(ids))
	for i, id := range ids {
		keys[i] = terminal.SubscriberKey{Identity: id, Kc: ls.Kc(id)}
	}
	e, err := newEngine(o, protoMGCP, ls.MGCPSoftswitchAddr().AddrPort(), keys)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	s := summarize(e, e.drive(ctx, o))
	// An offering registration is two transactions (RSIP, NTFY), four datagrams
	// sent (both with a response to the CA's RQNT) and two received; a plain one
	// is one transaction, one datagram each way.
	keyed, plain := s.KeysVerified, s.Succeeded-s.KeysVerified
	if s.Succeeded != 18 || s.Failed != 0 || keyed < 4 || plain < 2 ||
		s.Transactions != 2*keyed+plain || s.MessagesSent != 4*keyed+plain ||
		s.MessagesReceived != 2*keyed+plain || s.Stray != 0 {
		t.Fatalf("summary %+v", s)
	}
	if st := ls.Softswitch.Stats(); st.MGCPKeysDistributed != uint64(keyed) ||
		st.MGCPGatewayErrors != 0 {
		t.Errorf("CA: %d keys, %d gateway errors; want %d and 0", st.MGCPKeysDistributed,
			st.MGCPGatewayErrors, keyed)
	}
}

// TestRunAllInProcess runs SIP terminals, H.248 gateways and MGCP gateways at once
// through the proxy started in-process: three summaries, every registration with a
// verified key and MAC.
func TestRunAllInProcess(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "all.json")
	var stdout, stderr bytes.Buffer
	args := append([]string{"-protocol", "all", "-terminals", "6", "-count", "12",
		"-concurrency", "3", "-mix", "hmac-sha256=1,ascon128a-v12=1", "-progress", "never",
		"-duration", "30s", "-json", jsonPath}, testTimers...)
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	var out Outcome
	readJSON(t, jsonPath, &out)
	if len(out.Runs) != 3 || out.Runs[2].Protocol != protoMGCP {
		t.Fatalf("runs %+v", out.Runs)
	}
	for _, s := range out.Runs {
		if s.Succeeded != 12 || s.Failed != 0 || s.KeysVerified != 12 || s.Transactions != 24 ||
			s.Stray != 0 {
			t.Errorf("%s: %+v", s.Protocol, s)
		}
	}
}

// TestMGCPDigestMatchesSkd checks the MGCP gateway's digest (§12.1) against skd's
// reference computation, and its messages' first lines.
func TestMGCPDigestMatchesSkd(t *testing.T) {
	s := &sock{host: "127.0.0.7:40001"}
	tm := newTerm(0, "0123abcd", "gw1", "sigproxy.test", bytes.Repeat([]byte{7}, 32),
		[]string{"hmac-sha256"}, s)
	tm.mg = newMGTerm(tm)
	tm.ch.alg, tm.ch.realm, tm.ch.nonce = skd.DigestSHA256, []byte("r"), []byte("n1")
	got, err := tm.appendMGDigest(nil, newDigester(), ntfyURI)
	if err != nil {
		t.Fatal(err)
	}
	ha1, _ := skd.HA1(skd.DigestSHA256, "gw1", "r", tm.password)
	want, _ := skd.DigestResponse(skd.DigestSHA256, ha1, "n1", "NTFY", "mgcp:gw1", "", "", "")
	if string(got) != want {
		t.Errorf("digest %s, want %s", got, want)
	}
	tm.mg.newTxn()
	tm.appendRSIP()
	first, _, _ := bytes.Cut(tm.req, []byte("\r\n"))
	if wantLine := fmt.Sprintf("RSIP %d aaln/1@[127.0.0.7]:40001 MGCP 1.0", tm.mg.txn); string(first) != wantLine {
		t.Errorf("RSIP line %q, want %q", first, wantLine)
	}
}

// FuzzHandleMGCP feeds arbitrary datagrams from the proxy's side to an MGCP gateway
// waiting for its challenge (final false) or its success (final true), with the
// properties of FuzzHandleH248: no panic, a finished registration returns its
// gateway to the idle queue, and no registration succeeds on a forged message.
func FuzzHandleMGCP(f *testing.F) {
	f.Add([]byte(seedMGCPChallenge), false)
	f.Add([]byte(seedMGCPSuccess), true)
	f.Add([]byte("510 10 security agreement required\r\nX-SKDSV: hmac-sha256\r\n"), false)
	f.Add([]byte("100 10 pending\r\n"), true)
	e, tm := fuzzGateway(f, protoMGCP)
	r := newRx()
	f.Fuzz(func(t *testing.T, msg []byte, final bool) {
		fuzzStep(t, e, tm, final, []byte("NTFY"), func() { e.handleMGCP(tm, r, msg) })
	})
}

// Seeds: a challenge and a success answering transaction fuzzTxn (§12.2).
const (
	seedMGCPChallenge = "200 10 OK\r\n.\r\nRQNT 3 aaln/1@[127.0.0.1]:40001 MGCP 1.0\r\n" +
		"X: 3\r\nR: skd/auth\r\nX-SKDCH: realm=\"sigproxy.test\", " +
		"nonce=\"49abf4c9c63fd98dcfe2ef19e9d0bdd3\", algorithm=SHA-256\r\n" +
		"X-SKDSV: hmac-sha256\r\n"
	seedMGCPSuccess = "200 10 OK\r\n.\r\nRQNT 7 aaln/1@[127.0.0.1]:40001 MGCP 1.0\r\n" +
		"X: 7\r\nX-SKDKD: terminal=\"nkShJPURKvxBgnk2XqZ4sA/sjXR0YhNkflXYLwCVXraq5yGQ+3Hg7" +
		"KbR3RIcaB3+\", wrap=aes128gcm, mac=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\r\n"
)
