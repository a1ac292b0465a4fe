package proxy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestWiresharkDecodesMGCP writes what the proxy emits on MGCP (the
// forwarded RSIP with X-SKDPX, the piggy-backed challenge with X-SKDSV, the
// forwarded NTFY, the success with the rewritten X-SKDKD, a 510 and a 409
// of its own, a 510 in place of a failed success) into a capture and has
// tshark's MGCP dissector read it, decoded as MGCP on the proxy's ports:
// every message decodes with its transaction id, with no malformed-packet
// mark and no expert warning or error.
func TestWiresharkDecodesMGCP(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark; make deps installs it)")
	}
	msgs, want := emittedMGCP(t)
	path := filepath.Join(t.TempDir(), "mgcp.pcap")
	if err := os.WriteFile(path, pcapOfPorts(msgs, 2727, 2427), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := func(args ...string) []string {
		t.Helper()
		args = append([]string{"-n", "-r", path, "-d", "udp.port==2727,mgcp",
			"-d", "udp.port==2427,mgcp"}, args...)
		return tsharkRun(ctx, t, tshark, args...)
	}
	frames := run("-Y", "mgcp", "-T", "fields", "-e", "mgcp.transid")
	if len(frames) != len(msgs) {
		t.Fatalf("tshark decoded %d of %d frames as MGCP: %q", len(frames), len(msgs), frames)
	}
	n := 0
	for i, l := range frames {
		ids := strings.Split(l, ",")
		for _, id := range ids {
			if id == "" {
				t.Errorf("frame %d: a message without a transaction id: %q", i+1, l)
			}
		}
		n += len(ids)
	}
	if n != want {
		t.Errorf("tshark read %d messages, the proxy sent %d: %q", n, want, frames)
	}
	codes := strings.Join(run("-Y", "mgcp.rsp", "-T", "fields", "-e", "mgcp.rsp.rspcode"), ",")
	for _, c := range []string{"510", "409", "200"} {
		if !strings.Contains(codes, c) {
			t.Errorf("no %s response decoded: %q", c, codes)
		}
	}
	for _, l := range run("-Y", "_ws.malformed || _ws.expert.severity >= 0x600000") {
		t.Errorf("tshark flags: %s", l)
	}
	dissected := strings.Join(run("-Y", "mgcp", "-V"), "\n")
	for _, p := range []string{"X-SKDPX", "X-SKDSV", "X-SKDKD"} {
		if !strings.Contains(dissected, p) {
			t.Errorf("%s is not in the dissection", p)
		}
	}
}

// emittedMGCP runs a registration, a refused offer, a full table and a
// failed key distribution through the step and collects what the proxy
// sends, and how many messages that is.
func emittedMGCP(t *testing.T) ([][]byte, int) {
	var msgs [][]byte
	total := 0
	keep := func(wd *mgcpWorld, from string, side MGCPSide, pkt string) {
		t.Helper()
		out, to := wd.net.send(t, from, side, pkt)
		if to == "" {
			t.Fatalf("dropped: %v", wd.net.handler().Stats().Reasons)
		}
		msgs = append(msgs, []byte(out))
		total += len(mgcpMsgs(t, out))
	}
	wd := newMGCPStepWorld(t, nil)
	r := recordMGCP(t, wd)
	keep(wd, "gw1", MGCPFromGateway, string(r.rsip))
	keep(wd, "ca", MGCPFromCallAgent, string(r.challenge))
	keep(wd, "gw1", MGCPFromGateway, string(r.ack))
	keep(wd, "gw1", MGCPFromGateway, string(r.ntfy))
	keep(wd, "ca", MGCPFromCallAgent, string(r.success))
	keep(wd, "ca", MGCPFromCallAgent, string(r.command))
	keep(wd, "gw2", MGCPFromGateway, mgcpRegRSIP(30, testDomain2, "ipsec-3gpp;q=0.5"))
	small := newMGCPStepWorld(t, func(c *Config) { c.MGCPTxnCapacity = 8 })
	small.fromGW("gw1", mgcpRSIP(31, testDomain1, "restart", ""), "ca")
	keep(small, "gw1", MGCPFromGateway, mgcpRSIP(32, testDomain1, "restart", ""))

	failed := newMGCPStepWorld(t, nil)
	kd, _ := failed.keyDist("gw1", skd.WrapAscon128aV12, "99")
	ms, _ := failed.toSuccess(kd)
	out := string(ms[0].Bytes())
	msgs = append(msgs, []byte(out))
	total++
	return msgs, total
}
