package sip

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir is the shared corpus, a sibling of the repository: /work/main is
// the repo and /work/shared the corpus holder, in CI too.
const corpusDir = "../../../shared/corpus/sip"

// rfc4475Invalid names, for each RFC 4475 message of class invalid, the error
// Parse must return and why (the rule is documented where it is applied).
var rfc4475Invalid = map[string]error{
	"badinv01":   ErrBadVia,           // Via "192.0.2.15;;,;,,": empty params/elements
	"clerr":      ErrBadContentLength, // Content-Length 9999 > bytes present
	"ncl":        ErrBadContentLength, // Content-Length -999
	"scalar02":   ErrBadCSeq,          // CSeq number >= 2**31
	"scalarlg":   ErrBadCSeq,          // CSeq number >= 2**31 in a response
	"quotbal":    ErrBadNameAddr,      // To display name quote not closed
	"ltgtruri":   ErrBadURI,           // Request-URI in <>
	"lwsruri":    ErrBadURI,           // white space inside the Request-URI
	"lwsstart":   ErrBadStartLine,     // two SP between start-line parts
	"trws":       ErrBadStartLine,     // trailing SP after SIP-Version
	"escruri":    ErrBadURI,           // headers (?Route=...) in a Request-URI
	"baddate":    ErrBadDate,          // Date in EST, RFC 3261 allows GMT only
	"regbadct":   ErrBadNameAddr,      // Contact addr-spec with '?' outside <>
	"badaspec":   ErrBadNameAddr,      // "< sip:... >": LWS inside <>
	"baddn":      ErrBadNameAddr,      // unquoted display name with ','
	"badvers":    ErrBadVersion,       // SIP/7.0
	"mismatch01": ErrBadCSeq,          // CSeq INVITE on OPTIONS
	"mismatch02": ErrBadCSeq,          // CSeq INVITE on NEWMETHOD
	"bigcode":    ErrBadStatus,        // status 4294967301
}

// rfc4475Semantic lists the semantic-class messages Parse reports an error
// for: insuf lacks Call-ID, From and To, which the API contract requires
// Parse to reject with ErrMissingHeader although it parses the message
// completely (RFC 4475 §3.4.1 asks for a 400, which the populated Message
// allows); mcl01 carries two Content-Length values, 13 and 5, and a reader
// taking the first and one taking the last would end its body at different
// places (RFC 4475 §3.4.2: as good as no valid Content-Length).
var rfc4475Semantic = map[string]error{
	"insuf": ErrMissingHeader,
	"mcl01": ErrBadContentLength,
}

// rfc5118Invalid names the error for each RFC 5118 message of class invalid.
var rfc5118Invalid = map[string]error{
	"ipv6-bad":               ErrBadURI, // sip:2001:db8::10 without brackets
	"ipv6-bug-abnf-3-colons": ErrBadURI, // [2001:db8:::192.0.2.1]
}

type corpusEntry struct{ name, class, path string }

