package mgcp

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics; that an error is a *ParseError
// with an offset inside the input and leaves nothing behind; that an
// accepted message parses again, from a copy and on its own without what is
// piggy-backed after it, to the same fields; that every view lies inside
// the buffer; that the list readers, ParseEndpoint and Datagram accept what
// Parse accepted; and that the Editor, with no edits or with every value
// set to itself, writes the message back byte for byte.
func FuzzParse(f *testing.F) {
	for _, b := range [][]byte{benchRSIP, benchRQNT, benchNTFY, benchResponse} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(Message)
		rest, err := m.Parse(b)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(b) || m.Valid() ||
				m.NumParams() != 0 || m.Bytes() != nil {
				t.Fatalf("error %v: offset or state wrong", err)
			}
			return
		}
		msg := m.Bytes()
		if rest <= 0 || rest > len(b) || !bytes.HasPrefix(b, msg) || rest < len(msg) ||
			rest < len(b) && !bytes.Equal(b[len(msg):rest], []byte(".\n")) &&
				!bytes.Equal(b[len(msg):rest], []byte(".\r\n")) &&
				!bytes.Equal(b[len(msg):rest], []byte(".\r")) {
			t.Fatalf("rest %d, message %d of %d bytes", rest, len(msg), len(b))
		}
		want := summary(m)
		if got := summary(mustParse(t, bytes.Clone(b))); got != want {
			t.Fatalf("second parse differs:\n%s\n%s", got, want)
		}
		alone := new(Message)
		if r, err := alone.Parse(bytes.Clone(msg)); err != nil || r != len(msg) ||
			summary(alone) != want {
			t.Fatalf("message alone: %v, rest %d", err, r)
		}
		checkReaders(t, m, b)
		var d Datagram
		d.Reset(b)
		first := new(Message)
		if !d.Next(first) || summary(first) != want {
			t.Fatalf("Datagram's first message differs: %v", d.Err())
		}
		for d.Next(first) {
		}
		if d.Count() > MaxPiggyback || d.Err() == nil && d.Offset()+len(first.Bytes()) > len(b) {
			t.Fatalf("Datagram: %d messages, %v", d.Count(), d.Err())
		}
		checkIdentity(t, m)
	})
}

// checkReaders runs every reader over a parsed message and checks that its
// views lie inside b.
func checkReaders(t *testing.T, m *Message, b []byte) {
	t.Helper()
	for _, v := range [][]byte{m.VerbBytes(), m.TransactionIDBytes(), m.Endpoint(),
		m.LocalName(), m.Domain(), m.Host(), m.Version(), m.Profile(), m.PackageName(),
		m.Commentary(), m.FirstLine(), m.SDP(), m.Bytes()} {
		if !inside(b, v) || cap(v) != len(v) {
			t.Fatalf("view %q outside the buffer or not capped", v)
		}
	}
	if m.TransactionID() < 1 || m.TransactionID() > MaxTransactionID ||
		m.IsCommand() == m.IsResponse() || m.IsResponse() && (m.Code() < 0 || m.Code() > 999) {
		t.Fatalf("line fields: %s", summary(m))
	}
	if m.IsCommand() {
		ep, err := ParseEndpoint(m.Endpoint())
		if err != nil || !bytes.Equal(ep.Host, m.Host()) || ep.Port != m.Port() ||
			ep.Wildcard != m.Wildcard() || !bytes.Equal(ep.Domain, m.Domain()) ||
			!bytes.Equal(ep.Local, m.LocalName()) || cap(ep.Host) != len(ep.Host) {
			t.Fatalf("ParseEndpoint(%q): %+v %v", m.Endpoint(), ep, err)
		}
	}
	for i := range m.NumParams() {
		p := m.Param(i)
		if !inside(b, p.Name) || !inside(b, p.Value) || LookupParam(p.Name) != p.Code ||
			cap(p.Value) != len(p.Value) ||
			m.Find(string(p.Name)) > i {
			t.Fatalf("param %d: %q %q", i, p.Name, p.Value)
		}
		if j := m.Index(p.Code); p.Code != ParamOther && p.Code != ParamExtension &&
			(j < 0 || j > i) {
			t.Fatalf("Index(%v) = %d for line %d", p.Code, j, i)
		}
		it := NewListIter(p.Value)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			if len(e) == 0 || !inside(p.Value, e) {
				t.Fatalf("element %q of %q", e, p.Value)
			}
		}
		ack := NewAckIter(p.Value)
		for a, z, ok := ack.Next(); ok; a, z, ok = ack.Next() {
			if a == 0 || a > z || z > MaxTransactionID {
				t.Fatalf("ack %d-%d of %q", a, z, p.Value)
			}
		}
	}
}

// checkIdentity writes m with no edits, then with its transaction id and
// every value set to themselves, and expects its bytes back.
func checkIdentity(t *testing.T, m *Message) {
	t.Helper()
	var e Editor
	e.Reset(m)
	out, err := e.Append(nil)
	if err != nil || !bytes.Equal(out, m.Bytes()) {
		t.Fatalf("no-edit round trip differs (%v)\n%q\n%q", err, out, m.Bytes())
	}
	if e.SetTransactionID(m.TransactionID()) != nil {
		t.Fatal("SetTransactionID refused the parsed id")
	}
	for i := range min(m.NumParams(), MaxEdits-1) {
		if err := e.SetValue(i, m.Param(i).Value); err != nil {
			t.Fatalf("SetValue(%d, %q): %v", i, m.Param(i).Value, err)
		}
	}
	out, err = e.Append(nil)
	tid := m.TransactionIDBytes()
	if err != nil || len(tid) > 1 && tid[0] == '0' {
		return // leading zeros are not written back
	}
	if !bytes.Equal(out, m.Bytes()) {
		t.Fatalf("identity edits differ\n%q\n%q", out, m.Bytes())
	}
}

