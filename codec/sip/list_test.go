package sip

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// elements splits v with NextElement.
func elements(v string) []string {
	var out []string
	b := []byte(v)
	for off := 0; off < len(b); {
		var e []byte
		e, off = NextElement(b, off)
		out = append(out, string(e))
	}
	return out
}

func TestNextElement(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{" a , b ,c ", []string{"a", "b", "c"}},
		{"a,,b", []string{"a", "", "b"}},
		{"a,", []string{"a"}},
		{",a", []string{"", "a"}},
		{`"x, y" <sip:a@b>, c`, []string{`"x, y" <sip:a@b>`, "c"}},
		{`"x \", y" <sip:a@b>;p="1,2", c`, []string{`"x \", y" <sip:a@b>;p="1,2"`, "c"}},
		{`"x \\", y`, []string{`"x \\"`, "y"}},
		{"<sip:a@b;x=1,2>;q=0.5, <sip:c@d>", []string{"<sip:a@b;x=1,2>;q=0.5", "<sip:c@d>"}},
		{`<sip:"a,b">, c`, []string{`<sip:"a,b">`, "c"}},
		{`"unclosed, a, b`, []string{`"unclosed, a, b`}},
		{"<unclosed, a", []string{"<unclosed, a"}},
		{"a\r\n ,\r\n\tb", []string{"a", "b"}},
	}
	for _, c := range cases {
		if got := elements(c.in); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("elements(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if e, next := NextElement([]byte("a,b"), -3); string(e) != "a" || next != 2 {
		t.Errorf("negative offset: %q %d", e, next)
	}
	if e, next := NextElement([]byte("a,b"), 9); e != nil || next != 3 {
		t.Errorf("offset past the end: %q %d", e, next)
	}
}

func TestListIter(t *testing.T) {
	m := mustParse(t, minimal([]string{
		"Via: SIP/2.0/UDP h2;branch=z9hG4bK2, SIP/2.0/UDP h3;branch=z9hG4bK3",
		"Subject: x",
		"v: SIP/2.0/UDP h4;branch=z9hG4bK4",
		"Supported: ,a,,b, ,",
	}, ""))
	it := m.List(HdrVia)
	var hosts []string
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		v, err := ParseVia(e)
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, string(v.Host))
	}
	if strings.Join(hosts, " ") != "192.0.2.1 h2 h3 h4" || it.Err() != nil {
		t.Fatalf("hosts %q err %v", hosts, it.Err())
	}
	if _, ok := it.Next(); ok {
		t.Fatal("Next after the end")
	}
	sup := m.List(HdrSupported)
	a, _ := sup.Next()
	b, _ := sup.Next()
	if _, ok := sup.Next(); ok || string(a) != "a" || string(b) != "b" {
		t.Fatalf("empty elements not skipped: %q %q", a, b)
	}
	none := m.List(HdrRoute)
	if _, ok := none.Next(); ok || none.Err() != nil {
		t.Fatal("absent header yields elements")
	}
	var zero ListIter
	if _, ok := zero.Next(); ok {
		t.Fatal("zero ListIter yields elements")
	}
}

func TestListIterLimit(t *testing.T) {
	var extra []string
	for i := 0; i < MaxListElements/4; i++ {
		extra = append(extra, "Supported: a, b, c, d")
	}
	count := func(extra []string) (int, error) {
		m := mustParse(t, minimal(extra, ""))
		it := m.List(HdrSupported)
		n := 0
		for _, ok := it.Next(); ok; _, ok = it.Next() {
			n++
		}
		return n, it.Err()
	}
	if n, err := count(extra); n != MaxListElements || err != nil {
		t.Fatalf("at the limit: %d %v", n, err)
	}
	n, err := count(append(extra, "Supported: e"))
	if n != MaxListElements || !errors.Is(err, ErrTooManyElements) {
		t.Fatalf("past the limit: %d %v", n, err)
	}
}

func TestDropFirstElement(t *testing.T) {
	cases := map[string]string{
		"SIP/2.0/UDP a;branch=1, SIP/2.0/UDP b": "SIP/2.0/UDP b",
		"SIP/2.0/UDP a":                         "",
		`"x,y" <sip:a>, <sip:b> , <sip:c>`:      "<sip:b> , <sip:c>",
		"":                                      "",
		"a,":                                    "",
		"a ,\r\n b":                             "b",
	}
	for in, want := range cases {
		if got := DropFirstElement([]byte(in)); string(got) != want {
			t.Errorf("DropFirstElement(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParam(t *testing.T) {
	cases := []struct {
		elem, name, want string
		present          bool
	}{
		{"SIP/2.0/UDP h;branch=z9hG4bK1;rport", "branch", "z9hG4bK1", true},
		{"SIP/2.0/UDP h;branch=z9hG4bK1;rport", "rport", "", true},
		{"SIP/2.0/UDP h;branch=z9hG4bK1;rport", "BRANCH", "z9hG4bK1", true},
		{"SIP/2.0/UDP h;BrAnCh=z9hG4bK1", "branch", "z9hG4bK1", true},
		{"SIP/2.0/UDP h;branch=z9hG4bK1", "received", "", false},
		{`<sip:a@b;tag=inner>;tag=outer`, "tag", "outer", true},
		{`"a;tag=x" <sip:a@b>;tag=y`, "tag", "y", true},
		{`"a \";tag=x" <sip:a@b>;tag=y`, "tag", "y", true},
		{"sip:a@b;tag=1", "tag", "1", true},
		{";lr;wrap=ascon128a-v12", "wrap", "ascon128a-v12", true},
		{";lr;wrap=ascon128a-v12", "lr", "", true},
		{`x; p = "quoted ; value" ; q=1`, "p", "quoted ; value", true},
		{`x; p = "quoted ; value" ; q=1`, "q", "1", true},
		{`x;p="esc \" q"`, "p", `esc \" q`, true},
		{"x ;\r\n  tag = 98asjd8", "tag", "98asjd8", true},
		{"x;a=1, y;b=2", "b", "", false},
		{"x;;a=1", "a", "1", true},
		{"x;p=", "p", "", true},
		{"x;tagged=1", "tag", "", false},
		{"x", "x", "", false},
		{"", "a", "", false},
		{`x;p="unclosed`, "p", `"unclosed`, true},
	}
	for _, c := range cases {
		v, ok := Param([]byte(c.elem), c.name)
		if string(v) != c.want || ok != c.present {
			t.Errorf("Param(%q, %q) = %q %v, want %q %v", c.elem, c.name, v, ok, c.want, c.present)
		}
	}
	if v, ok := Param([]byte("x;flag"), "flag"); !ok || v != nil {
		t.Errorf("flag value %q", v)
	}
}

func TestParamLimit(t *testing.T) {
	elem := "x" + strings.Repeat(";p", MaxParams-1) + ";last=1"
	if v, ok := Param([]byte(elem), "last"); !ok || string(v) != "1" {
		t.Fatalf("param %d not found", MaxParams)
	}
	elem = "x" + strings.Repeat(";p", MaxParams) + ";last=1"
	if _, ok := Param([]byte(elem), "last"); ok {
		t.Fatal("param past MaxParams found")
	}
}