// readExpected reads EXPECTED.tsv (name<TAB>class with a header row) of one
// corpus directory and checks that every message file is listed.
func readExpected(t *testing.T, dir, ext string) []corpusEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "EXPECTED.tsv"))
	if err != nil {
		t.Fatalf("corpus not found (%v): the shared/ directory must sit beside the "+
			"repository, with codec/sip at ../../../shared/corpus/sip", err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 2 || fields[0] == "name" {
			continue
		}
		out = append(out, corpusEntry{fields[0], fields[1], filepath.Join(dir, fields[0]+ext)})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
	if len(files) != len(out) || len(out) == 0 {
		t.Fatalf("%s: %d files but %d EXPECTED.tsv rows", dir, len(files), len(out))
	}
	return out
}

func runCorpus(t *testing.T, entries []corpusEntry, invalid, semantic map[string]error) {
	t.Helper()
	seen := 0
	for _, e := range entries {
		t.Run(e.name, func(t *testing.T) {
			data, err := os.ReadFile(e.path)
			if err != nil {
				t.Fatal(err)
			}
			var m Message
			err = m.Parse(data)
			switch e.class {
			case "valid", "semantic":
				want := semantic[e.name]
				if !errors.Is(err, want) || (want == nil) != (err == nil) {
					t.Fatalf("class %s: Parse = %v, want %v", e.class, err, want)
				}
				checkParsed(t, &m)
			case "invalid":
				want, ok := invalid[e.name]
				if !ok {
					t.Fatalf("invalid message %s has no expected error in the table", e.name)
				}
				seen++
				if !errors.Is(err, want) {
					t.Fatalf("Parse = %v, want %v", err, want)
				}
			default:
				t.Fatalf("unknown class %q", e.class)
			}
		})
	}
	if seen != len(invalid) {
		t.Errorf("table lists %d invalid messages, corpus has %d", len(invalid), seen)
	}
}

// checkParsed asserts what holds for every accepted message: views lie in
// the buffer, Via parses, and the start line is one of the two kinds.
func checkParsed(t *testing.T, m *Message) {
	t.Helper()
	if m.NumHeaders() == 0 {
		t.Fatal("no headers")
	}
	if m.IsRequest() == (m.StatusCode() != 0) {
		t.Fatalf("IsRequest %v with status %d", m.IsRequest(), m.StatusCode())
	}
	for i := 0; i < m.NumHeaders(); i++ {
		h := m.Header(i)
		if !inside(m.Bytes(), h.Line) || !inside(h.Line, h.Value) || !inside(h.Line, h.Name) {
			t.Fatalf("header %d views outside the buffer", i)
		}
	}
	it := m.List(HdrVia)
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		if _, err := ParseVia(e); err != nil {
			t.Fatalf("ParseVia(%q): %v", e, err)
		}
	}
}

func TestCorpusRFC4475(t *testing.T) {
	dir := filepath.Join(corpusDir, "rfc4475")
	runCorpus(t, readExpected(t, dir, ".dat"), rfc4475Invalid, rfc4475Semantic)
}

func TestCorpusRFC5118(t *testing.T) {
	dir := filepath.Join(corpusDir, "rfc5118")
	runCorpus(t, readExpected(t, dir, ".sip"), rfc5118Invalid, nil)
}

// TestCorpusRFC5118Hosts checks host, port and received values of the
// RFC 5118 messages field by field.
func TestCorpusRFC5118Hosts(t *testing.T) {
	type via struct {
		host     string
		port     int
		received string
	}
	cases := []struct {
		file, ruriHost string
		ruriPort       int
		contactHost    string
		vias           []via
	}{
		{"ipv6-good", "[2001:db8::10]", 0, "[2001:db8::1]",
			[]via{{"[2001:db8::9:1]", 0, ""}}},
		{"port-unambiguous", "[2001:db8::10]", 5070, "[2001:db8::1]",
			[]via{{"[2001:db8::9:1]", 0, ""}}},
		{"port-ambiguous", "[2001:db8::10:5070]", 0, "[2001:db8::1]",
			[]via{{"[2001:db8::9:1]", 0, ""}}},
		{"ipv4-mapped-ipv6", "example.com", 0, "[::ffff:192.0.2.2]",
			[]via{{"[::ffff:192.0.2.10]", 19823, ""}, {"[::ffff:192.0.2.2]", 0, ""}}},
		{"mult-ip-in-header", "host.example.net", 0, "", []via{
			{"[2001:db8::9:1]", 6050, ""}, {"192.0.2.1", 0, ""},
			{"[2001:db8::9:255]", 0, "192.0.2.200"}}},
		{"via-received-param-no-delim", "[2001:db8::10]", 0, "[2001:db8::9:1]",
			[]via{{"[2001:db8::9:1]", 0, "2001:db8::9:255"}}},
		{"via-received-param-with-delim", "[2001:db8::10]", 0, "",
			[]via{{"[2001:db8::9:1]", 0, "[2001:db8::9:255]"}}},
		{"ipv6-correct-abnf-2-colons", "[2001:db8::192.0.2.1]", 0, "",
			[]via{{"lab1.east.example.com", 0, ""}}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(corpusDir, "rfc5118", c.file+".sip"))
			if err != nil {
				t.Fatalf("corpus not found: %v", err)
			}
			m := mustParse(t, data)
			u, err := ParseURI(m.RequestURI())
			if err != nil || string(u.Host) != c.ruriHost || u.Port != c.ruriPort {
				t.Errorf("Request-URI %q: host %q port %d err %v", m.RequestURI(), u.Host, u.Port, err)
			}
			if contact, ok := m.Get(HdrContact); ok || c.contactHost != "" {
				cu, err := ParseURI(NameAddrURI(contact))
				if err != nil || string(cu.Host) != c.contactHost {
					t.Errorf("Contact %q: host %q err %v", contact, cu.Host, err)
				}
			}
			it := m.List(HdrVia)
			for i, want := range c.vias {
				e, ok := it.Next()
				v, err := ParseVia(e)
				if !ok || err != nil || string(v.Host) != want.host || v.Port != want.port ||
					string(v.Received) != want.received {
					t.Errorf("Via %d %q: %+v %v", i, e, v, err)
				}
			}
			if e, ok := it.Next(); ok {
				t.Errorf("extra Via %q", e)
			}
		})
	}
}

