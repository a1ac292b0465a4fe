package mgcp

import (
	"bytes"
	"context"
	"encoding/binary"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// acceptedCorpus returns the corpus datagrams Parse accepts (valid and
// lenient), by name.
func acceptedCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for name, want := range corpusWant {
		if want.err == nil {
			out[name] = readCorpus(t, name)
		}
	}
	return out
}

// TestUDPLoopback sends every accepted corpus datagram over a real UDP
// socket on loopback and reads it back into one reused buffer, as a proxy's
// event loop would: each parses to its summary.
func TestUDPLoopback(t *testing.T) {
	rx, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	tx, err := net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	buf := make([]byte, MaxMessageSize)
	for name, b := range acceptedCorpus(t) {
		if _, err := tx.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := rx.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := rx.Read(buf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := datagramSummary(t, buf[:n]); got != corpusWant[name].summary {
			t.Errorf("%s over UDP:\n got %s\nwant %s", name, got, corpusWant[name].summary)
		}
	}
}

// TestTsharkAgrees has Wireshark's MGCP dissector read the accepted corpus
// datagrams and what the Editor and AppendReply write from them: it must
// find the same verbs, transaction ids, endpoints, response codes and
// notified entities as Parse, and flag nothing as malformed.
func TestTsharkAgrees(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (Debian package tshark)")
	}
	var frames [][]byte
	var want []string
	accepted := acceptedCorpus(t)
	for _, name := range slices.Sorted(maps.Keys(accepted)) {
		b := accepted[name]
		frames = append(frames, b)
		want = append(want, wireFields(t, b))
		for _, out := range rewrites(t, b) {
			frames = append(frames, out)
			want = append(want, wireFields(t, out))
		}
	}
	path := filepath.Join(t.TempDir(), "mgcp.pcap")
	if err := os.WriteFile(path, pcapFile(frames), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tshark, "-n", "-r", path, "-T", "fields",
		"-e", "mgcp.req.verb", "-e", "mgcp.transid", "-e", "mgcp.req.endpoint",
		"-e", "mgcp.rsp.rspcode", "-e", "mgcp.param.notifiedentity",
		"-e", "_ws.malformed").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("tshark read %d frames, we wrote %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d %q:\ntshark %q\nParse  %q", i+1, frames[i], got[i], want[i])
		}
	}
}

// rewrites returns what a proxy would write from datagram b: each message
// edited (a new transaction id, a notified entity set, a ResponseAck
// added), and a reply to each command.
func rewrites(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var outs [][]byte
	var d Datagram
	var m Message
	d.Reset(b)
	for d.Next(&m) {
		var e Editor
		e.Reset(&m)
		if e.SetTransactionID(m.TransactionID()+1000) != nil ||
			e.Set([]byte("N"), []byte("ca@proxy.example.net:2727")) != nil ||
			e.Add([]byte("K"), []byte("100-200, 300")) != nil {
			t.Fatalf("edit of %q", m.Bytes())
		}
		out, err := e.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
		if m.IsCommand() {
			reply, err := m.AppendReply(nil, 510, []byte("protocol error"))
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, reply)
		}
	}
	return outs
}

// wireFields renders what Parse reads from datagram b as tshark prints the
// fields asked for: one column per field, several occurrences joined by
// commas.
func wireFields(t *testing.T, b []byte) string {
	t.Helper()
	var verbs, tids, eps, codes, ns []string
	var d Datagram
	var m Message
	d.Reset(b)
	for d.Next(&m) {
		tids = append(tids, strconv.Itoa(int(m.TransactionID())))
		if m.IsCommand() {
			verbs = append(verbs, string(m.VerbBytes()))
			eps = append(eps, string(m.Endpoint()))
		} else {
			codes = append(codes, strconv.Itoa(m.Code()))
		}
		if v, ok := m.Value(ParamNotifiedEntity); ok {
			ns = append(ns, string(v))
		}
	}
	if d.Err() != nil {
		t.Fatalf("%q: %v", b, d.Err())
	}
	cols := []string{strings.Join(verbs, ","), strings.Join(tids, ","), strings.Join(eps, ","),
		strings.Join(codes, ","), strings.Join(ns, ","), ""}
	return strings.Join(cols, "\t")
}

// pcapFile writes each payload as one IPv4/UDP packet from port 2727 (a
// Call Agent) to 2427 (a gateway), the MGCP ports Wireshark dissects, in a
// pcap file of raw IP packets.
func pcapFile(payloads [][]byte) []byte {
	le := binary.LittleEndian
	var f bytes.Buffer
	hdr := le.AppendUint32(nil, 0xa1b2c3d4)
	hdr = le.AppendUint16(le.AppendUint16(hdr, 2), 4)
	hdr = le.AppendUint64(hdr, 0) // time zone and accuracy
	hdr = le.AppendUint32(le.AppendUint32(hdr, MaxMessageSize), 101)
	f.Write(hdr)
	for i, p := range payloads {
		ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
			0x0a, 0xa7, 0x09, 0x7b, 0, 0, 0, 0}
		binary.BigEndian.PutUint16(ip[2:], uint16(28+len(p)))
		binary.BigEndian.PutUint16(ip[24:], uint16(8+len(p)))
		rec := le.AppendUint32(le.AppendUint32(nil, uint32(i)), 0)
		rec = le.AppendUint32(le.AppendUint32(rec, uint32(len(ip)+len(p))), uint32(len(ip)+len(p)))
		f.Write(rec)
		f.Write(ip)
		f.Write(p)
	}
	return f.Bytes()
}
