package h248

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// editMsg is the message the editor tests change.
const editMsg = hdr + `T=9{C=-{MF=A1{M{O{MO=SR, tdmc/gain=2 ; dB` + "\n" +
	`, skd/x="old"}, L{ v=0 }}, E=5{al/of(strict=state), al/on}, SG{ }}, N=A1{OE=5{` +
	`20240101T10000000:al/of}}, SC=ROOT{SV{MT=RS, AD=2944}}, A=A2}}`

// edited applies f to an Editor on editMsg and returns the output, failing
// the test on error.
func edited(t *testing.T, f func(m *Message, e *Editor) error) string {
	t.Helper()
	m := mustParse(t, []byte(editMsg))
	var e Editor
	e.Reset(m)
	if err := f(m, &e); err != nil {
		t.Fatalf("edit: %v", err)
	}
	out, err := e.Append(nil)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	checkTree(t, mustParse(t, out))
	return string(out)
}

// find returns the first node named name (pkg/name allowed) in m.
func find(m *Message, name string) Node {
	pkg, item, ok := strings.Cut(name, "/")
	if !ok {
		return m.Root().FindParam("", name)
	}
	return m.Root().FindParam(pkg, item)
}

func TestEditorNoEdits(t *testing.T) {
	for _, dir := range []string{"megaco-meas", "rfc3525"} {
		for _, name := range corpusFiles(t, dir) {
			in := readCorpus(t, dir, name+".txt")
			m := mustParse(t, in)
			var e Editor
			e.Reset(m)
			out, err := e.Append([]byte("prefix"))
			if err != nil || string(out) != "prefix"+string(in) {
				t.Fatalf("%s: no-edit Append differs (%v)", name, err)
			}
		}
	}
}

func TestEditorSetValue(t *testing.T) {
	cases := []struct {
		name, node, value string
		want              string // the substring of editMsg replaced, and its replacement
	}{
		{"scalar", "tdmc/gain", "7", "tdmc/gain=2 => tdmc/gain=7"},
		{"quoted to quoted", "skd/x", `"new value"`, `skd/x="old" => skd/x="new value"`},
		{"quoted to scalar", "skd/x", "abc", `skd/x="old" => skd/x=abc`},
		{"list", "tdmc/gain", "[1, 2]", "tdmc/gain=2 => tdmc/gain=[1, 2]"},
		{"method", "MT", "FO", "MT=RS => MT=FO"},
		{"address", "AD", "[192.0.2.1]:2944", "AD=2944 => AD=[192.0.2.1]:2944"},
		{"new value", "al/on", "1", "al/on} => al/on=1}"},
		{"in parentheses", "strict", "exact", "strict=state => strict=exact"},
		{"termination", "MF", "A9/*", "MF=A1{ => MF=A9/*{"},
		{"transaction", "T", "4294967295", "T=9{ => T=4294967295{"},
		{"context", "C", "$", "C=-{ => C=${"},
		{"request id", "E", "*", "E=5{ => E=*{"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := edited(t, func(m *Message, e *Editor) error {
				return e.SetValue(find(m, c.node), []byte(c.value))
			})
			from, to, _ := strings.Cut(c.want, " => ")
			if want := strings.Replace(editMsg, from, to, 1); out != want {
				t.Fatalf("got\n%s\nwant\n%s", out, want)
			}
		})
	}
}

func TestEditorSetValueSDPAndErrorText(t *testing.T) {
	out := edited(t, func(m *Message, e *Editor) error {
		return e.SetValue(m.Root().Find(TokLocal), []byte("v=0\r\no=- 1 1 IN IP4 \\}x\r\n"))
	})
	if want := strings.Replace(editMsg, "L{ v=0 }", "L{ v=0\r\no=- 1 1 IN IP4 \\}x\r\n }", 1); out != want {
		t.Fatalf("SDP: got\n%s", out)
	}
	m := mustParse(t, []byte(hdr+`P=1{ER=400{"Syntax"}}`))
	var e Editor
	e.Reset(m)
	text := m.Root().Find(TokError).FirstChild()
	if err := e.SetValue(text, []byte(`"Other text"`)); err != nil {
		t.Fatal(err)
	}
	if err := e.SetValue(m.Root().Find(TokError), []byte("401")); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Append(nil); string(got) != hdr+`P=1{ER=401{"Other text"}}` {
		t.Fatalf("error text: %s", got)
	}
}

