package proxy

import (
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestLateSecondChallenge: the terminal retransmits its first REGISTER while
// the softswitch is slow, the softswitch challenges both copies with two
// nonces, and the second 401 reaches the proxy after the terminal has
// answered the first. The late 401 must not move the registration back: the
// 200 bound to the answered nonce still passes with a verified MAC.
func TestLateSecondChallenge(t *testing.T) {
	r := newRig(t)
	first := r.firstRegister()
	fwd1, _ := r.step(first, testTerminal)
	resp401, _ := r.step(answer(fwd1, "401 Unauthorized", challenge()), testSoftswitch)
	server, _ := resp401.Get(sip.HdrSecurityServer)
	if len(server) == 0 {
		t.Fatal("no Security-Server on the first 401")
	}
	fwdAgain, _ := r.step(first, testTerminal) // the retransmission, forwarded again
	if fwdAgain == nil {
		t.Fatal("the retransmitted first REGISTER was not forwarded")
	}
	lateChallenge := answer(fwdAgain, "401 Unauthorized",
		strings.Replace(challenge(), testNonce, "second-nonce", 1))

	fwd2, _ := r.step(r.secondRegister(string(server)), testTerminal)
	if fwd2 == nil || !fwd2.IsRequest() {
		t.Fatal("second REGISTER not forwarded")
	}
	late, _ := r.step(lateChallenge, testSoftswitch)
	if late == nil || late.StatusCode() != 401 {
		t.Fatal("the late 401 was not relayed to the terminal")
	}

	kd, _ := r.keyDistribution(skd.WrapAES128GCM, testKID)
	resp, _ := r.step(answer(fwd2, "200 OK", "Contact: <sip:alice@127.0.0.1:40001>\r\n"+kd),
		testSoftswitch)
	if resp == nil || resp.StatusCode() != 200 {
		t.Fatalf("the 200 after a late challenge: %v (reasons %v)", resp, r.h.Stats().Reasons)
	}
	if !r.verifyMAC(resp, string(server), skd.MechHMACSHA256) {
		t.Error("MAC does not verify: the late challenge's nonce was bound")
	}
}
