package proxy

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestRetransmissionsAfterSuccess replays the second REGISTER and the 200
// as UDP retransmissions would: both are handled again, and the terminal gets
// a 200 whose MAC verifies, not a 494.
func TestRetransmissionsAfterSuccess(t *testing.T) {
	r := newRig(t)
	kd, _ := r.keyDistribution(skd.WrapAES128GCM, testKID)
	ok200 := r.flowTo200(kd)
	r.step(ok200, testSoftswitch)

	second := r.secondRegister("hmac-sha256;q=0.9")
	fwd, dst := r.step(second, testTerminal)
	if dst != testSoftswitch || !fwd.IsRequest() {
		t.Fatalf("retransmitted second REGISTER: got %d to %v", fwd.StatusCode(), dst)
	}
	resp, _ := r.step(ok200, testSoftswitch)
	if resp.StatusCode() != 200 || !r.verifyMAC(resp, "hmac-sha256;q=0.9", skd.MechHMACSHA256) {
		t.Fatalf("retransmitted 200: got %d, or its MAC does not verify", resp.StatusCode())
	}
}

// TestDeregistrationWithAgreement removes a binding with a full agreement: the
// softswitch's 200 carries no key, the proxy relays it and drops the session.
func TestDeregistrationWithAgreement(t *testing.T) {
	r := newRig(t)
	kd, _ := r.keyDistribution(skd.WrapAES128GCM, testKID)
	r.step(r.flowTo200(kd), testSoftswitch)
	aor := []byte("sip:alice@sigproxy.test")
	if _, ok := r.h.Session(aor); !ok {
		t.Fatal("no session after registration")
	}

	bye := strings.Replace(r.flowTo200(""), "Contact: <sip:alice@127.0.0.1:40001>;expires=3600\r\n",
		"Expires: 0\r\n", 1)
	resp, dst := r.step(bye, testSoftswitch)
	if resp.StatusCode() != 200 || dst != testTerminal {
		t.Fatalf("de-registration: got %d to %v, want the 200 relayed", resp.StatusCode(), dst)
	}
	if _, ok := r.h.Session(aor); ok {
		t.Error("session key kept after de-registration")
	}
	if st := r.h.Stats(); st.Deregistered != 1 {
		t.Errorf("deregistered counted %d times, want 1", st.Deregistered)
	}
}

// TestResponsesOnlyFromSoftswitchDriveState forges responses from another
// source: none may change registration state, reach a terminal, or reflect
// to an address of the forger's choosing.
func TestResponsesOnlyFromSoftswitchDriveState(t *testing.T) {
	attacker := netip.MustParseAddrPort("127.0.0.1:6666")
	r := newRig(t)
	kd, _ := r.keyDistribution(skd.WrapAES128GCM, testKID)
	r.step(r.flowTo200(kd), testSoftswitch)
	aor := []byte("sip:alice@sigproxy.test")

	own := "Via: " + string(r.w.self.hostPort) + ";branch=" + branchPrefix + "0011223344556677\r\n"
	forged := func(status, extra string) string {
		return "SIP/2.0 " + status + "\r\nVia: SIP/2.0/UDP " + own[5:] +
			"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t2;received=127.0.0.1;rport=40001\r\n" +
			"From: <sip:alice@sigproxy.test>;tag=ft1\r\nTo: <sip:alice@sigproxy.test>;tag=x\r\n" +
			"Call-ID: c1@127.0.0.1\r\nCSeq: 2 REGISTER\r\n" + extra + "Content-Length: 0\r\n\r\n"
	}
	for _, msg := range []string{
		forged("200 OK", "Expires: 0\r\n"),
		forged("401 Unauthorized", challenge()),
		forged("403 Forbidden", ""),
	} {
		if res, dst, ok := r.w.Step([]byte(msg), attacker, r.out); ok {
			t.Errorf("forged response relayed to %v: %.30q", dst, res)
		}
	}
	if _, ok := r.h.Session(aor); !ok {
		t.Error("a forged 200 removed the session key")
	}
	if n := r.h.Stats().Reasons[ReasonSpoofedResponse.String()]; n != 3 {
		t.Errorf("spoofed responses counted %d times, want 3", n)
	}
}

