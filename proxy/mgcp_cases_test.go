package proxy

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// wantError checks that ms is the proxy's one response to tid with code,
// and for a 510 the proxy's mechanisms in X-SKDSV; it returns the text.
func wantError(t testing.TB, ms []*mgcp.Message, tid uint32, code int) string {
	t.Helper()
	if len(ms) != 1 || ms[0].Code() != code || ms[0].TransactionID() != tid {
		t.Fatalf("want %d %d, got %d messages, first %q", code, tid, len(ms), ms[0].FirstLine())
	}
	if sv := value(ms[0], "X-SKDSV"); code == 510 && sv != "hmac-sha256;q=1, ascon128a-v12;q=0.9" {
		t.Errorf("X-SKDSV of the 510: %q", sv)
	}
	return string(ms[0].Commentary())
}

func reasons(wd *mgcpWorld) map[string]uint64 { return wd.net.handler().Stats().Reasons }

// TestMGCPTwoGatewaysSameID gives two gateways' commands with one id two
// proxy ids, and routes each response back with its gateway's id.
func TestMGCPTwoGatewaysSameID(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		a := wd.fromGW("gw1", mgcpRSIP(77, testDomain1, "restart", ""), "ca")[0]
		b := wd.fromGW("gw2", mgcpRSIP(77, testDomain2, "restart", ""), "ca")[0]
		if a.TransactionID() == b.TransactionID() {
			t.Fatalf("both gateways' id 77 became %d", a.TransactionID())
		}
		for _, c := range []struct {
			proxyID uint32
			gw      string
		}{{b.TransactionID(), "gw2"}, {a.TransactionID(), "gw1"}} {
			got := wd.fromCA(fmt.Sprintf("200 %d OK\r\n", c.proxyID), c.gw)
			if got[0].TransactionID() != 77 {
				t.Errorf("%s got id %d", c.gw, got[0].TransactionID())
			}
		}
		if n := wd.net.handler().Stats().MGCP.Transactions; n != 2 {
			t.Errorf("%d open transactions, want 2", n)
		}
	})
}

// TestMGCPRetransmissions: a retransmitted RSIP or NTFY keeps its proxy id,
// and the call agent's retransmitted success gets the same MAC again.
func TestMGCPRetransmissions(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		reg := wd.toChallenge(testOffer)
		again := wd.fromGW("gw1", mgcpRegRSIP(10, testDomain1, testOffer), "ca")
		if again[0].TransactionID() != reg.proxyRSIP {
			t.Errorf("retransmitted RSIP got %d, first %d", again[0].TransactionID(), reg.proxyRSIP)
		}
		ch := wd.fromCA(mgcpChallengeDG(reg.proxyRSIP, 9001, testDomain1), "gw1")
		if value(ch[1], "X-SKDSV") != reg.server {
			t.Errorf("retransmitted challenge: X-SKDSV %q", value(ch[1], "X-SKDSV"))
		}
		ntfy := mgcpNTFY(11, testDomain1, reg.server, testOffer)
		id1 := wd.fromGW("gw1", ntfy, "ca")[0].TransactionID()
		id2 := wd.fromGW("gw1", ntfy, "ca")[0].TransactionID()
		if id1 != id2 {
			t.Errorf("retransmitted NTFY got %d, first %d", id2, id1)
		}
		kd, _ := wd.keyDist("gw1", skd.WrapAscon128aV12, testKID)
		ok := mgcpSuccessDG(id1, 9002, testDomain1, kd)
		first := wd.fromCA(ok, "gw1")
		second := wd.fromCA(ok, "gw1")
		if value(first[1], "X-SKDKD") != value(second[1], "X-SKDKD") {
			t.Errorf("the retransmitted success changed:\n%s\n%s", first[1].Bytes(),
				second[1].Bytes())
		}
		if n := wd.net.handler().Stats().MGCP.Registered; n != 1 {
			t.Errorf("registered %d times", n)
		}
	})
}