func TestEditorSetValueRejects(t *testing.T) {
	cases := []struct {
		node, value string
		want        error
	}{
		{"tdmc/gain", "", ErrBadValue},
		{"tdmc/gain", "a b", ErrBadValue},
		{"tdmc/gain", "a,b", ErrBadValue},
		{"tdmc/gain", `"a`, ErrUnterminatedString},
		{"tdmc/gain", "[a", ErrTruncated},
		{"strict", "a)", ErrBadValue},
		{"T", "x", ErrBadNumber},
		{"T", "4294967296", ErrNumberTooLarge},
		{"C", "-1", ErrBadNumber},
		{"MF", `"A"`, ErrBadValue},
		{"MF", "(A)", ErrBadValue},
		{"AD", "[1.2.3]", ErrBadMID},
		{"E", "x", ErrBadNumber},
		{"al/of", "1", ErrNotEditable},   // has a body in parentheses
		{"M", "1", ErrNotEditable},       // descriptor without value
		{"SG", "1", ErrNotEditable},      // descriptor without value
		{"Local", "v=0 }", ErrBadValue},  // unescaped brace
		{"Local", "v=0 \\", ErrBadValue}, // would escape the closing brace
		{"Local", "v=\x00", ErrBadValue},
	}
	m := mustParse(t, []byte(editMsg))
	for _, c := range cases {
		var e Editor
		e.Reset(m)
		n := find(m, c.node)
		if c.node == "Local" {
			n = m.Root().Find(TokLocal)
		}
		if !n.Valid() {
			t.Fatalf("%s: not found", c.node)
		}
		if err := e.SetValue(n, []byte(c.value)); !errors.Is(err, c.want) || e.Len() != 0 {
			t.Errorf("SetValue(%s, %q) = %v, want %v", c.node, c.value, err, c.want)
		}
	}
	var e Editor
	e.Reset(m)
	obs := m.Root().Find(TokObservedEvents).FirstChild()
	if err := e.SetValue(obs, []byte("1")); !errors.Is(err, ErrNotEditable) {
		t.Errorf("observed event: %v", err)
	}
	m2 := mustParse(t, []byte(hdr+"K{1} P=2{ER=400{\"x\"}}"+" T=3{C=-{MF=A{MD[V18]}}}"))
	e.Reset(m2)
	for _, n := range []Node{m2.Root().Find(TokResponseAck).FirstChild(), m2.Root().Find(TokModem)} {
		if err := e.SetValue(n, []byte("1")); !errors.Is(err, ErrNotEditable) {
			t.Errorf("%s: %v", n.Raw(), err)
		}
	}
	if err := e.SetValue(m2.Root().Find(TokError).FirstChild(), []byte("x")); !errors.Is(err, ErrBadValue) {
		t.Errorf("unquoted error text: %v", err)
	}
}

func TestEditorRemove(t *testing.T) {
	cases := []struct {
		name  string
		nodes []string
		want  string // replacements applied to editMsg in order
	}{
		{"first", []string{"MO"}, "MO=SR, tdmc => tdmc"},
		{"middle", []string{"tdmc/gain"}, ", tdmc/gain=2 => "},
		{"last with comment", []string{"skd/x"}, " ; dB\n, skd/x=\"old\"} => }"},
		{"two adjacent", []string{"tdmc/gain", "skd/x"}, ", tdmc/gain=2 ; dB\n, skd/x=\"old\"} => }"},
		{"all", []string{"MO", "tdmc/gain", "skd/x"}, "O{MO=SR, tdmc/gain=2 ; dB\n, skd/x=\"old\"} => O{}"},
		{"command", []string{"N"}, ", N=A1{OE=5{20240101T10000000:al/of}} => "},
		{"in parentheses", []string{"strict"}, "(strict=state) => ()"},
		{"subtree and child", []string{"SV", "MT"}, "SC=ROOT{SV{MT=RS, AD=2944}} => SC=ROOT{}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := edited(t, func(m *Message, e *Editor) error {
				for _, name := range c.nodes {
					if err := e.Remove(find(m, name)); err != nil {
						return err
					}
				}
				return nil
			})
			from, to, _ := strings.Cut(c.want, " => ")
			if want := strings.Replace(editMsg, from, to, 1); out != want {
				t.Fatalf("got\n%s\nwant\n%s", out, want)
			}
		})
	}
}

