package proxy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// registerMech registers mg1 under mech (PROTOCOL.md §11.2 to §11.5).
func (wd *h248World) registerMech(mech skd.Mechanism) { wd.registerMechTxn(mech, 10, 11) }

// registerMechTxn registers mg1 with ServiceChange sc and Notify nt.
func (wd *h248World) registerMechTxn(mech skd.Mechanism, sc, nt uint32) {
	wd.t.Helper()
	offer := "ascon128a-v12;q=0.9, hmac-sha256;q=0.5"
	if mech == skd.MechHMACSHA256 {
		offer = "hmac-sha256;q=0.9, ascon128a-v12;q=0.5"
	}
	_, fwd := wd.expect("mg1", regServiceChange(sc, offer), "mgc")
	_, ch := wd.expect("mgc", challengeModify(txnIDs(fwd, h248.TokTransaction)[0], 90001), "mg1")
	server := string(ch.Root().FindParam("skd", "server").Value())
	_, nf := wd.expect("mg1", authNotify(nt, server, offer), "mgc")
	values, _ := wd.keyValues(mech.Wrap(), testKID)
	_, ok := wd.expect("mgc", successModify(txnIDs(nf, h248.TokTransaction)[0], 90002, values), "mg1")
	if !ok.Header().Auth {
		wd.t.Fatal("registration did not succeed")
	}
}

// modifyTxn is a gateway Transaction that is not a registration request.
func modifyTxn(txn uint32, state string) string {
	return fmt.Sprintf("Transaction = %d { Context = 1 { Modify = tdm/1 { Media { "+
		"TerminationState { ServiceStates = %s } } } } }\r\n", txn, state)
}

// wordFor computes the word of a message (header line excluded) as mg1 or
// the proxy would: the tag over the §13.3 input.
func (wd *h248World) wordFor(mech skd.Mechanism, dir string, seq uint32, msg string) []byte {
	wd.t.Helper()
	m := parse(wd.t, msg)
	in, err := m.AppendWordInput(nil, dir, seq, []byte("mg1"))
	if err != nil {
		wd.t.Fatal(err)
	}
	tag, err := skd.NewMACer().Word(nil, mech, wd.sk[:], in)
	if err != nil {
		wd.t.Fatal(err)
	}
	return tag
}

// worded writes a gateway message holding body with a t2p word numbered
// seq; the tag is computed over signed, the body the gateway meant.
func (wd *h248World) worded(mech skd.Mechanism, seq uint32, signed, body string) string {
	wd.t.Helper()
	head := "MEGACO/1 [127.0.0.1]:40010\r\n"
	tag := wd.wordFor(mech, "t2p", seq, head+signed)
	spi, _ := skd.H248SPI(wd.sk[:])
	return fmt.Sprintf("Authentication = 0x%08x:0x%08x:0x%x\r\n%s%s", spi, seq, tag, head, body)
}

// checkP2T checks the word of a success the proxy forwards to mg1.
func (wd *h248World) checkP2T(mech skd.Mechanism, m *h248.Message, seq uint32) {
	wd.t.Helper()
	hdr := m.Header()
	spi, _ := skd.H248SPI(wd.sk[:])
	if !hdr.Auth || hdr.SPI != spi || hdr.Seq != seq {
		wd.t.Fatalf("p2t header %q, want SPI %08x seq %d", hdr.AuthRaw, spi, seq)
	}
	in, _ := m.AppendWordInput(nil, "p2t", seq, []byte("mg1"))
	if !skd.NewMACer().VerifyWord(mech, wd.sk[:], in, m.AppendAuthData(nil)) {
		wd.t.Fatalf("p2t word does not verify:\n%s", m.Bytes())
	}
}

// relayWorded sends a worded Modify, checks it reaches the MGC without the
// header, answers it and returns the gateway's view of the answer.
func (wd *h248World) relayWorded(mech skd.Mechanism, seq, txn uint32) *h248.Message {
	wd.t.Helper()
	body := modifyTxn(txn, "InService")
	out, fwd := wd.expect("mg1", wd.worded(mech, seq, body, body), "mgc")
	if fwd.Header().Auth || !strings.HasPrefix(out, "MEGACO/1") {
		wd.t.Fatalf("the word reached the MGC:\n%s", out)
	}
	id := txnIDs(fwd, h248.TokTransaction)[0]
	reply := fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = 1 { Modify = tdm/1 } }\r\n",
		testMGCID, id)
	_, back := wd.expect("mgc", reply, "mg1")
	if ids := txnIDs(back, h248.TokReply); len(ids) != 1 || ids[0] != txn {
		wd.t.Fatalf("Reply ids %v, want [%d]", ids, txn)
	}
	return back
}

// refused sends pkt from mg1 and wants Error 401 naming reason r.
func (wd *h248World) refused(pkt string, txn uint32, r Reason) {
	wd.t.Helper()
	h := wd.net.handler()
	before := h.Stats().Reasons[r.String()]
	_, m := wd.expect("mg1", pkt, "mg1")
	text := errorReply(wd.t, m, txn, 401)
	if want := "verification word " + r.String()[len("h248_word_"):]; !strings.Contains(text, want) {
		wd.t.Errorf("401 text %q, want %q", text, want)
	}
	if got := h.Stats().Reasons[r.String()]; got != before+1 {
		wd.t.Errorf("%s counted %d, want %d", r, got, before+1)
	}
}