// TestMGCPRefusals: every 510 the proxy answers a gateway with (§12.2).
func TestMGCPRefusals(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		ms := wd.fromGW("gw1", mgcpRegRSIP(20, testDomain1, "kerberos;q=1"), "gw1")
		if txt := wantError(t, ms, 20, 510); txt != "security agreement required" {
			t.Errorf("text %q", txt)
		}
		ms = wd.fromGW("gw1", mgcpRSIP(21, testDomain1, "restart", "X-SKDOF: "+testOffer+"\r\n"), "gw1")
		wantError(t, ms, 21, 510)
		ms = wd.fromGW("gw1", mgcpRegRSIP(22, testDomain1, "hmac-sha256;q=1,,"), "gw1")
		wantError(t, ms, 22, 510)
		ms = wd.fromGW("gw2", mgcpNTFY(23, testDomain2, "hmac-sha256;q=0.5", testOffer), "gw2")
		wantError(t, ms, 23, 510)

		reg := wd.toChallenge(testOffer)
		ms = wd.fromGW("gw1", mgcpNTFY(24, testDomain1, "hmac-sha256;q=0.5", testOffer), "gw1")
		if txt := wantError(t, ms, 24, 510); !strings.Contains(txt, "verify changed") {
			t.Errorf("text %q", txt)
		}
		reg = wd.toChallenge(testOffer)
		ms = wd.fromGW("gw1", mgcpNTFY(25, testDomain1, reg.server, "hmac-sha256;q=0.5"), "gw1")
		if txt := wantError(t, ms, 25, 510); !strings.Contains(txt, "offer changed") {
			t.Errorf("text %q", txt)
		}
		want := map[string]uint64{"mgcp_no_mechanism": 1, "mgcp_bad_offer": 2,
			"mgcp_no_agreement": 1, "mgcp_verify_mismatch": 1, "mgcp_offer_mismatch": 1}
		got := reasons(wd)
		for r, n := range want {
			if got[r] != n {
				t.Errorf("%s counted %d, want %d (%v)", r, got[r], n, got)
			}
		}
		if st := wd.net.handler().Stats().MGCP; st.LocalReplies != 6 {
			t.Errorf("local replies %d, want 6", st.LocalReplies)
		}
	})
}

// TestMGCPKeyDistributionFailsClosed: a success the proxy cannot vouch for
// becomes 510 to the gateway's NTFY, and no key is stored.
func TestMGCPKeyDistributionFailsClosed(t *testing.T) {
	cases := []struct {
		name   string
		kd     func(wd *mgcpWorld) string
		reason string
	}{
		{"unknown kid", func(wd *mgcpWorld) string {
			kd, _ := wd.keyDist("gw1", skd.WrapAscon128aV12, "99")
			return kd
		}, "mgcp_unknown_kid"},
		{"wrong identity", func(wd *mgcpWorld) string {
			kd, _ := wd.keyDist("gw9", skd.WrapAscon128aV12, testKID)
			return kd
		}, "mgcp_unwrap_failed"},
		{"wrong wrap", func(wd *mgcpWorld) string {
			kd, _ := wd.keyDist("gw1", skd.WrapAES128GCM, testKID)
			return kd
		}, "mgcp_key_distribution_malformed"},
		{"no proxy copy", func(wd *mgcpWorld) string {
			return `terminal="AAAA", kid=7, wrap=ascon128a-v12`
		}, "mgcp_key_distribution_missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
				ms, _ := wd.toSuccess(tc.kd(wd))
				txt := wantError(t, ms, 11, 510)
				if !strings.HasPrefix(txt, "key distribution failed: ") {
					t.Errorf("text %q", txt)
				}
				if got := reasons(wd); got[tc.reason] != 1 {
					t.Errorf("reasons %v, want %s", got, tc.reason)
				}
				if _, ok := wd.net.handler().Session([]byte("mgcp:gw1")); ok {
					t.Error("a session key was stored")
				}
			})
		})
	}
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		// The 200 to the NTFY without an X-SKDKD RQNT fails closed too.
		reg := wd.toChallenge(testOffer)
		id := wd.fromGW("gw1", mgcpNTFY(11, testDomain1, reg.server, testOffer), "ca")[0]
		ms := wd.fromCA(fmt.Sprintf("200 %d OK\r\n", id.TransactionID()), "gw1")
		wantError(t, ms, 11, 510)
		if reasons(wd)["mgcp_key_distribution_missing"] != 1 {
			t.Errorf("reasons %v", reasons(wd))
		}
	})
}