func TestEditorRemoveTrailingComma(t *testing.T) {
	in := hdr + "T=1{C=-{MF=A{E=1{a/b{x=1, }, a/c{y=2,}}}}}"
	m := mustParse(t, []byte(in))
	var e Editor
	e.Reset(m)
	must(t, e.Remove(m.Root().FindParam("", "x")))
	must(t, e.Remove(m.Root().FindParam("", "y")))
	must(t, e.Insert(m.Root().FindParam("a", "c"), []byte("z=3")))
	out, err := e.Append(nil)
	if err != nil || string(out) != hdr+"T=1{C=-{MF=A{E=1{a/b{ }, a/c{z=3}}}}}" {
		t.Fatalf("got %s (%v)", out, err)
	}
	mustParse(t, out)
}

func TestEditorRemoveTransaction(t *testing.T) {
	in := hdr + "T=1{C=-{MF=A}}\nT=2{C=-{MF=B}} T=3{C=-{MF=C}}"
	for i, want := range []string{"T=2{C=-{MF=B}} T=3{C=-{MF=C}}",
		"T=1{C=-{MF=A}} T=3{C=-{MF=C}}", "T=1{C=-{MF=A}}\nT=2{C=-{MF=B}}"} {
		m := mustParse(t, []byte(in))
		var e Editor
		e.Reset(m)
		must(t, e.Remove(m.Node(0).FirstChild()))
		if i > 0 {
			e.Reset(m)
			tx := m.Root().FirstChild()
			for j := 0; j < i; j++ {
				tx = tx.Next()
			}
			must(t, e.Remove(tx))
		}
		if out, err := e.Append(nil); err != nil || string(out) != hdr+want {
			t.Errorf("remove transaction %d: %q (%v)", i+1, out, err)
		}
	}
}

func TestEditorInsert(t *testing.T) {
	cases := []struct {
		name, parent string
		items        []string
		want         string
	}{
		{"after last", "O", []string{"skd/mac=\"AB\""}, `skd/x="old"} => skd/x="old", skd/mac="AB"}`},
		{"two after last", "O", []string{"a/b=1", "a/c=2"}, `skd/x="old"} => skd/x="old", a/b=1, a/c=2}`},
		{"empty body", "SG", []string{"cg/rt", "cg/dt"}, "SG{ } => SG{cg/rt, cg/dt }"},
		{"new braces", "A", []string{"M{O{MO=SO}}", "SG{cg/rt}"}, "A=A2} => A=A2 {M{O{MO=SO}}, SG{cg/rt}}}"},
		{"parameter braces", "al/on", []string{"x=1"}, "al/on} => al/on {x=1}}"},
		{"parentheses", "al/of", []string{"y=2"}, "(strict=state) => (strict=state, y=2)"},
		{"services", "SV", []string{"X-Mech=\"skd\""}, "AD=2944} => AD=2944, X-Mech=\"skd\"}"},
		{"context", "C", []string{"S=A3"}, "A=A2}} => A=A2, S=A3}}"},
		{"transaction", "T", []string{"C=7{MF=A4}"}, "A=A2}} => A=A2}, C=7{MF=A4}}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := edited(t, func(m *Message, e *Editor) error {
				p := find(m, c.parent)
				for _, item := range c.items {
					if err := e.Insert(p, []byte(item)); err != nil {
						return err
					}
				}
				return nil
			})
			from, to, _ := strings.Cut(c.want, " => ")
			if want := strings.Replace(editMsg, from, to, 1); out != want {
				t.Fatalf("got\n%s\nwant\n%s", out, want)
			}
		})
	}
}

