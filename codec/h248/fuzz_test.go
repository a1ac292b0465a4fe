package h248

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// FuzzParse checks that Parse never panics; that a message it accepts parses
// again, from a copy, to the same table; that every view lies inside the
// buffer; that the walker, the value iterators and ParseMID accept what
// Parse accepted; and that the Editor with no edits writes the input back
// byte for byte.
func FuzzParse(f *testing.F) {
	f.Add(benchServiceChange)
	f.Add(benchModify)
	f.Add(nodeMsg)
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(Message)
		if err := m.Parse(b); err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(b) || m.NumNodes() != 0 {
				t.Fatalf("error %v: offset or state wrong", err)
			}
			return
		}
		checkTree(t, m)
		again := new(Message)
		if err := again.Parse(bytes.Clone(b)); err != nil {
			t.Fatalf("second parse: %v", err)
		}
		if again.n != m.n || again.hdr != m.hdr || !slices.Equal(again.nodes[:again.n], m.nodes[:m.n]) {
			t.Fatal("second parse differs")
		}
		checkReaders(t, m)
		var e Editor
		e.Reset(m)
		out, err := e.Append(nil)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("no-edit round trip differs (%v)", err)
		}
	})
}

// checkReaders runs every reader over a parsed message.
func checkReaders(t *testing.T, m *Message) {
	t.Helper()
	b := m.Bytes()
	h := m.Header()
	if !inside(b, h.MID) || !inside(b, h.Host) || !inside(b, h.AuthData) || !inside(b, m.Body()) ||
		h.Version < 1 || h.Version > 99 || h.Auth != (len(h.AuthData) > 0) ||
		len(m.AppendAuthData(nil))*2 != len(h.AuthData) {
		t.Fatalf("header %+v", h)
	}
	w := m.Walker()
	seen := 0
	for _, err := w.Transaction(); err == nil; _, err = w.Transaction() {
		for _, err := w.Context(); err == nil; _, err = w.Context() {
			for _, err := w.Command(); err == nil; _, err = w.Command() {
				for _, err := w.Descriptor(); err == nil; _, err = w.Descriptor() {
					seen++
				}
				seen++
			}
			seen++
		}
		seen++
	}
	if seen >= m.NumNodes() {
		t.Fatalf("walker saw %d of %d nodes", seen, m.NumNodes())
	}
	for i := 1; i < m.NumNodes(); i++ {
		n := m.Node(i)
		it := n.Values()
		for k := 0; ; k++ {
			v, ok := it.Next()
			if !ok {
				break
			}
			if !inside(b, v) || k > len(n.Value()) {
				t.Fatalf("node %d: value element %q", i, v)
			}
		}
		if n.ValueForm() == ValueMID {
			if _, err := ParseMID(n.Value()); err != nil {
				t.Fatalf("node %d: ParseMID(%q): %v", i, n.Value(), err)
			}
		}
		if n.Kind() == KindValue && n.ValueForm() != ValueQuoted {
			if first, _, ok := n.AckRange(); !ok || first != n.ID() {
				t.Fatalf("node %d: ack %q", i, n.Name())
			}
		}
	}
}

// fuzzValues and fuzzItems are what FuzzEdit offers the Editor: values and
// items valid in some places and not in others.
var fuzzValues = []string{"7", "x7", `"q r"`, "[1,2]", "[1:2]", "{a,b}", "*", "-", "$", "ROOT",
	"[192.0.2.1]:9", "<a.b>:1", "MTP{1234}", "v=0\r\nm=audio 9 RTP/AVP 0\r\n", "", " ", "a b",
	`"unterminated`, "0x12", "{(1|2)}", "20240101T10000000", "4294967296", "65536", "a)", `"`}

var fuzzItems = []string{"a/b=1", "x", "SG{cg/rt}", "M{O{MO=SO}}", "C=1{MF=A}", "MF=B",
	"E=1{a/b}", `"q"`, "al/of(x=1)", "", "a/b=[1,2]", "ST=2", "L{v=0}", `ER=400{"e"}`,
	"19990101T00000000:a/b", "K{1}", "a/b{c=1,}", "x,y", "a/b=1 ", "O-MF=A"}

// fuzzPick returns entry sel of table, or for sel past the table a slice of
// rest, the fuzzer's own bytes.
func fuzzPick(table []string, sel byte, rest []byte) []byte {
	if int(sel) < len(table)*8 {
		return []byte(table[int(sel)%len(table)])
	}
	return rest[:min(len(rest), int(sel)%24)]
}

