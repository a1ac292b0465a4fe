package softswitch

import (
	"fmt"
	"net"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// BenchmarkDirectRegistration measures the registrar's own work for one direct-mode
// registration (401 then 200 with MAC), without sockets and with an in-process AC.
// The registrar is a test role; the number says how much load generator headroom it
// leaves, not product speed.
func BenchmarkDirectRegistration(b *testing.B) {
	kc := make([]byte, skd.KcSize)
	s, err := New(Config{AC: &memAC{kc: kc, ksp: make([]byte, skd.KspSize)}})
	if err != nil {
		b.Fatal(err)
	}
	src := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40001}
	const nonce = "00112233445566778899aabbccddeeff"
	pw := skd.DigestPassword(kc)
	ha1, _ := skd.HA1(AlgSHA256, "alice", testRealm, pw)
	resp, _ := skd.DigestResponse(AlgSHA256, ha1, nonce, "REGISTER", testURI, "", "", "")
	auth := fmt.Sprintf(`Digest username="alice", realm="%s", nonce="%s", uri="%s", `+
		`response="%s", algorithm=SHA-256`, testRealm, nonce, testURI, resp)
	msg := func(cseq int, extra string) []byte {
		return []byte(fmt.Sprintf("REGISTER sip:sigproxy.test SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.%d;rport\r\n"+
			"From: <sip:alice@sigproxy.test>;tag=f\r\nTo: <sip:alice@sigproxy.test>\r\n"+
			"Call-ID: bench\r\nCSeq: %d REGISTER\r\nContact: <sip:alice@127.0.0.1:40001>\r\n"+
			"Security-Client: ascon128a-v12;q=0.9, hmac-sha256;q=0.5\r\n%s"+
			"Content-Length: 0\r\n\r\n", cseq, cseq, extra))
	}
	second := "Security-Verify: ascon128a-v12;q=0.9\r\nAuthorization: " + auth + "\r\n"
	run := func(pkt []byte, want int) {
		var m sip.Message
		if err := m.Parse(pkt); err != nil {
			b.Fatal(err)
		}
		req, err := s.newRequest(&m, src)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := s.dispatch(req)
		var r sip.Message
		if err := r.Parse(out); err != nil || r.StatusCode() != want {
			b.Fatalf("want %d, got:\n%s", want, out)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		run(msg(2*i+1, ""), 401)
		run(msg(2*i+2, second), 200)
	}
}