// fuzzNames and fuzzValues are what FuzzEdit offers the Editor: good and bad
// names and values.
var fuzzNames = []string{"K", "X", "Z", "A", "x-foo", "pkg/n", "RM", "N", "bad name", "", ":",
	"-X", "I2"}

var fuzzValues = []string{"1", "", "L/hd(N), L/hu(N)", "a b", " lead", "trail ", "x\ny", "\t",
	"\xc3\xbc", "ca@x.example.net:2727", "a\rb", "5100-5101", "\x00"}

// fuzzPick returns entry sel of table, or for sel past the table a slice of
// rest, the fuzzer's own bytes.
func fuzzPick(table []string, sel byte, rest []byte) []byte {
	if int(sel) < len(table)*8 {
		return []byte(table[int(sel)%len(table)])
	}
	return rest[:min(len(rest), int(sel)%24)]
}

// FuzzEdit applies the edits a program of byte triples describes (what,
// which parameter or name, which value) and checks that whatever the
// Editor accepted writes a message that parses again, with the parameter
// lines expected: the original ones not removed, with their new values,
// then the added ones in order; and the new transaction id.
func FuzzEdit(f *testing.F) {
	f.Add(benchRQNT, []byte{0, 9, 0, 1, 1, 2, 2, 3, 0, 3, 0, 11, 4, 7, 9})
	f.Add(readCorpus(f, "crcx-with-sdp"), []byte{3, 1, 0, 2, 0, 0, 4, 4, 1, 1, 2, 16})
	f.Fuzz(func(t *testing.T, msg, prog []byte) {
		m := new(Message)
		if _, err := m.Parse(msg); err != nil {
			return
		}
		var e Editor
		e.Reset(m)
		r := newEditRun(m)
		for len(prog) >= 3 {
			op, sel, vsel := prog[0], prog[1], prog[2]
			prog = prog[3:]
			r.apply(&e, op, sel, vsel, prog)
		}
		out, err := e.Append(nil)
		if err != nil {
			if !errors.Is(err, ErrMessageTooLarge) {
				t.Fatalf("Append: %v", err)
			}
			return
		}
		r.check(t, out)
	})
}

// editRun records what a FuzzEdit program did, as the parameter lines the
// output must hold.
type editRun struct {
	m       *Message
	tid     uint32
	values  [][]byte // per original line; nil entry with removed set: gone
	removed []bool
	added   []Param
}

func newEditRun(m *Message) *editRun {
	r := &editRun{m: m, tid: m.TransactionID(), values: make([][]byte, m.NumParams()),
		removed: make([]bool, m.NumParams())}
	for i := range r.values {
		r.values[i] = m.Param(i).Value
	}
	return r
}

func (r *editRun) apply(e *Editor, op, sel, vsel byte, rest []byte) {
	i := int(sel) % (r.m.NumParams() + 1)
	switch op % 5 {
	case 0:
		id := uint32(sel)<<16 | uint32(vsel)
		if e.SetTransactionID(id) == nil {
			r.tid = id
		}
	case 1:
		v := fuzzPick(fuzzValues, vsel, rest)
		if e.SetValue(i, v) == nil {
			r.values[i] = v
		}
	case 2:
		if e.Remove(i) == nil {
			r.removed[i] = true
		}
	case 3, 4:
		name, v := fuzzPick(fuzzNames, sel, rest), fuzzPick(fuzzValues, vsel, rest)
		set := op%5 == 4
		idx := -1
		if set {
			idx = r.m.Find(string(name))
		}
		var err error
		if set {
			err = e.Set(name, v)
		} else {
			err = e.Add(name, v)
		}
		switch {
		case err != nil:
		case idx >= 0:
			r.values[idx] = v
		default:
			r.added = append(r.added, Param{Name: name, Value: v})
		}
	}
}

func (r *editRun) check(t *testing.T, out []byte) {
	t.Helper()
	m2 := new(Message)
	rest, err := m2.Parse(out)
	if err != nil || rest != len(out) {
		t.Fatalf("output does not parse: %v\n%q", err, out)
	}
	if m2.TransactionID() != r.tid || m2.IsResponse() != r.m.IsResponse() ||
		!bytes.Equal(m2.SDP(), r.m.SDP()) {
		t.Fatalf("tid %d, want %d; or line or SDP changed\n%q", m2.TransactionID(), r.tid, out)
	}
	k := 0
	next := func(name, value []byte) {
		p := m2.Param(k)
		if !bytes.Equal(p.Name, name) || !bytes.Equal(p.Value, value) {
			t.Fatalf("line %d: %q: %q, want %q: %q\n%q", k, p.Name, p.Value, name, value, out)
		}
		k++
	}
	for i := range r.values {
		if !r.removed[i] {
			next(r.m.Param(i).Name, r.values[i])
		}
	}
	for _, p := range r.added {
		next(p.Name, p.Value)
	}
	if k != m2.NumParams() {
		t.Fatalf("%d lines, want %d\n%q", m2.NumParams(), k, out)
	}
}