func TestEditorInsertRejects(t *testing.T) {
	m := mustParse(t, []byte(editMsg+" P=1{C=-{MF=A}} PN=2{} K{3}"))
	var e Editor
	e.Reset(m)
	cases := []struct {
		parent Node
		item   string
		want   error
	}{
		{find(m, "O"), "", ErrSyntax},
		{find(m, "O"), " a/b=1", ErrSyntax},
		{find(m, "O"), "a/b=1 ", ErrSyntax},
		{find(m, "O"), "a/b=1, a/c=2", ErrSyntax},
		{find(m, "O"), "a/b=", ErrTruncated},
		{find(m, "O"), "a/b={1", ErrTruncated},
		{find(m, "O"), `"text"`, ErrUnexpectedToken},
		{find(m, "MF"), "MO=SR", ErrUnexpectedToken},
		{find(m, "C"), "M{}", ErrUnexpectedToken},
		{find(m, "T"), "MF=A", ErrUnexpectedToken},
		{find(m, "al/of"), "x=a)", ErrSyntax},
		{find(m, "O"), strings.Repeat("M{", 14) + strings.Repeat("}", 14), ErrTooDeep},
		{find(m, "O"), "a/b{" + strings.Repeat("x,", maxInsertNodes) + "x}", ErrTooManyElements},
		{m.Root(), "T=2{C=-{MF=A}}", ErrNotEditable},
		{m.Root().Find(TokReply), "C=-{MF=B}", ErrNotEditable},
		{m.Root().Find(TokPending), "x", ErrNotEditable},
		{m.Root().Find(TokResponseAck), "4", ErrNotEditable},
		{m.Root().Find(TokLocal), "x", ErrNotEditable},
		{m.Root().Find(TokResponseAck).FirstChild(), "x", ErrNotEditable},
	}
	for i, c := range cases {
		if err := e.Insert(c.parent, []byte(c.item)); !errors.Is(err, c.want) {
			t.Errorf("%d: Insert(%s, %q) = %v, want %v", i, c.parent.Name(), c.item, err, c.want)
		}
	}
	if e.Len() != 0 {
		t.Fatalf("%d edits recorded by failed calls", e.Len())
	}
	m = mustParse(t, []byte(hdr+`P=1{ER=400{"x"}}`))
	e.Reset(m)
	if err := e.Insert(m.Root().Find(TokError), []byte(`"y"`)); !errors.Is(err, ErrNotEditable) {
		t.Errorf("insert into Error: %v", err)
	}
}

