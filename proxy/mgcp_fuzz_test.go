package proxy

import (
	"bytes"
	"net/netip"
	"strconv"
	"testing"

	"github.com/sigproxy/sigproxy/codec/mgcp"
)

// Placeholders a fuzz input may hold for the proxy ids of the recorded
// registration: the ids are drawn per process, so seeds cannot spell them.
var (
	fuzzRSIPID = []byte("PXRS")
	fuzzNTFYID = []byte("PXNT")
)

// FuzzStepMGCP feeds arbitrary datagrams to the MGCP step, as if from a
// gateway and as if from the call agent, with gw1's registration verified
// (so the call agent's success path is reachable). Properties: no panic;
// whatever the proxy sends parses as MGCP; a gateway's datagram goes to the
// call agent or back to it, the call agent's to a gateway; no proxy copy of
// a key (X-SKDKD proxy=) reaches a gateway, and no offer or foreign
// X-SKDPX the call agent.
func FuzzStepMGCP(f *testing.F) {
	wd := newMGCPStepWorld(f, nil)
	r := recordMGCP(f, wd)
	n := wd.net.(*mgcpStepNet)
	rsipID := strconv.AppendUint(nil, uint64(r.proxyRSIP), 10)
	ntfyID := strconv.AppendUint(nil, uint64(r.proxyNTFY), 10)
	f.Add(r.rsip, false)
	f.Add(bytes.ReplaceAll(r.challenge, rsipID, fuzzRSIPID), true)
	f.Add(r.ntfy, false)
	f.Add(bytes.ReplaceAll(r.success, ntfyID, fuzzNTFYID), true)
	f.Add(r.command, true)
	f.Add(r.ack, false)

	var d mgcp.Datagram
	var m mgcp.Message
	f.Fuzz(func(t *testing.T, pkt []byte, fromCA bool) {
		n.w.StepMGCP(r.rsip, testGW1, MGCPFromGateway, n.out)
		n.w.StepMGCP(r.challenge, testCA, MGCPFromCallAgent, n.out)
		n.w.StepMGCP(r.ntfy, testGW1, MGCPFromGateway, n.out)
		src, side := testGW1, MGCPFromGateway
		if fromCA {
			src, side = testCA, MGCPFromCallAgent
			pkt = bytes.ReplaceAll(pkt, fuzzRSIPID, rsipID)
			pkt = bytes.ReplaceAll(pkt, fuzzNTFYID, ntfyID)
		}
		res, dst, ok := n.w.StepMGCP(pkt, src, side, n.out)
		if !ok {
			return
		}
		switch {
		case fromCA && dst == testCA, !fromCA && dst != testCA && dst != testGW1:
			t.Fatalf("sent to %v: %q", dst, res)
		}
		d.Reset(res)
		for d.Next(&m) {
			checkMGCPOut(t, &m, dst, res)
		}
		if err := d.Err(); err != nil {
			t.Fatalf("the proxy sent a datagram that does not parse: %v\nin:  %q\nout: %q",
				err, pkt, res)
		}
	})
}

// checkMGCPOut fails when a message the proxy sends carries what must not
// leave it: the proxy's copy of a key to a gateway; an offer, a verify
// echo or another proxy's name in an RSIP or NTFY to the call agent.
func checkMGCPOut(t *testing.T, m *mgcp.Message, dst netip.AddrPort, res []byte) {
	for i := range m.NumParams() {
		p := m.Param(i)
		switch {
		case dst != testCA && equalFold(p.Name, nameKeyDist) &&
			bytes.Contains(p.Value, []byte("proxy=")):
			t.Fatalf("a proxy copy reached a gateway: %q", res)
		case dst != testCA || m.Verb() != mgcp.VerbRSIP && m.Verb() != mgcp.VerbNTFY:
			// The profile's values ride in RSIP and NTFY (§12.1); in other
			// commands they mean nothing and pass like any extension.
		case equalFold(p.Name, nameOffer), equalFold(p.Name, nameVerify):
			t.Fatalf("%s reached the call agent: %q", p.Name, res)
		case equalFold(p.Name, nameProxy) && !bytes.HasPrefix(p.Value, []byte("sp1;wrap=")):
			t.Fatalf("a gateway named a proxy to the call agent: %q", res)
		}
	}
}
