package proxy

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// mgcpOffers are offers that make the proxy choose each mechanism.
var mgcpOffers = map[skd.Mechanism]string{
	skd.MechAscon128aV12: "ascon128a-v12;q=0.9, hmac-sha256;q=0.5",
	skd.MechHMACSHA256:   "ascon128a-v12;q=0.1, hmac-sha256;q=0.5",
}

// registerMech registers gw1 under mech (PROTOCOL.md §12.2).
func (wd *mgcpWorld) registerMech(mech skd.Mechanism) { wd.registerMechTxn(mech, 10, 11) }

// registerMechTxn registers gw1 with RSIP rs and NTFY nt.
func (wd *mgcpWorld) registerMechTxn(mech skd.Mechanism, rs, nt uint32) {
	wd.t.Helper()
	offer := mgcpOffers[mech]
	fwd := wd.fromGW("gw1", mgcpRegRSIP(rs, testDomain1, offer), "ca")
	ch := wd.fromCA(mgcpChallengeDG(fwd[0].TransactionID(), 9001, testDomain1), "gw1")
	fwd = wd.fromGW("gw1", mgcpNTFY(nt, testDomain1, value(ch[1], "X-SKDSV"), offer), "ca")
	kd, _ := wd.keyDist("gw1", mech.Wrap(), testKID)
	ok := wd.fromCA(mgcpSuccessDG(fwd[0].TransactionID(), 9002, testDomain1, kd), "gw1")
	if len(ok) != 2 || !strings.Contains(value(ok[1], "X-SKDKD"), "mac=") {
		wd.t.Fatalf("registration did not succeed: %d messages", len(ok))
	}
}

// mgcpCmd is a gateway command that is not a registration request.
func mgcpCmd(tid uint32, event string) string {
	return fmt.Sprintf("NTFY %d aaln/1@%s MGCP 1.0\r\nX: 7\r\nO: %s\r\n", tid, testDomain1, event)
}

// mgcpWordTag computes a word as gw1 or the proxy would.
func (wd *mgcpWorld) mgcpWordTag(mech skd.Mechanism, dir string, seq uint32, msg string) string {
	wd.t.Helper()
	var m mgcp.Message
	if _, err := m.Parse([]byte(msg)); err != nil {
		wd.t.Fatal(err)
	}
	in, err := m.AppendWordInput(nil, dir, seq, []byte("gw1"))
	if err != nil {
		wd.t.Fatal(err)
	}
	tag, err := skd.NewMACer().Word(nil, mech, wd.sk[:], in)
	if err != nil {
		wd.t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(tag)
}

// mgcpWorded adds a t2p word numbered seq, computed over signed, to sent.
func (wd *mgcpWorld) mgcpWorded(mech skd.Mechanism, seq uint32, signed, sent string) string {
	wd.t.Helper()
	return sent + fmt.Sprintf("X-SKDMW: seq=%d, mac=\"%s\"\r\n", seq,
		wd.mgcpWordTag(mech, "t2p", seq, signed))
}

// relayWorded sends a worded command, checks it reaches the call agent
// without its word, answers 200 and checks the p2t word gw1 gets.
func (wd *mgcpWorld) relayWorded(mech skd.Mechanism, seq, tid, wantOut uint32) {
	wd.t.Helper()
	cmd := mgcpCmd(tid, "L/hd")
	fwd := wd.fromGW("gw1", wd.mgcpWorded(mech, seq, cmd, cmd), "ca")
	if fwd[0].Find("X-SKDMW") >= 0 {
		wd.t.Fatalf("the word reached the call agent: %s", fwd[0].Bytes())
	}
	back := wd.fromCA(fmt.Sprintf("200 %d OK\r\n", fwd[0].TransactionID()), "gw1")
	r := back[0]
	if r.TransactionID() != tid {
		wd.t.Fatalf("response id %d, want %d", r.TransactionID(), tid)
	}
	got, mac, err := mgcp.ParseWordValue([]byte(value(r, "X-SKDMW")))
	if err != nil || got != wantOut {
		wd.t.Fatalf("p2t word %q (%v), want number %d", value(r, "X-SKDMW"), err, wantOut)
	}
	if want := wd.mgcpWordTag(mech, "p2t", got, string(r.Bytes())); string(mac) != want {
		wd.t.Fatalf("p2t word does not verify:\n%s", r.Bytes())
	}
}

// refusedWord sends pkt from gw1 and wants 510 naming reason r.
func (wd *mgcpWorld) refusedWord(pkt string, tid uint32, r Reason) {
	wd.t.Helper()
	before := reasons(wd)[r.String()]
	text := wantError(wd.t, wd.fromGW("gw1", pkt, "gw1"), tid, 510)
	if want := "verification word " + r.String()[len("mgcp_word_"):]; text != want {
		wd.t.Errorf("510 text %q, want %q", text, want)
	}
	if got := reasons(wd)[r.String()]; got != before+1 {
		wd.t.Errorf("%s counted %d, want %d", r, got, before+1)
	}
}

// TestMGCPWords runs §13 for MGCP under both mechanisms: worded commands
// pass without X-SKDMW, 2xx responses carry p2t words numbered from 1, and
// tampering, missing, malformed, replayed and late words are refused with
// 510.
func TestMGCPWords(t *testing.T) {
	for _, mech := range []skd.Mechanism{skd.MechAscon128aV12, skd.MechHMACSHA256} {
		t.Run(mech.String(), func(t *testing.T) {
			mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) { testMGCPWords(t, wd, mech) })
		})
	}
}

