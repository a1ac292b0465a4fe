package h248

import (
	"errors"
	"strings"
	"testing"
)

// nodeMsg exercises the Node accessors.
var nodeMsg = []byte(hdr + `T=42{C=7{O-MF=A4444{M{ST=1{O{MO=SR, tdmc/gain=2, x/l=[a, "b c"],` +
	` x/r=[1:9], x/alt={p,q}}, L{ v=0 }}}, E=12{al/of(strict=state), dd/ce}},` +
	` N=A4444{OE=12{20240101T10000000:al/of{init=false}}}, SC=ROOT{SV{X-Key=1, MT=RS}}}}` +
	` K{3-9, 11} P=43{ER=500{"Internal"}}`)

func TestNodeAccessors(t *testing.T) {
	m := mustParse(t, nodeMsg)
	root := m.Root()
	if root.Kind() != KindMessage || root.Index() != 0 || root.Parent().Valid() ||
		root.Next().Valid() || root.NumChildren() != 3 {
		t.Fatalf("root: kind %v children %d", root.Kind(), root.NumChildren())
	}
	tx := root.FirstChild()
	if tx.Token() != TokTransaction || tx.ID() != 42 || string(tx.Value()) != "42" ||
		tx.Kind() != KindTransaction {
		t.Fatalf("transaction %s", tx.Raw())
	}
	ctx := tx.FirstChild()
	if ctx.Kind() != KindContext || ctx.ID() != 7 || ctx.Parent() != tx {
		t.Fatalf("context %s", ctx.Raw())
	}
	cmd := ctx.FirstChild()
	if cmd.Token() != TokModify || !cmd.Optional() || cmd.Wildcard() ||
		string(cmd.Name()) != "MF" || !strings.HasPrefix(string(cmd.Raw()), "O-MF=A4444{") ||
		string(cmd.Value()) != "A4444" || cmd.NumChildren() != 2 {
		t.Fatalf("command %s", cmd.Raw())
	}
	gain := cmd.FindParam("TDMC", "Gain")
	if string(gain.Name()) != "tdmc/gain" || string(gain.Package()) != "tdmc" ||
		string(gain.Item()) != "gain" || gain.Op() != '=' || gain.ValueForm() != ValueScalar ||
		string(gain.Raw()) != "tdmc/gain=2" || gain.Parent().Token() != TokLocalControl {
		t.Fatalf("tdmc/gain %s", gain.Raw())
	}
	if mode := cmd.Find(TokMode); string(mode.Item()) != "MO" || mode.Package() != nil ||
		LookupToken(mode.Value()) != TokSendReceive {
		t.Fatalf("mode %s", mode.Raw())
	}
	checkValues(t, cmd.FindParam("x", "l"), ValueSublist, "[a, \"b c\"]", "a", "b c")
	checkValues(t, cmd.FindParam("x", "r"), ValueRange, "[1:9]", "1", "9")
	checkValues(t, cmd.FindParam("x", "alt"), ValueAlternatives, "{p,q}", "p", "q")
	checkValues(t, gain, ValueScalar, "2", "2")
	checkValues(t, cmd.Find(TokLocal), ValueOctets, " v=0 ")
	local := cmd.Find(TokLocal)
	if string(local.Value()) != "v=0" || string(local.Body()) != " v=0 " || !local.HasBody() {
		t.Fatalf("local %q %q", local.Value(), local.Body())
	}
	ev := cmd.Find(TokEvents)
	if ev.ID() != 12 || ev.Kind() != KindDescriptor || ev.NumChildren() != 2 {
		t.Fatalf("events %s", ev.Raw())
	}
	of := ev.FirstChild()
	if !of.HasBody() || string(of.Body()) != "strict=state" || of.Next().Next().Valid() ||
		string(of.Next().Name()) != "dd/ce" || of.Next().HasBody() || of.Next().Body() != nil {
		t.Fatalf("al/of %s", of.Raw())
	}
	notify := cmd.Next()
	obs := notify.Child(TokObservedEvents).FirstChild()
	if string(obs.Timestamp()) != "20240101T10000000" || string(obs.Name()) != "al/of" ||
		!strings.HasPrefix(string(obs.Raw()), "20240101T10000000:al/of{") || obs.Value() != nil ||
		obs.ValueForm() != ValueNone {
		t.Fatalf("observed %s", obs.Raw())
	}
	if of2 := of.FindNext(root); of2 != obs {
		t.Fatalf("FindNext = %s", of2.Raw())
	}
	if of.FindNext(ev).Valid() || obs.FindNext(root).Valid() {
		t.Fatal("FindNext went past its scope")
	}
	svc := notify.Next().Child(TokServices)
	ext := svc.FirstChild()
	if !ext.IsExtension() || ext.Next().IsExtension() || gain.IsExtension() {
		t.Fatal("IsExtension")
	}
	ack := tx.Next().FirstChild()
	if a, z, ok := ack.AckRange(); !ok || a != 3 || z != 9 || ack.ID() != 3 {
		t.Fatalf("ack %s: %d-%d %v", ack.Raw(), a, z, ok)
	}
	if a, z, ok := ack.Next().AckRange(); !ok || a != 11 || z != 11 {
		t.Fatalf("ack 11: %d-%d", a, z)
	}
	reply := tx.Next().Next()
	e := reply.Child(TokError)
	if e.Kind() != KindError || e.ID() != 500 || string(e.ErrorText()) != "Internal" ||
		string(e.FirstChild().RawValue()) != `"Internal"` {
		t.Fatalf("error %s", e.Raw())
	}
	if _, _, ok := e.FirstChild().AckRange(); ok {
		t.Fatal("AckRange on quoted text")
	}
	if e.Child(TokAdd).Valid() || root.Find(TokNone).Valid() || root.Find(TokMux).Valid() ||
		root.FindParam("no", "such").Valid() || gain.ErrorText() != nil {
		t.Fatal("lookups of absent things succeeded")
	}
	if m.Node(m.NumNodes()).Valid() || m.Node(m.NumNodes()-1).Next().Valid() {
		t.Fatal("node past the end")
	}
}

