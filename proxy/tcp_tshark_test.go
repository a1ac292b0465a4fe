package proxy

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestWiresharkFramesTCPStreams has tshark reassemble what the proxy writes
// on TCP connections, cut into segments that split messages and join
// others: SIP messages (Content-Length framing) and H.248 messages in TPKT.
// Every message must come out of reassembly whole, with no malformed-packet
// mark and no expert warning or error.
//
// Limitation: tshark 4.0 does not skip a keep-alive CRLF between two SIP
// messages in one segment, so the stream holds no pongs; and its text MEGACO
// dissector does not start on an authentication header, so the signed
// success is framed from its MEGACO token on (see TestWiresharkDecodesH248).
func TestWiresharkFramesTCPStreams(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark; make deps installs it)")
	}
	var sipStream []byte
	sipMsgs := emittedMessages(t)
	for _, m := range sipMsgs {
		sipStream = append(sipStream, m...)
	}
	h248Msgs := emittedH248(t)
	s := NewServer(&Handler{})
	var h248Stream []byte
	for _, m := range h248Msgs {
		m = m[bytes.Index(m, []byte("MEGACO/")):]
		framed, ok := s.tpktWrap(bytes.Clone(m))
		if !ok {
			t.Fatal("an emitted H.248 message does not fit a TPKT")
		}
		h248Stream = append(h248Stream, framed...)
	}
	path := filepath.Join(t.TempDir(), "tcp.pcap")
	pcap := pcapOfTCP(nil, sipStream, 5060, 40001, 700)
	pcap = pcapOfTCP(pcap, h248Stream, 2945, 40010, 500)
	if err := os.WriteFile(path, pcap, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := func(args ...string) []string {
		t.Helper()
		return tsharkRun(ctx, t, tshark, append([]string{"-n", "-r", path}, args...)...)
	}
	if got := run("-Y", "sip", "-T", "fields", "-e", "sip.Call-ID"); countFields(got) != len(sipMsgs) {
		t.Errorf("tshark reassembled %d SIP messages, want %d: %q", countFields(got), len(sipMsgs), got)
	}
	if got := run("-Y", "tpkt", "-T", "fields", "-e", "tpkt.length"); countFields(got) != len(h248Msgs) {
		t.Errorf("tshark found %d TPKT packets, want %d: %q", countFields(got), len(h248Msgs), got)
	}
	if got := run("-Y", "megaco", "-T", "fields", "-e", "megaco.mId"); countFields(got) != len(h248Msgs) {
		t.Errorf("tshark decoded %d MEGACO messages, want %d: %q", countFields(got), len(h248Msgs), got)
	}
	for _, l := range run("-Y", "_ws.malformed || _ws.expert.severity >= 0x600000") {
		t.Errorf("tshark flags: %s", l)
	}
}

// countFields counts the values in tshark's field lines, where a frame that
// holds several messages lists them separated by commas.
func countFields(lines []string) int {
	n := 0
	for _, l := range lines {
		n += bytes.Count([]byte(l), []byte(",")) + 1
	}
	return n
}

// pcapOfTCP appends to a raw-IP pcap (started when b is nil) the stream as
// TCP segments of at most seg bytes from 127.0.0.1:src to 127.0.0.1:dst,
// after a handshake, so that a dissector must reassemble across segments.
func pcapOfTCP(b, stream []byte, src, dst uint16, seg int) []byte {
	if b == nil {
		b = pcapOfPorts(nil, 0, 0)
	}
	const synFlag, ackFlag, pshFlag = 0x02, 0x10, 0x08
	isn, peer := uint32(1000), uint32(5000)
	add := func(pkt []byte) {
		b = binary.LittleEndian.AppendUint32(b, 1_700_000_100)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
		b = append(b, pkt...)
	}
	add(ipTCP(nil, dst, src, peer, 0, synFlag))
	add(ipTCP(nil, src, dst, isn, peer+1, synFlag|ackFlag))
	add(ipTCP(nil, dst, src, peer+1, isn+1, ackFlag))
	seq := isn + 1
	for off := 0; off < len(stream); off += seg {
		part := stream[off:min(off+seg, len(stream))]
		add(ipTCP(part, src, dst, seq, peer+1, ackFlag|pshFlag))
		seq += uint32(len(part))
	}
	return b
}

// ipTCP is one IPv4 TCP segment on loopback; tshark does not check the
// TCP checksum by default, so it is left zero.
func ipTCP(payload []byte, src, dst uint16, seq, ack uint32, flags byte) []byte {
	ip := ipUDP(nil, 0, 0)[:20]
	total := 20 + 20 + len(payload)
	ip[2], ip[3], ip[9] = byte(total>>8), byte(total), 6
	ip[10], ip[11] = 0, 0
	sum := uint32(0)
	for i := 0; i < 20; i += 2 {
		sum += uint32(ip[i])<<8 | uint32(ip[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:], src)
	binary.BigEndian.PutUint16(tcp[2:], dst)
	binary.BigEndian.PutUint32(tcp[4:], seq)
	binary.BigEndian.PutUint32(tcp[8:], ack)
	tcp[12], tcp[13] = 5<<4, flags
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	return append(append(ip, tcp...), payload...)
}
