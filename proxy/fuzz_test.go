package proxy

import (
	"bytes"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// FuzzStep feeds arbitrary datagrams to the per-message step, as if from a
// terminal and as if from the softswitch, with a registration in progress.
// Properties: no panic; whatever the proxy sends for a message that parses
// parses as SIP, and a message that does not parse gets at most a 400; no response
// leaves with a proxy copy of a key, and Key-Distribution only leaves on a
// 200 that carries the proxy's MAC.
func FuzzStep(f *testing.F) {
	seed := newRig(f)
	reg := recordRegistration(f, seed)
	f.Add(reg.first, false)
	f.Add(reg.challenge, true)
	f.Add(reg.second, false)
	f.Add(reg.success, true)
	// A worded INVITE from the registered terminal, verified by the rig that
	// recorded it; to the fuzzed rig, which has no session, it is legacy.
	f.Add([]byte(seed.worded(inviteFrom(1, ""), 1)), false)

	r := newRig(f)
	var in, out sip.Message
	f.Fuzz(func(t *testing.T, pkt []byte, fromSoftswitch bool) {
		src := testTerminal
		if fromSoftswitch {
			src = testSoftswitch
		}
		r.w.Step(reg.first, testTerminal, r.out)
		res, _, ok := r.w.Step(pkt, src, r.out)
		if !ok {
			return
		}
		if in.Parse(pkt) != nil {
			// A 400 to a request that does not parse copies the request's
			// own header lines, which need not parse either.
			if !bytes.HasPrefix(res, []byte("SIP/2.0 400 Bad Request\r\n")) ||
				!bytes.HasSuffix(res, []byte("\r\nContent-Length: 0\r\n\r\n")) {
				t.Fatalf("answer to a malformed message is not a 400: %q", res)
			}
			return
		}
		if err := out.Parse(res); err != nil {
			t.Fatalf("proxy sent a message that does not parse: %v\n%q", err, res)
		}
		if out.IsRequest() {
			return
		}
		for i := out.Index(sip.HdrKeyDistribution, 0); i >= 0; i = out.Index(sip.HdrKeyDistribution, i+1) {
			kd := out.Header(i).Value
			if _, ok := sip.ListParam(kd, "proxy"); ok {
				t.Fatalf("a proxy copy left the proxy: %q", res)
			}
			if _, ok := sip.ListParam(kd, "mac"); !ok || out.StatusCode() != 200 {
				t.Fatalf("Key-Distribution left without the proxy's MAC: %q", res)
			}
		}
	})
}
