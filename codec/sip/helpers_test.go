package sip

import "unsafe"

// inside reports whether sub is a view into buf (or empty).
func inside(buf, sub []byte) bool {
	if len(sub) == 0 {
		return true
	}
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	s0 := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return s0 >= b0 && s0+uintptr(len(sub)) <= b0+uintptr(len(buf))
}

// crlf joins lines with CRLF and ends the last one too.
func crlf(lines ...string) []byte {
	var b []byte
	for _, l := range lines {
		b = append(b, l...)
		b = append(b, "\r\n"...)
	}
	return b
}

// benchRegister is a typical first REGISTER of the wire profile with
// Security-Client and Authorization (docs/PROTOCOL.md §5.1).
var benchRegister = crlf(
	"REGISTER sip:sigproxy.test SIP/2.0",
	"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1;rport",
	"Max-Forwards: 70",
	"From: <sip:alice@sigproxy.test>;tag=ft1",
	"To: <sip:alice@sigproxy.test>",
	"Call-ID: c1@127.0.0.1",
	"CSeq: 1 REGISTER",
	"Contact: <sip:alice@127.0.0.1:40001>",
	"Expires: 3600",
	"Require: sec-agree",
	"Proxy-Require: sec-agree",
	"Supported: path",
	"User-Agent: sigterm/0.1",
	"Security-Client: ascon128a-v12;q=0.9, hmac-sha256;q=0.5",
	`Authorization: Digest username="alice", realm="sigproxy.test", nonce="", `+
		`uri="sip:sigproxy.test", response=""`,
	"Content-Length: 0",
	"",
)

// bench200 is a 200 OK to the second REGISTER carrying Key-Distribution
// (docs/PROTOCOL.md §5.4).
var bench200 = crlf(
	"SIP/2.0 200 OK",
	"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK.p2",
	"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t2;rport=40001;received=127.0.0.1",
	"From: <sip:alice@sigproxy.test>;tag=ft1",
	"To: <sip:alice@sigproxy.test>;tag=tt9",
	"Call-ID: c1@127.0.0.1",
	"CSeq: 2 REGISTER",
	"Contact: <sip:alice@127.0.0.1:40001>;expires=3600",
	"Path: <sip:sp1@127.0.0.1:5060;lr;wrap=ascon128a-v12>",
	`Key-Distribution: terminal="q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEg==", `+
		`proxy="3q2+7wEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEg==", `+
		`kid=1, wrap=ascon128a-v12`,
	"Content-Length: 0",
	"",
)
