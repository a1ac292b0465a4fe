package terminal

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// newTestGW returns an MGCP terminal that is never started on the network.
func newTestGW(t testing.TB, offer ...string) *Terminal {
	t.Helper()
	term, err := New(Config{Protocol: ProtocolMGCP, Identity: "gw1", Kc: kcFor("gw1"),
		Proxy: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2727}, Offer: offer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = term.Close() })
	return term
}

// TestGWMessagesFollowProfile parses what the gateway writes and checks the places
// of docs/PROTOCOL.md §12.1 and §12.2.
func TestGWMessagesFollowProfile(t *testing.T) {
	term := newTestGW(t, "ascon128a-v12;q=0.9", "hmac-sha256;q=0.5")
	var m mgcp.Message
	if _, err := m.Parse(term.buildRSIP(10)); err != nil {
		t.Fatal(err)
	}
	rm, _ := m.Value(mgcp.ParamRestartMethod)
	if m.Verb() != mgcp.VerbRSIP || m.TransactionID() != 10 || string(rm) != "restart" ||
		string(m.Endpoint()) != term.gw.endpoint ||
		string(m.Param(m.Find(xIdentity)).Value) != "gw1" ||
		string(m.Param(m.Find(xOffer)).Value) != "ascon128a-v12;q=0.9, hmac-sha256;q=0.5" {
		t.Errorf("RSIP:\n%s", m.Bytes())
	}
	ch := &challenge{nonce: "n1", chosen: "ascon128a-v12;q=0.9", rid: "7a"}
	if _, err := m.Parse(term.buildNTFY(11, ch, "abcd")); err != nil {
		t.Fatal(err)
	}
	x, _ := m.Value(mgcp.ParamRequestIdentifier)
	o, _ := m.Value(mgcp.ParamObservedEvents)
	want := map[string]string{xAuth: `username="gw1", nonce="n1", response="abcd"`,
		xVerify: "ascon128a-v12;q=0.9", xOffer: "ascon128a-v12;q=0.9, hmac-sha256;q=0.5"}
	if m.Verb() != mgcp.VerbNTFY || string(x) != "7a" || string(o) != "skd/auth" {
		t.Errorf("NTFY:\n%s", m.Bytes())
	}
	for name, v := range want {
		if i := m.Find(name); i < 0 || string(m.Param(i).Value) != v {
			t.Errorf("NTFY %s wrong:\n%s", name, m.Bytes())
		}
	}
	if _, err := m.Parse(buildResponse(90001, 510, "sigterm: mac mismatch")); err != nil ||
		m.Code() != 510 || m.TransactionID() != 90001 {
		t.Errorf("response: %v %s", err, m.Bytes())
	}
}

// TestParseCA reads a datagram with a response and two RQNTs, and refuses one with
// more RQNTs than the limit.
func TestParseCA(t *testing.T) {
	msg := "510 11 no acceptable mechanism\r\n.\r\n" +
		"RQNT 90002 aaln/1@[127.0.0.1]:4000 MGCP 1.0\r\nX: 5a\r\nR: skd/auth\r\n" +
		"X-SKDCH: realm=\"r\", nonce=\"n\", algorithm=MD5\r\nx-skdch: second\r\n.\r\n" +
		"RQNT 90003 aaln/1@[127.0.0.1]:4000 MGCP 1.0\r\nX-SKDKD: terminal=\"t\", wrap=w\r\n"
	in, err := parseCA(new(mgcp.Message), []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	r, q := in.response(11), in.rqntWith(xChallenge)
	switch {
	case r == nil || r.code != 510 || r.text != "no acceptable mechanism":
		t.Errorf("response: %+v", in.resps)
	case q == nil || q.tid != 90002 || q.rid != "5a" || q.events != "skd/auth" ||
		q.endpoint != "aaln/1@[127.0.0.1]:4000" || !strings.HasPrefix(q.params[xChallenge], "realm"):
		t.Errorf("challenge RQNT: %+v", q)
	case in.rqntWith(xKeys) == nil || in.rqntWith(xKeys).tid != 90003:
		t.Errorf("success RQNT: %+v", in.rqnts)
	}
	many := make([]string, maxCAItems+1)
	for i := range many {
		many[i] = fmt.Sprintf("RQNT %d aaln/1@gw MGCP 1.0\r\n", i+1)
	}
	joined := strings.Join(many, ".\r\n")
	if _, err := parseCA(new(mgcp.Message), []byte(joined)); !errors.Is(err, errCATooMany) {
		t.Errorf("%d RQNTs: %v", maxCAItems+1, err)
	}
}

// FuzzParseCA feeds arbitrary datagrams to the gateway's reader and judges (seeds:
// the CA's challenge, success and error datagrams, in testdata/fuzz/FuzzParseCA).
// Property: no panic; what parseCA returns respects the limits; judging never
// reports a registration without a verified MAC.
func FuzzParseCA(f *testing.F) {
	var m mgcp.Message
	term := newTestGW(f, "hmac-sha256", "ascon128a-v12")
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseCA(&m, b)
		if err != nil {
			return
		}
		if len(in.resps) > maxCAItems || len(in.rqnts) > maxCAItems {
			t.Fatalf("limits exceeded: %+v", in)
		}
		rep := Report{}
		rc := &recorder{rep: &rep, log: func(string) {}}
		if len(in.resps) > 0 && in.resps[0].code >= 200 {
			_, _, _, _ = term.readGWChallenge(in, in.resps[0].tid, rc)
		}
		if q := in.rqntWith(xKeys); q != nil {
			ch := &challenge{alg: "MD5", realm: "r", nonce: "n", chosen: "hmac-sha256",
				mech: skd.MechHMACSHA256}
			if term.checkGWSuccess(q, ch, rc) == nil {
				t.Fatalf("success RQNT accepted without a key:\n%q", b)
			}
		}
	})
}

// TestGWFailureVerdicts maps the 510s of the profile onto outcomes: a refusal at
// the RSIP or of the agreement, a refused digest at the NTFY, and the proxy's key
// distribution failure at either step.
func TestGWFailureVerdicts(t *testing.T) {
	term := newTestGW(t, "hmac-sha256")
	cases := []struct {
		code int
		text string
		ntfy bool
		want error
	}{
		{510, "no acceptable mechanism", false, ErrRefused},
		{510, "security agreement required", true, ErrRefused},
		{510, "digest response mismatch", true, ErrForbidden},
		{510, "key distribution failed: challenge_unrecordable", false, ErrStatus},
		{510, "key distribution failed: unknown_kid", true, ErrStatus},
		{409, "overloaded", false, ErrStatus},
	}
	for _, c := range cases {
		rep := Report{}
		rc := &recorder{rep: &rep, log: func(string) {}}
		err := term.gwFailure(&caResp{tid: 1, code: c.code, text: c.text}, c.ntfy, rc)
		if !errors.Is(err, c.want) || rep.Status != c.code {
			t.Errorf("%d %q ntfy=%v: %v (status %d), want %v", c.code, c.text, c.ntfy, err,
				rep.Status, c.want)
		}
	}
}
