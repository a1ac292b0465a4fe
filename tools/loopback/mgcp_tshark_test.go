package loopback

import (
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// TestWiresharkDecodesMGCP captures, with tshark on the loopback interface, MGCP
// gateways registering through the proxy and directly at the softswitch's call
// agent, and has tshark's MGCP dissector read every datagram on the three MGCP
// ports: what the gateways, the proxy and the CA emit (piggy-backed datagrams
// included) must decode to the verbs, transaction ids and response codes the
// codec reads, with no malformed-packet mark or expert warning.
func TestWiresharkDecodesMGCP(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark; make deps installs it)")
	}
	ids := []string{"ws-gw-hmac", "ws-gw-ascon", "ws-gw-direct"}
	sys := startSystem(t, Options{Subscribers: ids})
	ports := []int{sys.MGCPProxyAddr().Port, sys.MGCPProxyCallAgentSide().Port,
		sys.MGCPSoftswitchAddr().Port}
	// Per gateway through the proxy: four datagrams from it and two answers, each
	// seen on both sides of the proxy; directly at the CA, the same six once.
	const wantFrames = 2*12 + 6
	path := filepath.Join(t.TempDir(), "mgcp.pcap")
	filter := make([]string, len(ports))
	decodeAs := []string{"-n", "-r", path}
	for i, p := range ports {
		filter[i] = fmt.Sprintf("udp port %d", p)
		decodeAs = append(decodeAs, "-d", fmt.Sprintf("udp.port==%d,mgcp", p))
	}
	wait := startCapture(t, tshark, path, strings.Join(filter, " or "), wantFrames)
	registerCaptured(t, sys, terminal.ProtocolMGCP, ids, sys.MGCPProxyAddr(),
		sys.MGCPSoftswitchAddr())
	wait()

	frames := tsharkLines(t, tshark, append(decodeAs, "-T", "fields", "-E", "occurrence=a",
		"-e", "mgcp.req.verb", "-e", "mgcp.transid", "-e", "mgcp.rsp.rspcode",
		"-e", "udp.payload")...)
	if len(frames) != wantFrames {
		t.Fatalf("tshark read %d frames, want %d", len(frames), wantFrames)
	}
	piggy := 0
	for _, l := range frames {
		f := strings.Split(l, "\t")
		payload, _ := hex.DecodeString(f[len(f)-1])
		want, n := codecFields(t, payload)
		if got := strings.Join(f[:3], "\t"); got != want {
			t.Errorf("%q:\ntshark %q\ncodec  %q", payload, got, want)
		}
		if n > 1 {
			piggy++
		}
	}
	// The challenge and the success ride with a response: four per gateway through
	// the proxy (both sides), two for the direct one.
	if piggy != 2*4+2 {
		t.Errorf("%d piggy-backed datagrams, want 10", piggy)
	}
	for _, l := range tsharkLines(t, tshark, append(decodeAs, "-Y",
		"_ws.malformed || _ws.expert.severity >= 0x600000")...) {
		t.Errorf("tshark flags: %s", l)
	}
}

// codecFields renders what the codec reads from a datagram as tshark prints the
// three fields (several occurrences joined by commas), and the message count.
func codecFields(t *testing.T, b []byte) (string, int) {
	t.Helper()
	var verbs, tids, codes []string
	var d mgcp.Datagram
	var m mgcp.Message
	for d.Reset(b); d.Next(&m); {
		tids = append(tids, strconv.Itoa(int(m.TransactionID())))
		if m.IsCommand() {
			verbs = append(verbs, string(m.VerbBytes()))
		} else {
			codes = append(codes, strconv.Itoa(m.Code()))
		}
	}
	if err := d.Err(); err != nil {
		t.Errorf("codec refuses %q: %v", b, err)
	}
	return strings.Join([]string{strings.Join(verbs, ","), strings.Join(tids, ","),
		strings.Join(codes, ",")}, "\t"), d.Count()
}
