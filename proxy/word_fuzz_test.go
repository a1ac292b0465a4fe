package proxy

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// FuzzH248Word sends arbitrary messages from a registered gateway. Nothing
// may crash, and a message the proxy relays to the MGC that holds a
// non-registration Transaction must have carried a word that verifies under
// the session key, and must reach the MGC without it.
func FuzzH248Word(f *testing.F) {
	wd := newStepWorld(f)
	wd.registerMech(skd.MechAscon128aV12)
	body := modifyTxn(700, "InService")
	f.Add([]byte(wd.worded(skd.MechAscon128aV12, 5, body, body)))
	f.Add([]byte(wd.worded(skd.MechAscon128aV12, 6, body, modifyTxn(700, "OutOfService"))))
	f.Add([]byte("MEGACO/1 [127.0.0.1]:40010\r\n" + body))
	n := wd.net.(*stepNet)
	macer := skd.NewMACer()
	f.Fuzz(func(t *testing.T, pkt []byte) {
		in := bytes.Clone(pkt)
		out, dst, ok := n.w.StepH248(pkt, testMG1, n.out)
		if !ok || dst != testMGC {
			return
		}
		var m h248.Message
		if m.Parse(in) != nil {
			t.Fatalf("relayed a message that does not parse: %q", in)
		}
		if !n.w.hw.worded {
			return
		}
		hdr := m.Header()
		input, _ := m.AppendWordInput(nil, "t2p", hdr.Seq, []byte("mg1"))
		if !macer.VerifyWord(skd.MechAscon128aV12, wd.sk[:], input, m.AppendAuthData(nil)) {
			t.Fatalf("relayed with a word that does not verify: %q", in)
		}
		var fwd h248.Message
		if fwd.Parse(out) != nil || fwd.Header().Auth {
			t.Fatalf("the word reached the MGC: %q", out)
		}
	})
}

// FuzzMGCPWord is FuzzH248Word for MGCP: a relayed command marked worded
// carried an X-SKDMW that verifies, and none reaches the call agent.
func FuzzMGCPWord(f *testing.F) {
	wd := newMGCPStepWorld(f, nil)
	wd.registerMech(skd.MechHMACSHA256)
	cmd := mgcpCmd(700, "L/hd")
	f.Add([]byte(wd.mgcpWorded(skd.MechHMACSHA256, 5, cmd, cmd)))
	f.Add([]byte(wd.mgcpWorded(skd.MechHMACSHA256, 6, cmd, mgcpCmd(700, "L/hu"))))
	f.Add([]byte(cmd))
	n := wd.net.(*mgcpStepNet)
	macer := skd.NewMACer()
	f.Fuzz(func(t *testing.T, pkt []byte) {
		in := bytes.Clone(pkt)
		out, dst, ok := n.w.StepMGCP(pkt, testGW1, MGCPFromGateway, n.out)
		if !ok || dst != testCA {
			return
		}
		if bytes.Contains(bytes.ToUpper(out), []byte("X-SKDMW")) &&
			!bytes.Contains(bytes.ToUpper(in), []byte("\nX-SKDMW")) {
			t.Fatalf("a word appeared: %q", out)
		}
		var d mgcp.Datagram
		var m mgcp.Message
		d.Reset(in)
		for d.Next(&m) {
			i := m.Find(mgcp.WordParam)
			if !m.IsCommand() || m.Verb() == mgcp.VerbRSIP || m.Find("X-SKDAU") >= 0 {
				continue
			}
			if i < 0 {
				t.Fatalf("relayed a command without a word: %q", in)
			}
			seq, mac, err := mgcp.ParseWordValue(m.Param(i).Value)
			if err != nil {
				t.Fatalf("relayed a malformed word: %q", in)
			}
			tag, _ := base64.StdEncoding.DecodeString(string(mac))
			input, _ := m.AppendWordInput(nil, "t2p", seq, []byte("gw1"))
			if !macer.VerifyWord(skd.MechHMACSHA256, wd.sk[:], input, tag) {
				t.Fatalf("relayed with a word that does not verify: %q", in)
			}
		}
	})
}