// FuzzEdit applies the edits a program of byte triples describes (what,
// which node, which value) and checks that whatever the Editor accepted
// writes a message that parses again: with the same nodes and the new
// values after SetValue alone, with the inserted items' nodes added after
// Insert, and, after Remove, either with the removed subtrees gone or with
// the specific error of a list emptied that the grammar requires.
func FuzzEdit(f *testing.F) {
	f.Add(benchModify, []byte{0, 9, 0, 1, 12, 0, 2, 8, 0, 3, 20, 0})
	f.Add(nodeMsg, []byte{1, 5, 0, 1, 6, 0, 1, 7, 0, 2, 4, 1})
	f.Fuzz(func(t *testing.T, msg, prog []byte) {
		m := new(Message)
		if m.Parse(msg) != nil {
			return
		}
		var e Editor
		e.Reset(m)
		r := fuzzRun{m: m}
		for len(prog) >= 3 && e.Len() < MaxEdits {
			op, sel, vsel := prog[0], prog[1], prog[2]
			prog = prog[3:]
			r.apply(&e, op, m.Node(int(sel)%m.NumNodes()), vsel, prog)
		}
		out, err := e.Append(nil)
		if err != nil {
			if !errors.Is(err, ErrEditOverlap) && !errors.Is(err, ErrMessageTooLarge) {
				t.Fatalf("Append: %v", err)
			}
			return
		}
		r.check(t, out)
	})
}

// fuzzRun records what a FuzzEdit program did.
type fuzzRun struct {
	m        *Message
	sets     []fuzzSet
	removed  bitset
	removes  int
	inserted int
	auth     int // 1: SetAuth, 2: RemoveAuth
	spi      uint32
}

type fuzzSet struct {
	node  int
	value []byte
	sdp   bool
}

func (r *fuzzRun) apply(e *Editor, op byte, n Node, vsel byte, rest []byte) {
	switch op % 5 {
	case 0:
		v := fuzzPick(fuzzValues, vsel, rest)
		if e.SetValue(n, v) == nil {
			r.sets = append(r.sets, fuzzSet{n.Index(), v, n.ValueForm() == ValueOctets})
		}
	case 1:
		if e.Remove(n) == nil {
			r.removes++
			r.removed.set(uint16(n.Index()))
		}
	case 2:
		item := fuzzPick(fuzzItems, vsel, rest)
		if e.Insert(n, item) == nil {
			r.inserted += insertNodes(n, item)
		}
	case 3:
		header, _ := AppendAuthHeader(nil, uint32(vsel)<<8|1, 7, bytes.Repeat([]byte{vsel}, 12+int(vsel)%21))
		if e.SetAuth(header) == nil {
			r.auth, r.spi = 1, uint32(vsel)<<8|1
		}
	case 4:
		if r.m.Header().Auth && e.RemoveAuth() == nil {
			r.auth = 2
		}
	}
}

// insertNodes returns how many nodes item adds when inserted into parent.
func insertNodes(parent Node, item []byte) int {
	var scratch [maxInsertNodes]node
	scratch[0] = *parent.nd()
	p := parser{buf: item, nodes: scratch[:], n: 1}
	closer := byte('}')
	if scratch[0].flags&fParen != 0 {
		closer = ')'
	}
	if _, err := p.item(0, 0, 2, closer); err != nil {
		return -1000
	}
	return p.n - 1
}

func (r *fuzzRun) check(t *testing.T, out []byte) {
	t.Helper()
	m2 := new(Message)
	if err := m2.Parse(out); err != nil {
		limits := errors.Is(err, ErrTooManyElements) || errors.Is(err, ErrTooDeep)
		emptied := r.removes > 0 && (errors.Is(err, ErrMissing) || errors.Is(err, ErrNoBody))
		if !limits && !emptied {
			t.Fatalf("output does not parse: %v\n%q", err, out)
		}
		return
	}
	checkTree(t, m2)
	gone := 0
	for i := 1; i < r.m.NumNodes(); i++ {
		for a := uint16(i); a != 0; a = r.m.nodes[a].parent {
			if r.removed.has(a) {
				gone++
				break
			}
		}
	}
	if want := r.m.NumNodes() - gone + r.inserted; m2.NumNodes() != want {
		t.Fatalf("%d nodes, want %d\n%q", m2.NumNodes(), want, out)
	}
	if r.removes == 0 && r.inserted == 0 {
		for _, s := range r.sets {
			n := m2.Node(s.node)
			got, want := n.RawValue(), s.value
			if s.sdp {
				got, want = n.Value(), bytes.Trim(s.value, " \t\r\n")
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("node %d: value %q, want %q", s.node, got, want)
			}
		}
	}
	switch h := m2.Header(); {
	case r.auth == 1 && (!h.Auth || h.SPI != r.spi || h.Seq != 7):
		t.Fatalf("SetAuth: header %+v", h)
	case r.auth == 2 && h.Auth:
		t.Fatal("RemoveAuth left a header")
	}
}