func testMGCPWords(t *testing.T, wd *mgcpWorld, mech skd.Mechanism) {
	wd.registerMech(mech)
	wd.relayWorded(mech, 1, 500, 1)
	wd.relayWorded(mech, 2, 501, 2)

	good := mgcpCmd(502, "L/hd")
	wd.refusedWord(wd.mgcpWorded(mech, 3, good, mgcpCmd(502, "L/hu")), 502, ReasonMGCPWordMismatch)
	wd.refusedWord(wd.mgcpWorded(mech, 3, good, good+"N: ca@evil\r\n"), 502, ReasonMGCPWordMismatch)
	wd.refusedWord(good, 502, ReasonMGCPWordMissing)
	wd.refusedWord(good+"X-SKDMW: seq=3\r\n", 502, ReasonMGCPWordMalformed)
	wd.refusedWord(good+"X-SKDMW: seq=3, mac=\"AAAA\"\r\n", 502, ReasonMGCPWordMalformed)
	worded := wd.mgcpWorded(mech, 3, good, good)
	wd.refusedWord(worded+worded[strings.Index(worded, "X-SKDMW"):], 502, ReasonMGCPWordMalformed)

	// Replay of number 2 in a new command; reorder within the window once,
	// beyond it refused.
	wd.refusedWord(wd.mgcpWorded(mech, 2, mgcpCmd(503, "L/hd"), mgcpCmd(503, "L/hd")), 503,
		ReasonMGCPWordReplayed)
	wd.relayWorded(mech, 100, 504, 3)
	wd.relayWorded(mech, 90, 505, 4)
	wd.refusedWord(wd.mgcpWorded(mech, 90, mgcpCmd(506, "L/hd"), mgcpCmd(506, "L/hd")), 506,
		ReasonMGCPWordReplayed)
	wd.refusedWord(wd.mgcpWorded(mech, 30, mgcpCmd(507, "L/hd"), mgcpCmd(507, "L/hd")), 507,
		ReasonMGCPWordReplayed)

	// A retransmission keeps its proxy id; an error response gets no word.
	cmd := mgcpCmd(508, "L/hd")
	pkt := wd.mgcpWorded(mech, 101, cmd, cmd)
	first := wd.fromGW("gw1", pkt, "ca")
	if again := wd.fromGW("gw1", pkt, "ca"); again[0].TransactionID() != first[0].TransactionID() {
		t.Errorf("retransmission got proxy id %d", again[0].TransactionID())
	}
	back := wd.fromCA(fmt.Sprintf("400 %d busy\r\n", first[0].TransactionID()), "gw1")
	if back[0].Find("X-SKDMW") >= 0 {
		t.Error("an error response carries a word")
	}

	// After de-registration no key verifies a word; plain commands pass.
	id := wd.fromGW("gw1", mgcpRSIP(40, testDomain1, "graceful", ""), "ca")[0]
	wd.fromCA(fmt.Sprintf("200 %d OK\r\n", id.TransactionID()), "gw1")
	wd.refusedWord(wd.mgcpWorded(mech, 102, mgcpCmd(509, "L/hd"), mgcpCmd(509, "L/hd")), 509,
		ReasonMGCPWordMismatch)
	wd.fromGW("gw1", mgcpCmd(510, "L/hd"), "ca")
}

// TestMGCPWordsNewKey: a new registration ends the old key's words (§13.1).
func TestMGCPWordsNewKey(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		mech := skd.MechAscon128aV12
		wd.registerMech(mech)
		wd.relayWorded(mech, 1, 500, 1)
		old := wd.sk
		copy(wd.sk[:], randBytes(t, skd.SessionKeySize))
		wd.registerMechTxn(mech, 20, 21)
		wd.relayWorded(mech, 1, 501, 1)
		fresh := wd.sk
		wd.sk = old
		cmd := mgcpCmd(502, "L/hd")
		wd.refusedWord(wd.mgcpWorded(mech, 7, cmd, cmd), 502, ReasonMGCPWordMismatch)
		wd.sk = fresh
	})
}

// TestGatewayRefuseLegacy: with RefuseLegacy, a gateway command or
// Transaction from an address without a session is refused like one
// missing its word; registration requests still pass.
func TestGatewayRefuseLegacy(t *testing.T) {
	wd := newMGCPStepWorld(t, func(c *Config) { c.RefuseLegacy = true })
	wd.refusedWord(mgcpCmd(600, "L/hd"), 600, ReasonMGCPWordMissing)
	wd.fromGW("gw1", mgcpRegRSIP(10, testDomain1, mgcpOffers[skd.MechHMACSHA256]), "ca")

	ring, err := keystore.NewKeyring([]keystore.ProxyKey{{KID: testKID, Key: randBytes(t, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch,
		H248Listen: testH248Proxy, H248Softswitch: testMGC, Keyring: ring, RefuseLegacy: true})
	if err != nil {
		t.Fatal(err)
	}
	hw := &h248World{t: t, net: &stepNet{h: h, w: h.NewWorker(), out: make([]byte, 0, 8192)}}
	hw.refused("MEGACO/1 [127.0.0.1]:40010\r\n"+modifyTxn(601, "InService"), 601,
		ReasonH248WordMissing)
	hw.expect("mg1", regServiceChange(10, testOffer), "mgc")
}
