package proxy

import (
	"fmt"
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// mgcpRecorded is one registration's datagrams, as the gateway and the call
// agent sent them, with the proxy ids the call agent saw filled in: each
// can be replayed as a retransmission.
type mgcpRecorded struct {
	rsip, challenge, ack, ntfy, success, command []byte
	proxyRSIP, proxyNTFY                         uint32
}

// recordMGCP runs gw1's registration through the step world and returns
// its datagrams.
func recordMGCP(t testing.TB, wd *mgcpWorld) mgcpRecorded {
	t.Helper()
	var r mgcpRecorded
	r.rsip = []byte(mgcpRegRSIP(10, testDomain1, testOffer))
	r.proxyRSIP = wd.fromGW("gw1", string(r.rsip), "ca")[0].TransactionID()
	r.challenge = []byte(mgcpChallengeDG(r.proxyRSIP, 9001, testDomain1))
	wd.fromCA(string(r.challenge), "gw1")
	r.ack = []byte("200 9001 OK\r\n")
	wd.fromGW("gw1", string(r.ack), "ca")
	r.ntfy = []byte(mgcpNTFY(11, testDomain1, "ascon128a-v12;q=0.9", testOffer))
	r.proxyNTFY = wd.fromGW("gw1", string(r.ntfy), "ca")[0].TransactionID()
	kd, _ := wd.keyDist("gw1", skd.WrapAscon128aV12, testKID)
	r.success = []byte(mgcpSuccessDG(r.proxyNTFY, 9002, testDomain1, kd))
	if ms := wd.fromCA(string(r.success), "gw1"); len(ms) != 2 {
		t.Fatalf("success: %d messages", len(ms))
	}
	r.command = []byte(fmt.Sprintf("RQNT 9003 aaln/1@%s MGCP 1.0\r\nX: 7\r\nR: L/hd(N)\r\n",
		testDomain1))
	wd.fromCA(string(r.command), "gw1")
	return r
}