// TestMGCPProxyCopyNeverPasses: an X-SKDKD outside a checked success is
// answered (in place of the response it rides with) or dropped.
func TestMGCPProxyCopyNeverPasses(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		kd, _ := wd.keyDist("gw1", skd.WrapAscon128aV12, testKID)
		id := wd.fromGW("gw1", mgcpRSIP(30, testDomain1, "restart", ""), "ca")[0]
		ms := wd.fromCA(mgcpSuccessDG(id.TransactionID(), 9100, testDomain1, kd), "gw1")
		wantError(t, ms, 30, 510)
		rqnt := fmt.Sprintf("RQNT 9101 *@%s MGCP 1.0\r\nX-SKDKD: %s\r\n", testDomain1, kd)
		wd.fromCA(rqnt, "")
		id = wd.fromGW("gw1", mgcpRSIP(31, testDomain1, "restart", ""), "ca")[0]
		resp := fmt.Sprintf("200 %d OK\r\nX-SKDKD: %s\r\n", id.TransactionID(), kd)
		wantError(t, wd.fromCA(resp, "gw1"), 31, 510)
		if n := reasons(wd)["mgcp_key_distribution_without_agreement"]; n != 3 {
			t.Errorf("counted %d, want 3", n)
		}
	})
}

// TestMGCPRoutingByDomain: the call agent's commands go to the gateway
// whose RSIP named their domain (case aside); others are dropped.
func TestMGCPRoutingByDomain(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		wd.fromGW("gw1", mgcpRSIP(1, testDomain1, "restart", ""), "ca")
		wd.fromGW("gw2", mgcpRSIP(1, "GW2.example.net", "disconnected", ""), "ca")
		cmd := "RQNT 500 aaln/1@%s MGCP 1.0\r\nX: 5\r\nR: L/hd(N)\r\n"
		if ms := wd.fromCA(fmt.Sprintf(cmd, "gw2.EXAMPLE.net"), "gw2"); ms[0].TransactionID() != 500 {
			t.Errorf("the call agent's id changed: %q", ms[0].FirstLine())
		}
		wd.fromCA(fmt.Sprintf(cmd, testDomain1), "gw1")
		wd.fromCA(fmt.Sprintf(cmd, "gw3.example.net"), "")
		both := fmt.Sprintf(cmd, testDomain1) + ".\r\n" + fmt.Sprintf(cmd, testDomain2)
		wd.fromCA(both, "")
		wd.fromCA("200 424242 OK\r\n", "")
		if n := reasons(wd)["mgcp_unroutable"]; n != 3 {
			t.Errorf("unroutable counted %d, want 3", n)
		}
		if n := wd.net.handler().Stats().MGCP.Domains; n != 2 {
			t.Errorf("%d domains, want 2", n)
		}
	})
}

// TestMGCPOnlyCallAgentDrivesState: a datagram on the call-agent socket
// from another address is dropped, whatever it holds.
func TestMGCPOnlyCallAgentDrivesState(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		reg := wd.toChallenge(testOffer)
		wd.expect("gw2", MGCPFromCallAgent, mgcpChallengeDG(reg.proxyRSIP, 9001, testDomain1), "")
		if n := reasons(wd)["mgcp_not_from_call_agent"]; n != 1 {
			t.Errorf("counted %d", n)
		}
	})
}

// TestMGCPDeregistration: RSIP forced, answered 2xx, removes the key.
func TestMGCPDeregistration(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		kd, _ := wd.keyDist("gw1", skd.WrapAscon128aV12, testKID)
		wd.toSuccess(kd)
		h := wd.net.handler()
		if _, ok := h.Session([]byte("mgcp:gw1")); !ok {
			t.Fatal("not registered")
		}
		id := wd.fromGW("gw1", mgcpRSIP(40, testDomain1, "forced", ""), "ca")[0]
		wd.fromCA(fmt.Sprintf("500 %d busy\r\n", id.TransactionID()), "gw1")
		if _, ok := h.Session([]byte("mgcp:gw1")); !ok {
			t.Fatal("a refused RSIP forced removed the key")
		}
		id = wd.fromGW("gw1", mgcpRSIP(41, testDomain1, "graceful", ""), "ca")[0]
		wd.fromCA(fmt.Sprintf("200 %d OK\r\n", id.TransactionID()), "gw1")
		if _, ok := h.Session([]byte("mgcp:gw1")); ok {
			t.Error("the key outlived RSIP graceful")
		}
		if n := h.Stats().MGCP.Deregistered; n != 1 {
			t.Errorf("deregistered %d", n)
		}
	})
}

