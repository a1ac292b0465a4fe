package loopback

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/tools/terminal"
)

// TestWiresharkDecodesGateways captures, with tshark on the loopback interface,
// media gateways registering through the proxy and directly at the softswitch's
// MGC, and has tshark's MEGACO dissector read every datagram on the two H.248
// ports: the gateway's and the MGC's messages must decode with a transaction id
// and mId and without a malformed-packet mark or expert warning.
//
// Limitation: tshark's text MEGACO dissector only starts on "MEGACO" or "!", so a
// message that opens with an authentication header (the success Modify) is not
// dissected; those frames are counted apart and must begin with the header.
func TestWiresharkDecodesGateways(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark; make deps installs it)")
	}
	ids := []string{"ws-hmac", "ws-ascon", "ws-direct"}
	sys := startSystem(t, Options{Subscribers: ids})
	proxyPort, mgcPort := sys.H248ProxyAddr().Port, sys.H248SoftswitchAddr().Port
	// Per gateway through the proxy: four messages from it and two answers, each
	// seen on both sides of the proxy; directly at the MGC, the same six once.
	const wantFrames = 2*12 + 6
	path := filepath.Join(t.TempDir(), "gateways.pcap")
	wait := startCapture(t, tshark, path,
		fmt.Sprintf("udp port %d or udp port %d", proxyPort, mgcPort), wantFrames)
	registerCaptured(t, sys, terminal.ProtocolH248, ids, sys.H248ProxyAddr(),
		sys.H248SoftswitchAddr())
	wait()

	decodeAs := []string{"-n", "-r", path,
		"-d", fmt.Sprintf("udp.port==%d,megaco", proxyPort),
		"-d", fmt.Sprintf("udp.port==%d,megaco", mgcPort)}
	frames := tsharkLines(t, tshark, append(decodeAs, "-T", "fields", "-e", "megaco.transid",
		"-e", "megaco.mId", "-e", "udp.payload")...)
	decoded, authed := 0, 0
	for _, l := range frames {
		f := strings.Split(l, "\t")
		payload, _ := hex.DecodeString(f[len(f)-1])
		switch {
		case len(f) == 3 && f[0] != "" && f[1] != "":
			decoded++
		case bytes.HasPrefix(payload, []byte("AU")) ||
			bytes.HasPrefix(payload, []byte("Authentication")):
			authed++
		default:
			t.Errorf("not decoded as MEGACO: %q", payload)
		}
	}
	// The success carries the header on the gateway's side only.
	if decoded != wantFrames-3 || authed != 3 {
		t.Errorf("%d frames decoded, %d with an authentication header; want %d and 3",
			decoded, authed, wantFrames-3)
	}
	for _, l := range tsharkLines(t, tshark, append(decodeAs, "-Y",
		"_ws.malformed || _ws.expert.severity >= 0x600000")...) {
		t.Errorf("tshark flags: %s", l)
	}
}

// captureT1 is the gateways' first retransmission interval in the captures: long
// enough that a loaded machine does not retransmit, since the captures count
// frames exactly.
const captureT1 = 3 * time.Second

// startCapture runs tshark on the loopback interface with a capture filter until it
// has written count packets. It returns once tshark has been capturing for a moment
// (its "Capturing on" line comes a little before the socket sees traffic); wait
// returns when tshark has exited, and fails the test when that takes 15 s.
func startCapture(t *testing.T, tshark, path, filter string, count int) (wait func()) {
	t.Helper()
	cmd := exec.Command(tshark, "-i", "lo", "-f", filter, "-c", strconv.Itoa(count),
		"-w", path, "-q")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("tshark: %v", err)
	}
	exited := make(chan error, 1)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Capturing on") {
				ready <- true
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case <-ready:
		time.Sleep(500 * time.Millisecond)
	case err := <-exited:
		t.Fatalf("tshark exited before capturing: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("tshark did not start capturing within 20 s")
	}
	return func() {
		t.Helper()
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("tshark did not see %d packets within 15 s", count)
		}
	}
}

// registerCaptured registers three gateways of protocol, all of which must end
// secured: ids[0] offering HMAC and ids[1] Ascon through proxy, ids[2] offering
// HMAC directly at softswitch.
func registerCaptured(t *testing.T, sys *System, protocol string, ids []string,
	proxy, softswitch *net.UDPAddr) {
	t.Helper()
	cfgs := make([]terminal.Config, len(ids))
	for i, id := range ids {
		cfgs[i] = terminal.Config{Protocol: protocol, Identity: id, Kc: sys.Kc(id),
			Proxy: proxy, Offer: []string{"hmac-sha256;q=0.5"}, T1: captureT1}
	}
	cfgs[1].Offer = []string{"ascon128a-v12"}
	cfgs[2].Proxy = softswitch
	for _, r := range terminal.RunMany(context.Background(), cfgs, 0) {
		if !r.Secured() {
			t.Fatalf("%s: %s\n%s", r.Identity, r.Outcome, strings.Join(r.Steps, "\n"))
		}
	}
}

// tsharkLines runs tshark with args and returns its output lines.
func tsharkLines(t *testing.T, tshark string, args ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
