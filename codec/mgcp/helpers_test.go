package mgcp

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// corpusDir is the shared corpus, a sibling of the repository: /work/main is
// the repository and /work/shared the corpus holder, in CI too.
const corpusDir = "../../../shared/corpus/mgcp"

// readCorpus returns the bytes of one corpus message, failing clearly when
// the shared corpus is missing.
func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name+".mgcp"))
	if err != nil {
		t.Fatalf("corpus file missing (%v): the shared/ directory must sit beside the "+
			"repository, with codec/mgcp at %s", err, corpusDir)
	}
	return b
}

// inside reports whether sub is a view into buf (or empty).
func inside(buf, sub []byte) bool {
	if len(sub) == 0 {
		return true
	}
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	s0 := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return s0 >= b0 && s0+uintptr(len(sub)) <= b0+uintptr(len(buf))
}

// mustParse parses the first message of b or fails the test.
func mustParse(t testing.TB, b []byte) *Message {
	t.Helper()
	m := new(Message)
	if _, err := m.Parse(b); err != nil {
		t.Fatalf("Parse: %v\n%q", err, b)
	}
	return m
}

// summary renders a parsed message on one line: the verb, transaction id,
// endpoint and wildcard mark of a command, or the code, transaction id,
// package and text of a response; then the parameter names and values; then
// the number of SDP lines.
func summary(m *Message) string {
	var sb strings.Builder
	if m.IsCommand() {
		sb.WriteString(m.Verb().String() + " " + strconv.Itoa(int(m.TransactionID())) + " " +
			string(m.Endpoint()))
		if m.Wildcard() {
			sb.WriteString(" wild")
		}
		if p := m.Profile(); p != nil {
			sb.WriteString(" profile=" + string(p))
		}
	} else {
		sb.WriteString(strconv.Itoa(m.Code()) + " " + strconv.Itoa(int(m.TransactionID())))
		if p := m.PackageName(); p != nil {
			sb.WriteString(" /" + string(p))
		}
		if c := m.Commentary(); c != nil {
			sb.WriteString(" " + string(c))
		}
	}
	for i := range m.NumParams() {
		p := m.Param(i)
		sb.WriteString(" | " + string(p.Name) + "=" + string(p.Value))
	}
	if m.HasSDP() {
		sb.WriteString(" | sdp:" + strconv.Itoa(strings.Count(string(m.SDP()), "\n")))
	}
	return sb.String()
}

// datagramSummary renders every message of a datagram, separated by " || ".
func datagramSummary(t testing.TB, b []byte) string {
	t.Helper()
	var d Datagram
	var m Message
	var parts []string
	d.Reset(b)
	for d.Next(&m) {
		parts = append(parts, summary(&m))
	}
	if err := d.Err(); err != nil {
		t.Fatalf("Datagram: %v", err)
	}
	return strings.Join(parts, " || ")
}