// TestMGCPRejected: a call agent's refusal ends the registration.
func TestMGCPRejected(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		id := wd.fromGW("gw1", mgcpRegRSIP(50, testDomain1, testOffer), "ca")[0]
		if ms := wd.fromCA(fmt.Sprintf("403 %d no\r\n", id.TransactionID()), "gw1"); ms[0].Code() != 403 {
			t.Errorf("refusal became %q", ms[0].FirstLine())
		}
		ms := wd.fromGW("gw1", mgcpNTFY(51, testDomain1, "ascon128a-v12;q=0.9", testOffer), "gw1")
		wantError(t, ms, 51, 510)
		if n := reasons(wd)["mgcp_rejected_by_call_agent"]; n != 1 {
			t.Errorf("rejected counted %d", n)
		}
	})
}

// TestMGCPChallengeUnrecordable: an X-SKDCH without a nonce fails closed
// in place of the 200 to the RSIP.
func TestMGCPChallengeUnrecordable(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		id := wd.fromGW("gw1", mgcpRegRSIP(60, testDomain1, testOffer), "ca")[0]
		ch := strings.Replace(mgcpChallengeDG(id.TransactionID(), 9200, testDomain1),
			testNonce, "", 1)
		ms := wd.fromCA(ch, "gw1")
		wantError(t, ms, 60, 510)
		if n := reasons(wd)["mgcp_challenge_unrecordable"]; n != 1 {
			t.Errorf("counted %d", n)
		}
	})
}

// TestMGCPMalformed: what does not parse is dropped, counted, and leaves
// no transaction behind even when a good message precedes it.
func TestMGCPMalformed(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		wd.fromGW("gw1", "hello\r\n", "")
		wd.fromGW("gw1", mgcpRSIP(70, testDomain1, "restart", "")+".\r\nRSIP x\r\n", "")
		wd.fromCA("RQNT 1 nodomain MGCP 1.0\r\n", "")
		h := wd.net.handler()
		if n := reasons(wd)["mgcp_malformed"]; n != 3 {
			t.Errorf("malformed counted %d", n)
		}
		if n := h.Stats().MGCP.Transactions; n != 0 {
			t.Errorf("%d transactions left behind", n)
		}
	})
}

// TestMGCPPiggybackAndAcks: a gateway's datagram of a response and a
// command is forwarded whole; a provisional response and a response
// acknowledgement keep the ids right.
func TestMGCPPiggybackAndAcks(t *testing.T) {
	mgcpWorlds(t, func(t *testing.T, wd *mgcpWorld) {
		dg := "200 9001 OK\n.\n" + strings.ReplaceAll(mgcpRSIP(80, testDomain1, "restart", ""),
			"\r\n", "\n")
		ms := wd.fromGW("gw1", dg, "ca")
		if len(ms) != 2 || ms[0].TransactionID() != 9001 || ms[1].Verb() != mgcp.VerbRSIP {
			t.Fatalf("piggy-backed datagram: %d messages", len(ms))
		}
		pid := ms[1].TransactionID()
		if p := wd.fromCA(fmt.Sprintf("100 %d pending\r\n", pid), "gw1"); p[0].TransactionID() != 80 {
			t.Errorf("provisional id %d", p[0].TransactionID())
		}
		wd.fromCA(fmt.Sprintf("200 %d OK\r\n", pid), "gw1")
		if a := wd.fromGW("gw1", "000 80\r\n", "ca"); a[0].TransactionID() != pid {
			t.Errorf("response acknowledgement id %d, want %d", a[0].TransactionID(), pid)
		}
	})
}

// TestMGCPTables: the per-source share and the table size answer 409.
func TestMGCPTables(t *testing.T) {
	wd := newMGCPStepWorld(t, func(c *Config) { c.MGCPTxnCapacity = 8 })
	wd.fromGW("gw1", mgcpRSIP(1, testDomain1, "restart", ""), "ca")
	ms := wd.fromGW("gw1", mgcpRSIP(2, testDomain1, "restart", ""), "gw1")
	if txt := wantError(t, ms, 2, 409); txt != "overloaded" {
		t.Errorf("text %q", txt)
	}
	n := wd.net.(*mgcpStepNet)
	full := false
	for i := range 200 {
		a := [4]byte{127, 1, byte(i >> 8), byte(i)}
		src := netip.AddrPortFrom(netip.AddrFrom4(a), 40000)
		res, _, ok := n.w.StepMGCP([]byte(mgcpRSIP(1, testDomain1, "restart", "")), src,
			MGCPFromGateway, n.out)
		full = full || ok && strings.HasPrefix(string(res), "409 1 ")
	}
	if !full || reasons(wd)["mgcp_txn_table_full"] == 0 || reasons(wd)["mgcp_source_limit"] == 0 {
		t.Errorf("no 409 for a full table: %v", reasons(wd))
	}
}