func checkValues(t *testing.T, n Node, form ValueForm, raw string, elems ...string) {
	t.Helper()
	if n.ValueForm() != form || string(n.RawValue()) != raw {
		t.Fatalf("%s: form %v raw %q", n.Name(), n.ValueForm(), n.RawValue())
	}
	it := n.Values()
	for _, want := range elems {
		got, ok := it.Next()
		if !ok || string(got) != want {
			t.Fatalf("%s: element %q, want %q", n.Name(), got, want)
		}
	}
	if got, ok := it.Next(); ok {
		t.Fatalf("%s: extra element %q", n.Name(), got)
	}
}

func TestZeroNode(t *testing.T) {
	var n Node
	if n.Valid() || n.Index() != -1 || n.Kind() != KindNone || n.Token() != TokNone ||
		n.Name() != nil || n.Package() != nil || n.Item() != nil || n.IsExtension() ||
		n.Op() != 0 || n.ValueForm() != ValueNone || n.Value() != nil || n.RawValue() != nil ||
		n.ID() != 0 || n.ErrorText() != nil || n.Optional() || n.Wildcard() ||
		n.Timestamp() != nil || n.HasBody() || n.Body() != nil || n.Raw() != nil ||
		n.Parent().Valid() || n.FirstChild().Valid() || n.Next().Valid() ||
		n.NumChildren() != 0 || n.Child(TokAdd).Valid() || n.Find(TokAdd).Valid() ||
		n.FindParam("a", "b").Valid() || n.FindNext(n).Valid() {
		t.Fatal("zero Node returned something")
	}
	if _, _, ok := n.AckRange(); ok {
		t.Fatal("zero Node AckRange ok")
	}
	it := n.Values()
	if _, ok := it.Next(); ok {
		t.Fatal("zero Node has values")
	}
	var zero ValueIter
	if _, ok := zero.Next(); ok {
		t.Fatal("zero ValueIter yields")
	}
	broken := ValueIter{v: []byte("a,#")}
	if e, ok := broken.Next(); !ok || string(e) != "a" {
		t.Fatal("first element of a broken list")
	}
	if _, ok := broken.Next(); ok {
		t.Fatal("a broken list keeps yielding")
	}
}

func TestWalker(t *testing.T) {
	m := mustParse(t, nodeMsg)
	w := m.Walker()
	if _, err := w.Context(); !errors.Is(err, ErrSectionDone) {
		t.Fatal("Context before Transaction")
	}
	if _, err := w.Command(); !errors.Is(err, ErrSectionDone) {
		t.Fatal("Command before Context")
	}
	if _, err := w.Descriptor(); !errors.Is(err, ErrSectionDone) {
		t.Fatal("Descriptor before Command")
	}
	var got []string
	for tx, err := w.Transaction(); err == nil; tx, err = w.Transaction() {
		got = append(got, "tx "+tx.Token().Short())
		for ctx, err := w.Context(); err == nil; ctx, err = w.Context() {
			got = append(got, "ctx "+string(ctx.Value()))
			for cmd, err := w.Command(); err == nil; cmd, err = w.Command() {
				got = append(got, "cmd "+cmd.Token().Short())
				for d, err := w.Descriptor(); err == nil; d, err = w.Descriptor() {
					got = append(got, "desc "+d.Token().Short())
				}
				if _, err := w.Descriptor(); !errors.Is(err, ErrSectionDone) {
					t.Fatal("Descriptor after the last")
				}
			}
		}
	}
	want := "tx T,ctx 7,cmd MF,desc M,desc E,cmd N,desc OE,cmd SC,desc SV,tx K,tx P"
	if strings.Join(got, ",") != want {
		t.Fatalf("walk\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	if _, err := w.Transaction(); !errors.Is(err, ErrSectionDone) {
		t.Fatal("Transaction after the last")
	}
	if _, err := w.Context(); !errors.Is(err, ErrSectionDone) {
		t.Fatal("Context after the last transaction")
	}

	// Moving on at one level restarts the levels below.
	w = m.Walker()
	w.Transaction()
	w.Context()
	w.Command()
	w.Descriptor()
	w.Command()
	if d, _ := w.Descriptor(); d.Token() != TokObservedEvents {
		t.Fatalf("after Command, Descriptor = %v", d.Token())
	}

	var zero Walker
	if _, err := zero.Transaction(); !errors.Is(err, ErrSectionDone) ||
		zero.Header().Version != 0 {
		t.Fatal("zero Walker")
	}
	var empty Message
	w = empty.Walker()
	if _, err := w.Transaction(); !errors.Is(err, ErrSectionDone) {
		t.Fatal("Walker of an unparsed Message")
	}
	m = mustParse(t, []byte(hdr+`ER=400{"x"}`))
	w = m.Walker()
	if _, err := w.Transaction(); !errors.Is(err, ErrSectionDone) ||
		m.Root().Child(TokError).ID() != 400 {
		t.Fatal("message-level Error")
	}
}
