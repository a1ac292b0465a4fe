package h248

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// corpusDir is the shared corpus, a sibling of the repository: /work/main is
// the repo and /work/shared the corpus holder, in CI too.
const corpusDir = "../../../shared/corpus/h248"

// readCorpus returns the bytes of one corpus file, failing clearly when the
// shared corpus is missing.
func readCorpus(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, dir, name))
	if err != nil {
		t.Fatalf("corpus file missing (%v): the shared/ directory must sit beside the "+
			"repository, with codec/h248 at %s", err, corpusDir)
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

// mustParse parses b or fails the test.
func mustParse(t testing.TB, b []byte) *Message {
	t.Helper()
	m := new(Message)
	if err := m.Parse(b); err != nil {
		t.Fatalf("Parse: %v\n%s", err, b)
	}
	return m
}

// dump renders the tree one node a line: depth, kind, token, name, op,
// value, and the body of raw nodes, so tests can compare whole structures.
func dump(m *Message) string {
	var sb strings.Builder
	for i := 1; i < m.NumNodes(); i++ {
		n := m.Node(i)
		depth := 0
		for p := n.Parent(); p.Index() > 0; p = p.Parent() {
			depth++
		}
		sb.WriteString(strings.Repeat("  ", depth))
		sb.WriteString(n.Kind().String())
		if tok := n.Token(); tok != TokNone {
			sb.WriteString(" " + tok.String())
		}
		sb.WriteString(" " + strconv.Quote(string(n.Name())))
		if n.Op() != 0 {
			sb.WriteString(" " + string(n.Op()) + " " + strconv.Quote(string(n.Value())))
		}
		if ts := n.Timestamp(); ts != nil {
			sb.WriteString(" ts=" + string(ts))
		}
		if n.Optional() {
			sb.WriteString(" optional")
		}
		if n.Wildcard() {
			sb.WriteString(" wildcard")
		}
		if n.ValueForm() == ValueOctets {
			sb.WriteString(" sdp=" + strconv.Quote(string(n.Value())))
		}
		if n.Token() == TokDigitMap && n.HasBody() {
			sb.WriteString(" map=" + strconv.Quote(string(n.Body())))
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// summary renders the walker's view of a message on one line: each
// transaction with its ID, each context with its ID, each command with its
// TerminationID and descriptors.
func summary(m *Message) string {
	var sb strings.Builder
	w := m.Walker()
	for tx, err := w.Transaction(); err == nil; tx, err = w.Transaction() {
		if sb.Len() > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(tx.Token().String() + " " + strconv.FormatUint(uint64(tx.ID()), 10))
		for ctx, err := w.Context(); err == nil; ctx, err = w.Context() {
			sb.WriteString(" C" + string(ctx.Value()) + "{")
			sep := ""
			for cmd, err := w.Command(); err == nil; cmd, err = w.Command() {
				sb.WriteString(sep + cmd.Token().String() + "=" + string(cmd.Value()))
				sep = ", "
				dsep := "("
				for d, err := w.Descriptor(); err == nil; d, err = w.Descriptor() {
					sb.WriteString(dsep + d.Token().String())
					dsep = " "
				}
				if dsep == " " {
					sb.WriteString(")")
				}
			}
			sb.WriteString("}")
		}
	}
	return sb.String()
}
