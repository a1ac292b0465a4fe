package main

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestRunAfterWords runs a short bench with -after 1 for each protocol against
// the system started in-process (tools/loopback): every secured registration is
// followed by one worded transaction whose p2t word must verify.
func TestRunAfterWords(t *testing.T) {
	for _, proto := range []string{protoSIP, protoH248, protoMGCP} {
		t.Run(proto, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "s.json")
			var stdout, stderr bytes.Buffer
			args := append([]string{"-protocol", proto, "-terminals", "4", "-count", "8",
				"-after", "1", "-mix", "hmac-sha256=1,ascon128a-v12=1", "-progress", "never",
				"-duration", "30s", "-json", jsonPath}, testTimers...)
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "8 sent / 8 verified") {
				t.Errorf("summary lacks the words line:\n%s", stdout.String())
			}
			var s Summary
			readJSON(t, jsonPath, &s)
			// Two transactions register, the third is the worded one.
			if s.Succeeded != 8 || s.Failed != 0 || s.KeysVerified != 8 || s.WordsSent != 8 ||
				s.WordsVerified != 8 || len(s.WordFailures) != 0 || s.Transactions != 24 ||
				s.Registration.Count != 8 {
				t.Fatalf("summary %+v", s)
			}
		})
	}
}

// TestSIPWordPathAllocs guards the SIP side of -after: writing a worded OPTIONS
// and verifying the word of its 200 allocate nothing once the buffers have
// grown, and a 200 whose word was made for another number is refused.
func TestSIPWordPathAllocs(t *testing.T) {
	socks, err := openSockets(1, []netip.Addr{netip.MustParseAddr("127.0.0.1")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer closeSockets(socks)
	e := &engine{realm: "sigproxy.test", rec: newRecorder(time.Hour)}
	tm := newTerm(0, newRunTag(), "alice", e.realm, make([]byte, 16),
		[]string{"hmac-sha256"}, socks[0])
	r := newRx()
	sk := make([]byte, skd.SessionKeySize)
	tm.w.start(r.macer, skd.MechHMACSHA256, sk, 1)
	tm.cseq = 1
	tm.nextBranch()
	resp := signedOK(t, tm, sk, 1)
	run := func() {
		tm.w.out, tm.w.in = 0, skd.Window{}
		if !tm.appendOptions(r, e.realm) {
			t.Fatal("OPTIONS not written")
		}
		if err := r.msg.Parse(resp); err != nil {
			t.Fatal(err)
		}
		if reason := e.checkSIPWord(tm, r); reason != "" {
			t.Fatal(reason)
		}
	}
	if n := testing.AllocsPerRun(50, run); n != 0 {
		t.Errorf("%.1f allocations per worded OPTIONS, want 0", n)
	}
	if !bytes.Contains(tm.req, []byte("Verification-Word: seq=1, mac=")) {
		t.Fatalf("OPTIONS without its word:\n%s", tm.req)
	}
	// The 200 with its number changed: the tag no longer covers it.
	bad := bytes.Replace(signedOK(t, tm, sk, 2), []byte("seq=2"), []byte("seq=3"), 1)
	if err := r.msg.Parse(bad); err != nil {
		t.Fatal(err)
	}
	if reason := e.checkSIPWord(tm, r); reason != reasonWordMismatch {
		t.Fatalf("tampered word: %q, want %q", reason, reasonWordMismatch)
	}
}

// signedOK writes a 200 to the terminal's OPTIONS carrying the p2t word seq,
// as the proxy would.
func signedOK(t *testing.T, tm *term, sk []byte, seq uint32) []byte {
	t.Helper()
	head := "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP " + tm.sock.host + ";branch=z9hG4bKx\r\n" +
		"From: <" + tm.aor + ">;tag=" + tm.fromTag + "\r\nTo: <sip:sigproxy.test>;tag=ss1\r\n" +
		"Call-ID: " + tm.callID + "\r\nCSeq: 1 OPTIONS\r\n"
	var m sip.Message
	if err := m.Parse([]byte(head + "Content-Length: 0\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	in, err := sip.AppendWordInput(nil, &m, sip.WordP2T, seq, tm.aorBytes)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := skd.NewMACer().Word(nil, skd.MechHMACSHA256, sk, in)
	if err != nil {
		t.Fatal(err)
	}
	out := sip.AppendWord([]byte(head), seq, tag)
	return append(out, "Content-Length: 0\r\n\r\n"...)
}
