package main

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// fuzzTxn is the TransactionID the fuzzed gateway waits on; the seeds answer it.
const fuzzTxn = 10

// FuzzHandleH248 feeds arbitrary messages from the proxy's side to a gateway
// waiting for its challenge (final false) or its success (final true). Whatever
// arrives, nothing panics, a finished registration returns its gateway to the idle
// queue, and no registration succeeds: the message cannot hold a session key
// wrapped under this gateway's KEK, so a success would be a forged one.
func FuzzHandleH248(f *testing.F) {
	f.Add([]byte(seedChallenge), false)
	f.Add([]byte(seedSuccess), true)
	f.Add([]byte("MEGACO/1 [127.0.0.1]:2945\nReply = 10 { Error = 402 { \"no\" } }\n"), true)
	e, tm := fuzzGateway(f, protoH248)
	r := newRx()
	f.Fuzz(func(t *testing.T, msg []byte, final bool) {
		fuzzStep(t, e, tm, final, []byte("Notify"), func() { e.handleH248(tm, r, msg) })
	})
}

// fuzzStep puts gateway tm in the state of waiting for its challenge (final false)
// or its success (final true), runs handle and checks the properties the fuzz
// targets share; word must be in the second request once a challenge is accepted.
func fuzzStep(t *testing.T, e *engine, tm *term, final bool, word []byte, handle func()) {
	tm.mu.Lock()
	tm.mg.txn, tm.mg.nextTxn, tm.state = fuzzTxn, fuzzTxn+1, stateWait401
	tm.ch = challenge{alg: skd.DigestSHA256, realm: []byte("sigproxy.test"),
		nonce: []byte("n"), chosen: []byte("hmac-sha256"), mech: skd.MechHMACSHA256}
	if final {
		tm.state = stateWait200
	}
	now := time.Now()
	tm.started, tm.txStart, tm.deadline = now, now, now.Add(time.Minute)
	tm.mu.Unlock()
	e.inflight.Store(1)
	done := e.rec.succeeded.Load() + e.rec.failed.Load()
	handle()
	tm.mu.Lock()
	state := tm.state
	tm.mu.Unlock()
	finished := e.rec.succeeded.Load()+e.rec.failed.Load() > done
	switch {
	case e.rec.succeeded.Load() != 0 || e.verified.Load() != 0:
		t.Fatalf("a registration succeeded on a fuzzed message: %v", e.rec.failures)
	case finished != (state == stateIdle):
		t.Fatalf("finished %v but state %d", finished, state)
	case finished:
		<-e.idle
	case state == stateWait200 && !final && !bytes.Contains(tm.req, word):
		t.Fatalf("challenge accepted without a %s: %q", word, tm.req)
	}
	tm.timer.Stop()
}

// fuzzGateway is an offering gateway whose sends go to a socket nobody reads.
func fuzzGateway(f *testing.F, proto string) (*engine, *term) {
	socks, err := openSockets(2, []netip.Addr{netip.MustParseAddr("127.0.0.1")}, 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { closeSockets(socks) })
	e := &engine{
		target: socks[1].conn.LocalAddr().(*net.UDPAddr).AddrPort(), proto: proto,
		realm: "sigproxy.test", timeout: time.Minute, t1: time.Minute,
		digest: []string{skd.DigestSHA256, skd.DigestMD5}, socks: socks[:1],
		idle: make(chan *term, 1), rec: newRecorder(time.Hour),
	}
	tm := newTerm(0, newRunTag(), "mg1", e.realm, bytes.Repeat([]byte{9}, 32),
		[]string{"hmac-sha256"}, socks[0])
	tm.mg, socks[0].mg = newMGTerm(tm), tm
	tm.timer = time.AfterFunc(time.Hour, func() {})
	tm.timer.Stop()
	e.terms = []*term{tm}
	return e, tm
}

// Seeds: the proxy's challenge and success of docs/PROTOCOL.md §11.10, answering
// transaction fuzzTxn.
const (
	seedChallenge = `MEGACO/1 [127.0.0.1]:50586
Reply = 10 { Context = - { ServiceChange = ROOT } }
Transaction = 3 {
  Context = - {
    Modify = ROOT {
      Media { TerminationState {
        skd/realm = "sigproxy.test",
        skd/nonce = "49abf4c9c63fd98dcfe2ef19e9d0bdd3",
        skd/alg = "SHA-256", skd/server = "hmac-sha256"
      } },
      Events = 1 { skd/auth }
    }
  }
}
`
	seedSuccess = `Authentication = 0x312a8126:0x00000001:0x033c948e089235a08333e25cbe0658d0
MEGACO/1 [127.0.0.1]:50586
Reply = 10 { Context = - { Notify = ROOT } }
Transaction = 7 {
  Context = - {
    Modify = ROOT {
      Media { TerminationState {
        skd/term = "nkShJPURKvxBgnk2XqZ4sA/sjXR0YhNkflXYLwCVXraq5yGQ+3Hg7KbR3RIcaB3+",
        skd/wrap = "aes128gcm"
      } }
    }
  }
}
`
)
