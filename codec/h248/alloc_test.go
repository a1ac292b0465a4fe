//go:build !race

package h248

import (
	"bytes"
	"testing"
)

// assertNoAllocs fails when f allocates; the race detector allocates, hence
// the build tag.
func assertNoAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%s: %.1f allocs per run, want 0", name, n)
	}
}

func TestParseNoAllocs(t *testing.T) {
	m := new(Message)
	msgs := map[string][]byte{"servicechange": benchServiceChange, "modify": benchModify,
		"sdp": readCorpus(t, "rfc3525", "a1-13-mg1-add-reply-sdp.txt"), "node": nodeMsg}
	for name, msg := range msgs {
		assertNoAllocs(t, "Parse "+name, func() {
			if err := m.Parse(msg); err != nil {
				t.Fatal(err)
			}
		})
	}
	for name, msg := range map[string][]byte{
		"bad version": []byte("MEGACO/x [1.2.3.4] T=1{}"),
		"unbalanced":  benchServiceChange[:len(benchServiceChange)-3],
		"number":      []byte(hdr + "T=4294967296{C=-{MF=A}}"),
	} {
		assertNoAllocs(t, "Parse error "+name, func() {
			if m.Parse(msg) == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestReadNoAllocs(t *testing.T) {
	m := mustParse(t, nodeMsg)
	sink := 0
	funcs := map[string]func(){
		"Header": func() {
			h := m.Header()
			sink += h.Version + len(m.Body()) + len(m.AppendAuthData(nil))
		},
		"Walker": func() {
			w := m.Walker()
			for _, err := w.Transaction(); err == nil; _, err = w.Transaction() {
				for _, err := w.Context(); err == nil; _, err = w.Context() {
					for _, err := w.Command(); err == nil; _, err = w.Command() {
						for d, err := w.Descriptor(); err == nil; d, err = w.Descriptor() {
							sink += len(d.Name())
						}
					}
				}
			}
		},
		"Node": func() {
			root := m.Root()
			n := root.FindParam("tdmc", "gain")
			sink += len(n.Value()) + len(n.RawValue()) + len(n.Package()) + len(n.Item()) +
				int(n.ID()) + len(n.Raw()) + len(n.Body()) + n.NumChildren()
			sink += len(root.Find(TokLocal).Value()) + len(root.Find(TokError).ErrorText())
			it := root.FindParam("x", "l").Values()
			for v, ok := it.Next(); ok; v, ok = it.Next() {
				sink += len(v)
			}
			a, _, _ := root.Find(TokResponseAck).FirstChild().AckRange()
			sink += int(a)
			if of := root.FindParam("al", "of"); of.FindNext(root).Valid() {
				sink++
			}
		},
		"LookupToken": func() { sink += int(LookupToken([]byte("ServiceChange"))) },
		"ParseMID": func() {
			mid, _ := ParseMID([]byte("[2001:db8::1]:2944"))
			sink += mid.Port
		},
	}
	for name, f := range funcs {
		assertNoAllocs(t, name, f)
	}
	if sink == 0 {
		t.Fatal("nothing read")
	}
}

func TestEditNoAllocs(t *testing.T) {
	m := mustParse(t, benchModify)
	var e Editor
	header, _ := AppendAuthHeader(nil, 0xA001, 7, bytes.Repeat([]byte{0x5A}, 16))
	lc := m.Root().Find(TokLocalControl)
	kw, kid := lc.FindParam("skd", "kw"), lc.FindParam("skd", "kid")
	two, mac, bad := []byte("2"), []byte(`skd/mac="0123456789ABCDEF"`), []byte("bad value")
	dst := make([]byte, 0, 2048)
	assertNoAllocs(t, "Editor", func() {
		e.Reset(m)
		if e.SetValue(kid, two) != nil || e.Remove(kw) != nil ||
			e.Insert(lc, mac) != nil ||
			e.SetAuth(header) != nil || e.SetValue(kid, bad) == nil {
			t.Fatal("edit")
		}
		var err error
		if dst, err = e.Append(dst[:0]); err != nil {
			t.Fatal(err)
		}
	})
	data := bytes.Repeat([]byte{1}, 20)
	assertNoAllocs(t, "AppendAuthHeader", func() {
		dst, _ = AppendAuthHeader(dst[:0], 1, 2, data)
	})
	assertNoAllocs(t, "AppendQuoted", func() {
		dst, _ = AppendQuoted(dst[:0], data[:3])
	})
}
