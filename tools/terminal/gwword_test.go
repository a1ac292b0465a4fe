package terminal

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

func wordRecorder() *recorder {
	return &recorder{rep: &Report{}, start: time.Now(), log: func(string) {}}
}

// proxyWord computes a p2t word as the proxy does, over an MGCP message.
func proxyMGCPWord(t *testing.T, sk []byte, mech skd.Mechanism, seq uint32, msg string) string {
	t.Helper()
	var m mgcp.Message
	if _, err := m.Parse([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	in, _ := m.AppendWordInput(nil, "p2t", seq, []byte("gw1"))
	tag, err := skd.NewMACer().Word(nil, mech, sk, in)
	if err != nil {
		t.Fatal(err)
	}
	return msg + fmt.Sprintf("X-SKDMW: seq=%d, mac=\"%s\"\r\n", seq,
		base64.StdEncoding.EncodeToString(tag))
}

// TestGWWordChecks: the gateway accepts a p2t word that verifies once, and
// refuses a replayed number, a changed response, a missing word and a word
// under another key (PROTOCOL.md §13.4).
func TestGWWordChecks(t *testing.T) {
	term := newTestGW(t)
	for _, mech := range []skd.Mechanism{skd.MechHMACSHA256, skd.MechAscon128aV12} {
		sk := randBytes(skd.SessionKeySize)
		g := newGatewayWords(sk, mech)
		check := func(msg string) error {
			var m mgcp.Message
			if _, err := m.Parse([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			return term.checkGWWord(&m, g, wordRecorder())
		}
		good := proxyMGCPWord(t, sk, mech, 1, "200 7 OK\r\n")
		if err := check(good); err != nil {
			t.Fatalf("%s: %v", mech, err)
		}
		for name, msg := range map[string]string{
			"replayed": good,
			"changed":  "200 8 OK" + good[len("200 7 OK"):],
			"missing":  "200 9 OK\r\n",
			"foreign":  proxyMGCPWord(t, randBytes(skd.SessionKeySize), mech, 2, "200 9 OK\r\n"),
		} {
			if err := check(msg); err == nil {
				t.Errorf("%s: %s accepted", mech, name)
			}
		}
		if err := check(proxyMGCPWord(t, sk, mech, 3, "200 10 OK\r\n")); err != nil {
			t.Errorf("%s: a later number refused: %v", mech, err)
		}
	}
}

// TestMGWordChecks is TestGWWordChecks for H.248 Replies.
func TestMGWordChecks(t *testing.T) {
	term := newTestMG(t)
	for _, mech := range []skd.Mechanism{skd.MechHMACSHA256, skd.MechAscon128aV12} {
		sk := randBytes(skd.SessionKeySize)
		g := newGatewayWords(sk, mech)
		spi, _ := skd.H248SPI(sk)
		worded := func(key []byte, seq uint32, body string) string {
			msg := "MEGACO/1 [127.0.0.1]:2944\r\n" + body
			var m h248.Message
			if err := m.Parse([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			in, _ := m.AppendWordInput(nil, "p2t", seq, []byte("mg1"))
			tag, _ := skd.NewMACer().Word(nil, mech, key, in)
			return fmt.Sprintf("Authentication = 0x%08x:0x%08x:0x%s\r\n%s", spi, seq,
				hex.EncodeToString(tag), msg)
		}
		check := func(msg string) error {
			var m h248.Message
			if err := m.Parse([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			return term.checkMGWord(&m, m.Root().FirstChild(), g, wordRecorder())
		}
		reply := "Reply = 7 { Context = - { Notify = ROOT } }\r\n"
		good := worded(sk, 2, reply)
		if err := check(good); err != nil {
			t.Fatalf("%s: %v", mech, err)
		}
		for name, msg := range map[string]string{
			"replayed": good,
			"missing":  "MEGACO/1 [127.0.0.1]:2944\r\n" + reply,
			"foreign":  worded(randBytes(skd.SessionKeySize), 3, reply),
			"error": worded(sk, 4, "Reply = 7 { Error = 401 { \"sigproxy: verification word "+
				"mismatch\" } }\r\n"),
		} {
			err := check(msg)
			if err == nil {
				t.Errorf("%s: %s accepted", mech, name)
			}
			if name == "error" && !errors.Is(err, ErrBadResponse) {
				t.Errorf("%s: an Error Reply gave %v", mech, err)
			}
		}
	}
}
