package proxy

import (
	"fmt"
	"testing"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// wordCase is one message a word step takes: from whom, on which MGCP side.
type wordCase struct {
	name string
	pkt  []byte
	run  func(pkt []byte) bool
}

// h248WordCases registers mg1 under mech in a step world and returns a
// worded request (t2p verify and strip; replayed as a retransmission) and
// the MGC's Reply to it (p2t word added, a new number each time), and the
// same from a gateway without a session, the cost without words.
func h248WordCases(tb testing.TB, mech skd.Mechanism) []wordCase {
	wd := newStepWorld(tb)
	wd.registerMech(mech)
	n := wd.net.(*stepNet)
	body := modifyTxn(500, "InService")
	req := wd.worded(mech, 1, body, body)
	_, fwd := wd.expect("mg1", req, "mgc")
	reply := fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = 1 { Modify = tdm/1 } }\r\n",
		testMGCID, txnIDs(fwd, h248.TokTransaction)[0])
	step := func(src string) func([]byte) bool {
		return func(pkt []byte) bool {
			_, _, ok := n.w.StepH248(pkt, stepAddrs[src], n.out)
			return ok
		}
	}
	plain := "MEGACO/1 [127.0.0.1]:40020\r\n" + modifyTxn(600, "InService")
	_, pf := wd.expect("mg2", plain, "mgc")
	plainReply := fmt.Sprintf("MEGACO/1 %s\r\nReply = %d { Context = 1 { Modify = tdm/1 } }\r\n",
		testMGCID, txnIDs(pf, h248.TokTransaction)[0])
	return []wordCase{{"verify", []byte(req), step("mg1")}, {"add", []byte(reply), step("mgc")},
		{"plain-request", []byte(plain), step("mg2")},
		{"plain-reply", []byte(plainReply), step("mgc")}}
}

// mgcpWordCases is h248WordCases for MGCP: a worded NTFY and the call
// agent's 200 to it.
func mgcpWordCases(tb testing.TB, mech skd.Mechanism) []wordCase {
	wd := newMGCPStepWorld(tb, nil)
	wd.registerMech(mech)
	n := wd.net.(*mgcpStepNet)
	cmd := mgcpCmd(500, "L/hd")
	req := wd.mgcpWorded(mech, 1, cmd, cmd)
	fwd := wd.fromGW("gw1", req, "ca")
	resp := fmt.Sprintf("200 %d OK\r\n", fwd[0].TransactionID())
	step := func(src string, side MGCPSide) func([]byte) bool {
		return func(pkt []byte) bool {
			_, _, ok := n.w.StepMGCP(pkt, mgcpAddrs[src], side, n.out)
			return ok
		}
	}
	plain := mgcpCmd(600, "L/hd")
	pf := wd.fromGW("gw2", plain, "ca")
	plainResp := fmt.Sprintf("200 %d OK\r\n", pf[0].TransactionID())
	return []wordCase{{"verify", []byte(req), step("gw1", MGCPFromGateway)},
		{"add", []byte(resp), step("ca", MGCPFromCallAgent)},
		{"plain-request", []byte(plain), step("gw2", MGCPFromGateway)},
		{"plain-reply", []byte(plainResp), step("ca", MGCPFromCallAgent)}}
}

// BenchmarkWordStep measures the whole step of a worded message per
// protocol and mechanism: t2p (parse, session lookup, input, tag check,
// window, strip, relay) and p2t (relay, re-parse, input, tag, header),
// beside the same messages relayed without words (plain-request, -reply).
func BenchmarkWordStep(b *testing.B) {
	for _, mech := range []skd.Mechanism{skd.MechHMACSHA256, skd.MechAscon128aV12} {
		for proto, cases := range map[string][]wordCase{
			"h248": h248WordCases(b, mech), "mgcp": mgcpWordCases(b, mech)} {
			for _, c := range cases {
				b.Run(proto+"/"+mech.String()+"/"+c.name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(len(c.pkt)))
					for b.Loop() {
						if !c.run(c.pkt) {
							b.Fatal("dropped")
						}
					}
				})
			}
		}
	}
}
