package proxy

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestWiresharkDecodesWhatWeEmit writes every kind of message the proxy
// emits (forwarded requests and responses, the 200 with its MAC, local 494,
// 500 and 400) into a capture file and has tshark dissect it: each must decode
// as SIP with no malformed-packet mark and no expert warning or error.
func TestWiresharkDecodesWhatWeEmit(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark; make deps installs it)")
	}
	msgs := emittedMessages(t)
	path := filepath.Join(t.TempDir(), "emitted.pcap")
	if err := os.WriteFile(path, pcapOf(msgs), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sipFrames := tsharkLines(ctx, t, tshark, path, "sip")
	if len(sipFrames) != len(msgs) {
		t.Errorf("tshark decoded %d of %d frames as SIP", len(sipFrames), len(msgs))
	}
	bad := tsharkLines(ctx, t, tshark, path, "_ws.malformed || _ws.expert.severity >= 0x600000")
	for _, line := range bad {
		t.Errorf("tshark flags: %s", line)
	}
}

// emittedMessages runs registrations on a rig and collects what it sends.
func emittedMessages(t *testing.T) [][]byte {
	var msgs [][]byte
	keep := func(b []byte) { msgs = append(msgs, bytes.Clone(b)) }

	r := newRig(t)
	reg := recordRegistration(t, r)
	for _, step := range []struct {
		pkt            []byte
		fromSoftswitch bool
	}{{reg.first, false}, {reg.challenge, true}, {reg.second, false}} {
		src := testTerminal
		if step.fromSoftswitch {
			src = testSoftswitch
		}
		res, _, _ := r.w.Step(step.pkt, src, r.out)
		keep(res)
	}
	res, _, _ := r.w.Step(reg.success, testSoftswitch, r.out)
	keep(res)

	refused := newRig(t)
	refused.offer = "ipsec-3gpp;q=0.5"
	res, _, _ = refused.w.Step([]byte(refused.firstRegister()), testTerminal, refused.out)
	keep(res)

	failed := newRig(t)
	res, _, _ = failed.w.Step([]byte(failed.flowTo200("")), testSoftswitch, failed.out)
	keep(res)

	bad := strings.Replace(register(1, ""), "Content-Length: 0", "Content-Length: 99", 1)
	res, _, _ = r.w.Step([]byte(bad), testTerminal, r.out)
	keep(res)

	ascon := newRig(t)
	ascon.offer = "ascon128a-v12;q=0.9"
	kd, _ := ascon.keyDistribution(skd.WrapAscon128aV12, testKID)
	res, _, _ = ascon.w.Step([]byte(ascon.flowTo200(kd)), testSoftswitch, ascon.out)
	keep(res)
	return msgs
}

func tsharkLines(ctx context.Context, t *testing.T, tshark, path, filter string) []string {
	t.Helper()
	return tsharkRun(ctx, t, tshark, "-n", "-r", path, "-Y", filter)
}

// tsharkRun runs tshark with args and returns its output lines, without
// the warning it prints when run as root.
func tsharkRun(ctx context.Context, t *testing.T, tshark string, args ...string) []string {
	t.Helper()
	out, err := exec.CommandContext(ctx, tshark, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("tshark %q: %v\n%s", args, err, out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" && !strings.Contains(l, "Running as user") {
			lines = append(lines, l)
		}
	}
	return lines
}

// pcapOf wraps each message in IPv4 and UDP headers (127.0.0.1:5060 to
// 127.0.0.1:5070) in a classic pcap file with raw-IP link type.
func pcapOf(msgs [][]byte) []byte { return pcapOfPorts(msgs, 5060, 5070) }

// pcapOfPorts is pcapOf between the UDP ports src and dst.
func pcapOfPorts(msgs [][]byte, src, dst uint16) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0) // thiszone
	b = binary.LittleEndian.AppendUint32(b, 0) // sigfigs
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 101) // LINKTYPE_RAW
	for i, m := range msgs {
		pkt := ipUDP(m, src, dst)
		b = binary.LittleEndian.AppendUint32(b, uint32(1_700_000_000+i))
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
		b = append(b, pkt...)
	}
	return b
}

func ipUDP(payload []byte, src, dst uint16) []byte {
	total := 20 + 8 + len(payload)
	h := []byte{0x45, 0, byte(total >> 8), byte(total), 0, 0, 0x40, 0, 64, 17, 0, 0,
		127, 0, 0, 1, 127, 0, 0, 1}
	sum := uint32(0)
	for i := 0; i < 20; i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
	udp := []byte{byte(src >> 8), byte(src), byte(dst >> 8), byte(dst),
		byte((8 + len(payload)) >> 8), byte(8 + len(payload)), 0, 0}
	return append(append(h, udp...), payload...)
}