// TestH248Words runs §13 for H.248 under both mechanisms: a worded request
// passes without its header, the success back carries p2t words numbered
// from 2, and tampering, a missing or foreign word, replay and reordering
// beyond the window are refused with 401.
func TestH248Words(t *testing.T) {
	for _, mech := range []skd.Mechanism{skd.MechAscon128aV12, skd.MechHMACSHA256} {
		t.Run(mech.String(), func(t *testing.T) {
			worlds(t, func(t *testing.T, wd *h248World) { testH248Words(t, wd, mech) })
		})
	}
}

func testH248Words(t *testing.T, wd *h248World, mech skd.Mechanism) {
	wd.registerMech(mech)
	wd.checkP2T(mech, wd.relayWorded(mech, 1, 500), 2)
	wd.checkP2T(mech, wd.relayWorded(mech, 2, 501), 3)

	good := modifyTxn(502, "InService")
	wd.refused(wd.worded(mech, 3, good, modifyTxn(502, "OutOfService")), 502,
		ReasonH248WordMismatch)
	wd.refused("MEGACO/1 [127.0.0.1]:40010\r\n"+good, 502, ReasonH248WordMissing)
	spi, _ := skd.H248SPI(wd.sk[:])
	foreign := strings.Replace(wd.worded(mech, 3, good, good), fmt.Sprintf("0x%08x", spi),
		fmt.Sprintf("0x%08x", spi^1), 1)
	wd.refused(foreign, 502, ReasonH248WordMismatch)
	short := fmt.Sprintf("Authentication = 0x%08x:0x%08x:0x%s\r\nMEGACO/1 [127.0.0.1]:40010\r\n%s",
		spi, 3, strings.Repeat("ab", 12), good)
	wd.refused(short, 502, ReasonH248WordMalformed)

	// Replay: number 2 again under a new transaction; reorder within the
	// window is accepted once, beyond it refused.
	wd.refused(wd.worded(mech, 2, modifyTxn(503, "InService"), modifyTxn(503, "InService")),
		503, ReasonH248WordReplayed)
	wd.checkP2T(mech, wd.relayWorded(mech, 100, 504), 4)
	wd.checkP2T(mech, wd.relayWorded(mech, 90, 505), 5)
	wd.refused(wd.worded(mech, 90, modifyTxn(506, "InService"), modifyTxn(506, "InService")),
		506, ReasonH248WordReplayed)
	wd.refused(wd.worded(mech, 30, modifyTxn(507, "InService"), modifyTxn(507, "InService")),
		507, ReasonH248WordReplayed)

	// A retransmission (same transaction, same word) is relayed again with
	// the same proxy id; the MGC answers it from its record.
	body := modifyTxn(508, "InService")
	pkt := wd.worded(mech, 101, body, body)
	_, first := wd.expect("mg1", pkt, "mgc")
	_, again := wd.expect("mg1", pkt, "mgc")
	if a, b := txnIDs(first, h248.TokTransaction), txnIDs(again, h248.TokTransaction); a[0] != b[0] {
		t.Errorf("retransmission got proxy id %d, first %d", b[0], a[0])
	}

	// An error Reply gets no word.
	id := txnIDs(first, h248.TokTransaction)[0]
	_, back := wd.expect("mgc", fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Error = 410 { \"x\" } }\r\n",
		testMGCID, id), "mg1")
	if back.Header().Auth {
		t.Error("an Error Reply carries a word")
	}

	// After de-registration no key verifies a word.
	_, fwd := wd.expect("mg1", serviceChange(20, "Forced", ""), "mgc")
	wd.expect("mgc", fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = - { ServiceChange = ROOT } }\r\n",
		testMGCID, txnIDs(fwd, h248.TokTransaction)[0]), "mg1")
	wd.refused(wd.worded(mech, 102, modifyTxn(509, "InService"), modifyTxn(509, "InService")),
		509, ReasonH248WordMismatch)
	// A plain request from an address with no session passes as before.
	wd.expect("mg1", "MEGACO/1 [127.0.0.1]:40010\r\n"+modifyTxn(510, "InService"), "mgc")
}

// TestH248WordsNewKey: a new registration ends the old key's words (§13.1):
// a word under the old key is refused, the new key's numbers start again.
func TestH248WordsNewKey(t *testing.T) {
	worlds(t, func(t *testing.T, wd *h248World) {
		mech := skd.MechHMACSHA256
		wd.registerMech(mech)
		wd.checkP2T(mech, wd.relayWorded(mech, 1, 500), 2)
		wd.checkP2T(mech, wd.relayWorded(mech, 2, 501), 3)
		old := wd.sk
		copy(wd.sk[:], randBytes(t, skd.SessionKeySize))
		wd.registerMechTxn(mech, 20, 21)
		wd.checkP2T(mech, wd.relayWorded(mech, 1, 502), 2)
		stale := wd.sk
		wd.sk = old
		body := modifyTxn(503, "InService")
		wd.refused(wd.worded(mech, 5, body, body), 503, ReasonH248WordMismatch)
		wd.sk = stale
	})
}
