package proxy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestWiresharkDecodesH248 writes what the proxy emits on H.248 (the
// forwarded ServiceChange with X-SKDPX, the challenge with skd/server, the
// forwarded Notify, the success with its authentication header, a 402 and a
// 500 of its own) into a capture and has tshark's MEGACO dissector read it:
// every frame decodes as MEGACO with its transaction id, with no
// malformed-packet mark and no expert warning or error.
//
// Limitation: tshark's text MEGACO dissector (4.0) only starts on "MEGACO"
// or "!", so it shows a message with an authentication header (RFC 3525 B.2
// authenticationHeader, which the success carries) as undissected data. The
// success frame is therefore checked as sent (no malformed mark) and, for
// the MEGACO fields, once more from its MEGACO token on.
func TestWiresharkDecodesH248(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark; make deps installs it)")
	}
	msgs := emittedH248(t)
	authed := -1
	for i, m := range msgs {
		if bytes.HasPrefix(m, []byte("Authentication")) {
			authed = i
		}
	}
	if authed < 0 {
		t.Fatal("no emitted message carries an authentication header")
	}
	body := msgs[authed][bytes.Index(msgs[authed], []byte("MEGACO/")):]
	msgs = append(msgs, body)
	path := filepath.Join(t.TempDir(), "h248.pcap")
	if err := os.WriteFile(path, pcapOfPorts(msgs, 2944, 2945), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := func(args ...string) []string {
		t.Helper()
		args = append([]string{"-n", "-r", path, "-d", "udp.port==2944,megaco"}, args...)
		return tsharkRun(ctx, t, tshark, args...)
	}
	ids := run("-Y", "megaco", "-T", "fields", "-e", "megaco.transid", "-e", "megaco.mId")
	if len(ids) != len(msgs)-1 {
		t.Fatalf("tshark decoded %d of %d frames as MEGACO: %q", len(ids), len(msgs)-1, ids)
	}
	if got := run("-Y", "frame.number == "+strconv.Itoa(authed+1)+" && udp"); len(got) != 1 {
		t.Errorf("the signed success frame is missing: %q", got)
	}
	for i, l := range ids {
		f := strings.Split(l, "\t")
		if len(f) != 2 || f[0] == "" || f[1] == "" {
			t.Errorf("frame %d: no transaction id or mId decoded: %q", i+1, l)
		}
	}
	if errs := run("-Y", "megaco.error_code", "-T", "fields", "-e", "megaco.error_code"); len(errs) != 2 {
		t.Errorf("error descriptors decoded: %q, want the 402 and the 500", errs)
	}
	for _, l := range run("-Y", "_ws.malformed || _ws.expert.severity >= 0x600000") {
		t.Errorf("tshark flags: %s", l)
	}
	if got := run("-Y", "megaco", "-V"); !strings.Contains(strings.Join(got, "\n"), "X-SKDPX") {
		t.Error("the forwarded ServiceChange's X-SKDPX is not in the dissection")
	}
}

// emittedH248 runs a registration, a refused offer and a failed key
// distribution through the step and collects what the proxy sends.
func emittedH248(t *testing.T) [][]byte {
	var msgs [][]byte
	send := func(wd *h248World, from, pkt string) {
		t.Helper()
		out, to := wd.net.send(t, from, pkt)
		if to == "" {
			t.Fatalf("dropped: %v", wd.net.handler().Stats().Reasons)
		}
		msgs = append(msgs, bytes.Clone([]byte(out)))
	}
	wd := newStepWorld(t)
	values, _ := wd.keyValues(skd.WrapAscon128aV12, testKID)
	_, _, reg := wd.toSuccess(values)
	send(wd, "mg1", regServiceChange(10, testOffer))
	send(wd, "mgc", challengeModify(reg.proxySC, 90001))
	send(wd, "mg1", authNotify(11, reg.server, testOffer))
	send(wd, "mgc", successModify(reg.proxyNotify, 90002, values))
	send(wd, "mg2", regServiceChange(30, "ipsec-3gpp;q=0.5"))

	failed := newStepWorld(t)
	bad, _ := failed.keyValues(skd.WrapAscon128aV12, "99")
	out, _, _ := failed.toSuccess(bad)
	msgs = append(msgs, []byte(out))
	return msgs
}