func readCorpus(t *testing.T, set, name string) *Message {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, set, name))
	if err != nil {
		t.Fatalf("corpus not found: %v", err)
	}
	return mustParse(t, data)
}

// TestCorpusRFC4475Fields checks values of the trickier valid messages.
func TestCorpusRFC4475Fields(t *testing.T) {
	m := readCorpus(t, "rfc4475", "wsinv.dat")
	to, _ := m.Get(HdrTo)
	from, _ := m.Get(HdrFrom)
	cseq, _ := m.Get(HdrCSeq)
	n, method, err := ParseCSeq(cseq)
	if string(Tag(to)) != "1918181833n" || string(Tag(from)) != "98asjd8" ||
		n != 9 || string(method) != "INVITE" || err != nil {
		t.Errorf("wsinv: to tag %q from tag %q cseq %d %q %v", Tag(to), Tag(from), n, method, err)
	}
	var branches []string
	it := m.List(HdrVia)
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		v, _ := ParseVia(e)
		branches = append(branches, string(v.Host)+" "+string(v.Branch))
	}
	if strings.Join(branches, ",") != "192.0.2.2 390skdjuw,spindle.example.com z9hG4bK9ikj8,"+
		"192.168.255.111 z9hG4bK30239" {
		t.Errorf("wsinv Vias %q", branches)
	}
	if mf, _ := m.Get(HdrMaxForwards); string(mf) != "0068" {
		t.Errorf("wsinv Max-Forwards %q", mf)
	}
	if c, _ := m.Get(HdrContact); string(Tag(c)) != "" || string(NameAddrURI(c)) != "sip:jdrosen@example.com" {
		t.Errorf("wsinv Contact %q", c)
	}

	m = readCorpus(t, "rfc4475", "intmeth.dat")
	if string(m.Method()) != "!interesting-Method0123456789_*+`.%indeed'~" {
		t.Errorf("intmeth method %q", m.Method())
	}
	m = readCorpus(t, "rfc4475", "esc02.dat")
	if m.Count(HdrContact) != 2 || m.Count(HdrOther) != 1 {
		t.Errorf("esc02: C%%6Fntact must not be Contact")
	}
	if m = readCorpus(t, "rfc4475", "longreq.dat"); m.Count(HdrVia) != 34 {
		t.Errorf("longreq: %d Via lines", m.Count(HdrVia))
	}
	if m = readCorpus(t, "rfc4475", "dblreq.dat"); len(m.Body()) != 0 {
		t.Errorf("dblreq: body %q", m.Body())
	}
	if m = readCorpus(t, "rfc4475", "noreason.dat"); m.StatusCode() != 100 || len(m.Reason()) != 0 {
		t.Errorf("noreason: %d %q", m.StatusCode(), m.Reason())
	}
	if m = readCorpus(t, "rfc4475", "escnull.dat"); m.Count(HdrContact) != 2 {
		t.Errorf("escnull: %d Contacts", m.Count(HdrContact))
	}
}