func TestPendingPerSourceLimit(t *testing.T) {
	r := newRig(t)
	h, err := NewHandler(Config{ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch,
		Keyring: r.h.cfg.Keyring, PendingPerSource: 3})
	if err != nil {
		t.Fatal(err)
	}
	r.h, r.w = h, h.NewWorker()
	first := r.firstRegister()
	for i := 0; i < 4; i++ {
		msg := strings.Replace(first, "Call-ID: c1@", fmt.Sprintf("Call-ID: c%d@", 10+i), 1)
		res, dst, _ := r.w.Step([]byte(msg), testTerminal, r.out)
		status := string(res[:min(len(res), 12)])
		switch {
		case i < 3 && dst != testSoftswitch:
			t.Errorf("registration %d from one source: %q, want forwarded", i, status)
		case i == 3 && status != "SIP/2.0 503 ":
			t.Errorf("registration %d from one source: %q, want 503", i, status)
		}
	}
	other := netip.MustParseAddrPort("127.0.0.2:40001")
	if _, dst, _ := r.w.Step([]byte(first), other, r.out); dst != testSoftswitch {
		t.Error("another source was refused too")
	}
	if n := h.Stats().Reasons[ReasonSourceLimit.String()]; n != 1 {
		t.Errorf("source limit counted %d times, want 1", n)
	}
}

func TestChallengeWithoutUsableNonceFailsClosed(t *testing.T) {
	r := newRig(t)
	fwd1, _ := r.step(r.firstRegister(), testTerminal)
	long := strings.Replace(challenge(), testNonce, strings.Repeat("n", maxField+1), 1)
	resp, dst := r.step(answer(fwd1, "401 Unauthorized", long), testSoftswitch)
	if resp.StatusCode() != 500 || dst != testTerminal {
		t.Fatalf("got %d, want 500: a challenge the proxy cannot record", resp.StatusCode())
	}
}

func TestMalformedTerminalCopyFailsClosed(t *testing.T) {
	r := newRig(t)
	kd, terminal := r.keyDistribution(skd.WrapAES128GCM, testKID)
	kd = strings.Replace(kd, terminal, `a\"b, mac=\"zzz`, 1)
	failing(t, r, kd, ReasonKeyDistMalformed)
}

func TestForwardedViaStaysParsable(t *testing.T) {
	r := newRig(t)
	params := strings.Repeat(";p", sip.MaxParams-2)
	msg := strings.Replace(register(1, ""), ";rport\r\n", ";rport"+params+"\r\n", 1)
	res, dst, ok := r.w.Step([]byte(msg), testTerminal, r.out)
	if !ok {
		t.Fatal("dropped")
	}
	var m sip.Message
	if err := m.Parse(res); err != nil {
		t.Fatalf("proxy sent %v an unparsable message: %v", dst, err)
	}
	if dst != testSoftswitch && m.StatusCode() != 400 {
		t.Errorf("got %d, want forwarded or 400", m.StatusCode())
	}
}

func TestDuplicateSingleHeadersRefused(t *testing.T) {
	r := newRig(t)
	msg := strings.Replace(register(1, ""), "Call-ID: c1@127.0.0.1\r\n",
		"Call-ID: c1@127.0.0.1\r\nCall-ID: c2@127.0.0.1\r\n", 1)
	resp, dst := r.step(msg, testTerminal)
	if resp.StatusCode() != 400 || dst != testTerminal {
		t.Fatalf("two Call-IDs: got %d, want 400", resp.StatusCode())
	}
}

// TestRetransmittedFirstRegisterKeepsAgreement sends the first REGISTER again
// after its 401 passed: the registration must still complete.
func TestRetransmittedFirstRegisterKeepsAgreement(t *testing.T) {
	r := newRig(t)
	fwd1, _ := r.step(r.firstRegister(), testTerminal)
	resp401, _ := r.step(answer(fwd1, "401 Unauthorized", challenge()), testSoftswitch)
	if _, dst := r.step(r.firstRegister(), testTerminal); dst != testSoftswitch {
		t.Fatalf("retransmitted first REGISTER went to %v", dst)
	}
	server, _ := resp401.Get(sip.HdrSecurityServer)
	fwd2, _ := r.step(r.secondRegister(string(server)), testTerminal)
	kd, _ := r.keyDistribution(skd.WrapAES128GCM, testKID)
	resp, _ := r.step(answer(fwd2, "200 OK", "Expires: 3600\r\n"+kd), testSoftswitch)
	if resp.StatusCode() != 200 || !r.verifyMAC(resp, string(server), skd.MechHMACSHA256) {
		t.Fatalf("got %d after a retransmitted first REGISTER, want a verified 200", resp.StatusCode())
	}
}