func TestEditorRemoveAllAndInsert(t *testing.T) {
	out := edited(t, func(m *Message, e *Editor) error {
		o := find(m, "O")
		for _, n := range []string{"skd/x", "MO", "tdmc/gain"} {
			if err := e.Remove(find(m, n)); err != nil {
				return err
			}
		}
		if err := e.Insert(o, []byte("a/b=1")); err != nil {
			return err
		}
		return e.Insert(o, []byte("a/c=2"))
	})
	want := strings.Replace(editMsg, "O{MO=SR, tdmc/gain=2 ; dB\n, skd/x=\"old\"}", "O{a/b=1, a/c=2}", 1)
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestEditorCombined(t *testing.T) {
	out := edited(t, func(m *Message, e *Editor) error {
		on := find(m, "al/on")
		for _, f := range []func() error{
			func() error { return e.Insert(find(m, "E"), []byte("a/z")) },
			func() error { return e.Insert(on, []byte("k=1")) },
			func() error { return e.SetValue(on, []byte("2")) },
			func() error { return e.SetValue(find(m, "tdmc/gain"), []byte("9")) },
			func() error { return e.Remove(find(m, "skd/x")) },
			func() error { return e.Insert(find(m, "O"), []byte("skd/y=1")) },
		} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
	want := strings.NewReplacer("al/on}", "al/on=2 {k=1}, a/z}", "tdmc/gain=2", "tdmc/gain=9",
		" ; dB\n, skd/x=\"old\"}", ", skd/y=1}").Replace(editMsg)
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

func TestEditorOverlap(t *testing.T) {
	m := mustParse(t, []byte(editMsg))
	cases := []struct {
		name string
		f    func(e *Editor) error
	}{
		{"set and remove", func(e *Editor) error {
			must(t, e.SetValue(find(m, "tdmc/gain"), []byte("1")))
			return e.Remove(find(m, "tdmc/gain"))
		}},
		{"remove twice", func(e *Editor) error {
			must(t, e.SetValue(find(m, "tdmc/gain"), []byte("1")))
			must(t, e.Remove(find(m, "O")))
			return e.Remove(find(m, "O"))
		}},
		{"insert into removed", func(e *Editor) error {
			must(t, e.Remove(find(m, "M")))
			return e.Insert(find(m, "O"), []byte("a/b"))
		}},
		{"set inside removed", func(e *Editor) error {
			must(t, e.Remove(find(m, "MF")))
			return e.SetValue(find(m, "al/on"), []byte("1"))
		}},
	}
	for _, c := range cases {
		var e Editor
		e.Reset(m)
		if err := c.f(&e); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if out, err := e.Append([]byte("x")); !errors.Is(err, ErrEditOverlap) || string(out) != "x" {
			t.Errorf("%s: Append = %q, %v", c.name, out, err)
		}
	}
}

// TestEditorBareDescriptor: a descriptor keyword without braces is a
// parameter until an Insert gives it braces; its value must suit both.
func TestEditorBareDescriptor(t *testing.T) {
	m := mustParse(t, []byte(hdr+"P=1{C=1{A=A{SA{E, M>1, ST=2}}}}"))
	var e Editor
	e.Reset(m)
	ev := m.Root().Find(TokStatistics).FirstChild()
	if err := e.SetValue(ev, []byte("a)")); !errors.Is(err, ErrBadNumber) {
		t.Errorf("SetValue(E, a)) = %v", err)
	}
	must(t, e.SetValue(ev, []byte("7")))
	must(t, e.Insert(ev, []byte("al/of")))
	if err := e.Insert(ev.Next(), []byte("x")); !errors.Is(err, ErrNotEditable) {
		t.Errorf("Insert into M>1 = %v", err)
	}
	must(t, e.Insert(ev.Next().Next(), []byte("L{v=0}")))
	out, err := e.Append(nil)
	if err != nil || string(out) != hdr+"P=1{C=1{A=A{SA{E=7 {al/of}, M>1, ST=2 {L{v=0}}}}}}" {
		t.Fatalf("Append = %q, %v", out, err)
	}
	m2 := mustParse(t, out)
	if e := m2.Root().Find(TokEvents); e.Kind() != KindDescriptor || e.ID() != 7 {
		t.Errorf("Events after Insert: %v %d", e.Kind(), e.ID())
	}
}

func TestEditorTwice(t *testing.T) {
	m := mustParse(t, []byte(editMsg))
	var e Editor
	e.Reset(m)
	header, _ := AppendAuthHeader(nil, 1, 2, make([]byte, 12))
	for _, f := range []func() error{
		func() error { return e.SetValue(find(m, "MT"), []byte("FO")) },
		func() error { return e.SetValue(find(m, "al/on"), []byte("1")) },
		func() error { return e.SetAuth(header) },
	} {
		must(t, f())
		if err := f(); !errors.Is(err, ErrEditOverlap) {
			t.Errorf("second call: %v", err)
		}
	}
	if err := e.RemoveAuth(); err != nil {
		t.Errorf("RemoveAuth without a header after SetAuth: %v", err)
	}
	out, err := e.Append(nil)
	if err != nil || strings.Count(string(out), "AU=") != 1 {
		t.Fatalf("Append: %q, %v", out, err)
	}
	m = mustParse(t, []byte("AU=0x00000001:0x00000002:0x"+strings.Repeat("00", 12)+"\n"+editMsg))
	e.Reset(m)
	must(t, e.SetAuth(header))
	if err := e.RemoveAuth(); !errors.Is(err, ErrEditOverlap) {
		t.Errorf("RemoveAuth after SetAuth: %v", err)
	}
}

func TestEditorAuth(t *testing.T) {
	data := bytes.Repeat([]byte{0xA5}, 16)
	header, err := AppendAuthHeader(nil, 0x0102030A, 7, data)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := "AU=0x0102030A:0x00000007:0x" + strings.Repeat("A5", 16)
	if string(header) != wantHeader {
		t.Fatalf("AppendAuthHeader = %s", header)
	}
	old := "Authentication = 0xFFFFFFFF:0x00000001:0x" + strings.Repeat("00", 12)
	cases := []struct{ in, want string }{
		{hdr + mf(""), wantHeader + "\n" + hdr + mf("")},
		{"\r\n" + strings.Replace(hdr, "\n", "\r\n", 1) + mf(""),
			"\r\n" + wantHeader + "\r\n" + strings.Replace(hdr, "\n", "\r\n", 1) + mf("")},
		{"!/1 [1.2.3.4]\r" + mf(""), wantHeader + "\r!/1 [1.2.3.4]\r" + mf("")},
		{"!/1 [1.2.3.4] " + mf(""), wantHeader + " !/1 [1.2.3.4] " + mf("")},
		{old + "\n" + hdr + mf(""), wantHeader + "\n" + hdr + mf("")},
	}
	for _, c := range cases {
		m := mustParse(t, []byte(c.in))
		var e Editor
		e.Reset(m)
		must(t, e.SetAuth(header))
		out, err := e.Append(nil)
		if err != nil || string(out) != c.want {
			t.Errorf("SetAuth on %q:\n got %q\nwant %q (%v)", c.in, out, c.want, err)
			continue
		}
		h := mustParse(t, out).Header()
		if !h.Auth || h.SPI != 0x0102030A || h.Seq != 7 || string(h.AuthData) != strings.Repeat("A5", 16) {
			t.Errorf("header after SetAuth: %+v", h)
		}
	}
	m := mustParse(t, []byte(" "+old+" ;c\n"+hdr+mf("")))
	var e Editor
	e.Reset(m)
	must(t, e.RemoveAuth())
	if out, _ := e.Append(nil); string(out) != " "+hdr+mf("") {
		t.Errorf("RemoveAuth: %q", out)
	}
	m = mustParse(t, []byte(hdr+mf("")))
	e.Reset(m)
	must(t, e.RemoveAuth())
	if e.Len() != 0 {
		t.Error("RemoveAuth without a header recorded an edit")
	}
	for _, bad := range []string{"", "AU=0x1:0x2:0x3", wantHeader + "\n", " " + wantHeader,
		"XX=0x0102030A:0x00000007:0x" + strings.Repeat("A5", 16)} {
		if err := e.SetAuth([]byte(bad)); !errors.Is(err, ErrBadAuth) {
			t.Errorf("SetAuth(%q) = %v", bad, err)
		}
	}
}

func TestEditorStaleAndLimits(t *testing.T) {
	m := mustParse(t, []byte(editMsg))
	other := mustParse(t, []byte(editMsg))
	var e Editor
	if _, err := e.Append(nil); !errors.Is(err, ErrStaleNode) {
		t.Errorf("zero Editor Append: %v", err)
	}
	if !errors.Is(e.SetAuth(nil), ErrStaleNode) || !errors.Is(e.RemoveAuth(), ErrStaleNode) ||
		!errors.Is(e.Remove(m.Root().FirstChild()), ErrStaleNode) {
		t.Error("zero Editor accepted edits")
	}
	e.Reset(m)
	if err := e.SetValue(other.Root().Find(TokMode), []byte("SO")); !errors.Is(err, ErrStaleNode) {
		t.Errorf("node of another message: %v", err)
	}
	if err := e.Remove(Node{}); !errors.Is(err, ErrStaleNode) {
		t.Errorf("zero Node: %v", err)
	}
	if err := e.Remove(m.Root()); !errors.Is(err, ErrNotEditable) {
		t.Errorf("remove root: %v", err)
	}
	must(t, e.SetValue(m.Root().Find(TokMode), []byte("SO")))
	if err := m.Parse([]byte(editMsg)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Append(nil); !errors.Is(err, ErrStaleNode) {
		t.Errorf("Append after a new Parse: %v", err)
	}
	if err := e.SetValue(m.Root().Find(TokMode), []byte("SO")); !errors.Is(err, ErrStaleNode) {
		t.Errorf("SetValue after a new Parse: %v", err)
	}
	e.Reset(m)
	n := m.Root().Find(TokMode)
	for i := 0; i < MaxEdits; i++ {
		must(t, e.Insert(m.Root().Find(TokLocalControl), []byte("a/b")))
	}
	if err := e.SetValue(n, []byte("SO")); !errors.Is(err, ErrTooManyEdits) || e.Len() != MaxEdits {
		t.Errorf("edit %d: %v", MaxEdits+1, err)
	}

	big := hdr + mf("M{L{"+strings.Repeat("v", MaxMessageSize-100)+"}}")
	m = mustParse(t, []byte(big))
	e.Reset(m)
	must(t, e.SetValue(m.Root().Find(TokLocal), []byte(strings.Repeat("w", MaxMessageSize))))
	if out, err := e.Append([]byte("x")); !errors.Is(err, ErrMessageTooLarge) || string(out) != "x" {
		t.Errorf("oversized output: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestAppendQuoted(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		{"901 Cold Boot", `x"901 Cold Boot"`, nil},
		{"", `x""`, nil},
		{"tab\there; é", "x\"tab\there; é\"", nil},
		{`a"b`, "x", ErrBadValue},
		{"a\nb", "x", ErrBadValue},
		{"a\x00", "x", ErrBadValue},
	} {
		got, err := AppendQuoted([]byte("x"), []byte(c.in))
		if string(got) != c.want || !errors.Is(err, c.err) {
			t.Errorf("AppendQuoted(%q) = %q, %v", c.in, got, err)
		}
	}
}

func TestAppendAuthHeaderLengths(t *testing.T) {
	for n := 0; n < 40; n++ {
		got, err := AppendAuthHeader([]byte("x"), 0xDEADBEEF, 0, make([]byte, n))
		ok := n >= 12 && n <= 32
		if (err == nil) != ok || !ok && string(got) != "x" {
			t.Fatalf("%d octets: %q, %v", n, got, err)
		}
		if ok && (len(got) != 1+27+2*n || !validAuthHeader(got[1:])) {
			t.Fatalf("%d octets: %q", n, got)
		}
	}
}
