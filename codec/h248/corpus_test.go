package h248

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// megacoMeas is what the walker sees in each Erlang/OTP megaco message;
// every one of them is valid.
var megacoMeas = map[string]string{
	"msg01a": "Transaction 9999 C-{Modify=11111111/00000000/00000000(Media Events)}",
	"msg01b": "Transaction 9999 C-{Modify=11111111/00000000/11111111(Media Events)}",
	"msg02":  "Transaction 9999 C-{Modify=11111111/00000000/00000000(Media Events)}",
	"msg03":  "Transaction 10000 C-{Notify=11111111/00000000/00000000(ObservedEvents)}",
	"msg04":  "Transaction 9998 C-{ServiceChange=root(Services)}",
	"msg05":  "Reply 9998 C-{ServiceChange=root(Services)}",
	"msg06a": "Reply 9999 C-{Modify=11111111/00000000/00000000}",
	"msg06b": "Reply 9999 C-{Modify=11111111/11111111/00000000}",
	"msg07":  "Reply 10000 C-{Notify=11111111/00000000/00000000}",
	"msg08a": "Transaction 10001 C-{Modify=11111111/00000000/00000000(Events Signals DigitMap)}",
	"msg08b": "Transaction 10001 C-{Modify=11111111/00000000/00000000(Events Signals DigitMap)}",
	"msg09":  "Transaction 10002 C-{Notify=11111111/00000000/00000000(ObservedEvents)}",
	"msg10":  "Transaction 10003 C${Add=11111111/00000000/00000000, Add=$(Media)}",
	"msg11": "Reply 10003 C2000{Add=11111111/00000000/00000000, " +
		"Add=11111111/00000000/11111111(Media)}",
	"msg12": "Transaction 50003 C${Add=11111111/11111111/00000000(Media Signals), Add=$(Media)}",
	"msg13": "Reply 50003 C5000{Add=11111111/11111111/11111111(Media)}",
	"msg14": "Transaction 10005 C2000{Modify=11111111/00000000/00000000(Signals), " +
		"Modify=11111111/00000000/11111111(Media)}",
	"msg15": "Reply 10005 C2000{Modify=11111111/00000000/00000000, " +
		"Modify=11111111/00000000/11111111}",
	"msg16": "Transaction 50005 C5000{Notify=11111111/11111111/00000000(ObservedEvents)}",
	"msg17": "Reply 50005 C-{Notify=11111111/11111111/00000000}",
	"msg18": "Transaction 50006 C5000{Modify=11111111/11111111/00000000(Events Signals)}",
	"msg19": "Reply 50006 C5000{Modify=11111111/00000000/11111111}",
	"msg20": "Transaction 10006 C2000{Modify=11111111/00000000/11111111(Media), " +
		"Modify=11111111/00000000/00000000(Signals)}",
	"msg21": "Transaction 50007 C-{AuditValue=11111111/11111111/11111111(Audit)}",
	"msg22a": "Reply 50007 C-{AuditValue=11111111/11111111/11111111" +
		"(Media Packages Statistics)}",
	"msg23a": "Transaction 50008 C5000{Notify=11111111/11111111/00000000(ObservedEvents)}",
	"msg23b": "Transaction 50008 C5000{Notify=11111111/11111111/00000000(ObservedEvents)} " +
		"C5001{Notify=11111111/11111111/11111111(ObservedEvents)}",
	"msg23c": "Transaction 50008 C5000{Notify=11111111/11111111/00000000(ObservedEvents)}; " +
		"Transaction 50009 C5001{Notify=11111111/11111111/11111111(ObservedEvents)}",
	"msg23d": "Transaction 50008 C5000{Notify=11111111/11111111/00000000(ObservedEvents)} " +
		"C5001{Notify=11111111/11111111/11111111(ObservedEvents)}; " +
		"Transaction 50009 C5003{Notify=11111111/11111111/00000000(ObservedEvents)} " +
		"C5004{Notify=11111111/11111111/11111111(ObservedEvents)}",
	"msg24": "Transaction 50009 C5000{Subtract=11111111/11111111/00000000(Audit), " +
		"Subtract=11111111/11111111/11111111(Audit)}",
	"msg25": "Reply 50009 C5000{Subtract=11111111/11111111/00000000(Statistics), " +
		"Subtract=11111111/11111111/11111111(Statistics)}",
}

// rfc3525Flows is what the walker sees in each RFC 3525 Appendix A.1
// message, and which leniency rules of the package doc it needs (none: the
// message follows the Annex B ABNF).
var rfc3525Flows = map[string]struct {
	summary  string
	leniency string
}{
	"a1-01-mg1-servicechange-restart": {"Transaction 9998 C-{ServiceChange=ROOT(Services)}", ""},
	"a1-02-mgc-servicechange-reply":   {"Reply 9998 C-{ServiceChange=ROOT(Services)}", ""},
	"a1-03-mgc-modify-a4444":          {"Transaction 9999 C-{Modify=A4444(Media Events)}", "1 2"},
	"a1-04-mg1-modify-reply":          {"Reply 9999 C-{Modify=A4444}", ""},
	"a1-06-mg1-notify-offhook":        {"Transaction 10000 C-{Notify=A4444(ObservedEvents)}", "1"},
	"a1-07-mgc-notify-reply":          {"Reply 10000 C-{Notify=A4444}", ""},
	"a1-08-mgc-modify-digitmap": {
		"Transaction 10001 C-{Modify=A4444(Events Signals DigitMap)}", "1 3"},
	"a1-09-mg1-modify-reply":       {"Reply 10001 C-{Modify=A4444}", ""},
	"a1-10-mg1-notify-digits":      {"Transaction 10002 C-{Notify=A4444(ObservedEvents)}", ""},
	"a1-11-mgc-notify-reply":       {"Reply 10002 C-{Notify=A4444}", ""},
	"a1-12-mgc-add-choose-context": {"Transaction 10003 C${Add=A4444, Add=$(Media)}", ""},
	"a1-13-mg1-add-reply-sdp":      {"Reply 10003 C2000{Add=A4444, Add=A4445(Media)}", ""},
	"a1-16a-mgc-modify-remote-sdp": {
		"Transaction 10005 C2000{Modify=A4444(Signals), Modify=A4445(Media)}", ""},
	"a1-16b-mg1-modify-reply":   {"Reply 10005 C2000{Modify=A4444, Modify=A4445}", ""},
	"a1-17a-mg2-notify-offhook": {"Transaction 50005 C5000{Notify=A5555(ObservedEvents)}", "1"},
	"a1-17b-mgc-notify-reply":   {"Reply 50005 C-{Notify=A5555}", ""},
	"a1-17c-mgc-modify-stop-ringing": {
		"Transaction 50006 C5000{Modify=A5555(Events Signals)}", "1"},
	"a1-17d-mg2-modify-reply": {"Reply 50006 C5000{Modify=A4445}", ""},
	"a1-18a-mgc-modify-sendreceive": {
		"Transaction 10006 C2000{Modify=A4445(Media), Modify=A4444(Signals)}", ""},
	"a1-18b-mg1-modify-reply": {"Reply 10006 C2000{Modify=A4445, Modify=A4444}", ""},
}

// invalidErrors names the error Parse must return for each message of
// corpus/h248/invalid, and why.
var invalidErrors = map[string]error{
	"truncated-braces":           ErrUnbalancedBraces,   // ends inside three open braces
	"txn-id-21-digits":           ErrNumberTooLarge,     // UINT32 has at most 10 digits
	"txn-id-uint32-overflow":     ErrNumberTooLarge,     // 4294967296 > 4294967295
	"bad-version-x":              ErrBadVersion,         // MEGACO/x
	"unterminated-quoted-string": ErrUnterminatedString, // no DQUOTE before the EOL
	"auth-short-authdata":        ErrBadAuth,            // 16 hex digits, 24 required
	"header-only-no-body":        ErrNoBody,             // version and mId only
}

// corpusFiles lists the .txt files of one corpus folder by name (without
// the extension), failing when the folder is missing or empty.
func corpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files in %s (%v): the shared/ directory must sit beside the "+
			"repository, with codec/h248 at %s", dir, err, corpusDir)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(filepath.Base(f), ".txt")
	}
	return names
}

func TestCorpusMegacoMeas(t *testing.T) {
	names := corpusFiles(t, "megaco-meas")
	if len(names) != len(megacoMeas) {
		t.Errorf("%d files, table has %d", len(names), len(megacoMeas))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			want, ok := megacoMeas[name]
			if !ok {
				t.Fatal("file not in the table")
			}
			m := mustParse(t, readCorpus(t, "megaco-meas", name+".txt"))
			checkTree(t, m)
			if got := summary(m); got != want {
				t.Errorf("summary\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestCorpusRFC3525(t *testing.T) {
	names := corpusFiles(t, "rfc3525")
	if len(names) != len(rfc3525Flows) {
		t.Errorf("%d files, table has %d", len(names), len(rfc3525Flows))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			want, ok := rfc3525Flows[name]
			if !ok {
				t.Fatal("file not in the table")
			}
			m := mustParse(t, readCorpus(t, "rfc3525", name+".txt"))
			checkTree(t, m)
			if got := summary(m); got != want.summary {
				t.Errorf("summary\n got %s\nwant %s", got, want.summary)
			}
			if got := leniencies(m); got != want.leniency {
				t.Errorf("leniency rules used: %q, want %q", got, want.leniency)
			}
		})
	}
}

// leniencies lists which of the package doc's leniency rules 1 (events in
// parentheses), 2 (trailing comma) and 3 (digit map over a line end) a
// parsed message relied on.
func leniencies(m *Message) string {
	var rules []string
	for i := 1; i < m.NumNodes(); i++ {
		if m.nodes[i].flags&fParen != 0 {
			rules = append(rules, "1")
			break
		}
	}
	for i := 1; i < m.NumNodes(); i++ {
		if body := m.Node(i).Body(); body != nil && m.Node(i).FirstChild().Valid() {
			trimmed := bytes.TrimRight(body, " \t\r\n")
			if bytes.HasSuffix(trimmed, []byte(",")) {
				rules = append(rules, "2")
				break
			}
		}
	}
	if dm := m.Root().Find(TokDigitMap); dm.Valid() {
		for n := dm; n.Valid(); n = n.FindNext(m.Root()) {
			if bytes.ContainsAny(n.Body(), "\r\n") && bytes.Contains(n.Body(), []byte("[1-")) {
				rules = append(rules, "3")
				break
			}
		}
	}
	return strings.Join(rules, " ")
}

func TestCorpusInvalid(t *testing.T) {
	dir := filepath.Join(corpusDir, "invalid")
	f, err := os.Open(filepath.Join(dir, "EXPECTED.tsv"))
	if err != nil {
		t.Fatalf("corpus not found (%v): the shared/ directory must sit beside the "+
			"repository, with codec/h248 at %s", err, corpusDir)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	seen := 0
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 2 || fields[0] == "name" {
			continue
		}
		name, class := fields[0], fields[1]
		t.Run(name, func(t *testing.T) {
			if class != "invalid" {
				t.Fatalf("class %q", class)
			}
			want, ok := invalidErrors[name]
			if !ok {
				t.Fatal("no expected error in the table")
			}
			var m Message
			err := m.Parse(readCorpus(t, "invalid", name+".txt"))
			if !errors.Is(err, want) {
				t.Fatalf("Parse = %v, want %v", err, want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > 300 {
				t.Fatalf("no *ParseError with a plausible offset: %#v", err)
			}
			if m.NumNodes() != 0 || m.Bytes() != nil {
				t.Fatal("failed Parse left a message behind")
			}
		})
		seen++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if files := corpusFiles(t, "invalid"); seen != len(invalidErrors) || len(files) != seen {
		t.Errorf("EXPECTED.tsv lists %d, table %d, folder %d", seen, len(invalidErrors), len(files))
	}
}

// TestCorpusFields checks values that the summaries do not show.
func TestCorpusFields(t *testing.T) {
	m := mustParse(t, readCorpus(t, "megaco-meas", "msg04.txt"))
	h := m.Header()
	if h.Version != 1 || string(h.MID) != "[124.124.124.222]" || h.MIDKind != MIDIPv4 ||
		string(h.Host) != "124.124.124.222" || h.Port != 0 || h.Auth {
		t.Errorf("msg04 header %+v", h)
	}
	sc := m.Root().Find(TokServices)
	for _, c := range []struct {
		tok  Token
		want string
	}{{TokMethod, "Restart"}, {TokServiceChangeAddress, "55555"},
		{TokProfile, "resgw/1"}, {TokReason, "901 mg col boot"}} {
		if got := sc.Child(c.tok).Value(); string(got) != c.want {
			t.Errorf("msg04 %v = %q, want %q", c.tok, got, c.want)
		}
	}
	if LookupToken(sc.Child(TokMethod).Value()) != TokRestart {
		t.Error("msg04 Method is not Restart")
	}

	m = mustParse(t, readCorpus(t, "rfc3525", "a1-08-mgc-modify-digitmap.txt"))
	dm := m.Root().Find(TokModify).Child(TokDigitMap)
	if string(dm.Value()) != "Dialplan0" || !bytes.Contains(dm.Body(), []byte("[1-\n7]xxx")) {
		t.Errorf("a1-08 digit map %q %q", dm.Value(), dm.Body())
	}
	if e := m.Root().Find(TokEvents); e.ID() != 2223 ||
		string(e.FirstChild().Name()) != "al/on" ||
		string(e.FirstChild().FirstChild().Value()) != "state" {
		t.Errorf("a1-08 events %s", e.Raw())
	}

	m = mustParse(t, readCorpus(t, "rfc3525", "a1-10-mg1-notify-digits.txt"))
	oe := m.Root().Find(TokObservedEvents)
	ev := oe.FirstChild()
	if oe.ID() != 2223 || string(ev.Timestamp()) != "19990729T22010001" ||
		string(ev.Package()) != "dd" || string(ev.Item()) != "ce" ||
		string(ev.FindParam("", "ds").Value()) != "916135551212" ||
		ev.FindParam("", "ds").ValueForm() != ValueQuoted ||
		string(ev.FindParam("", "Meth").Value()) != "UM" {
		t.Errorf("a1-10 observed event %s", ev.Raw())
	}

	m = mustParse(t, readCorpus(t, "rfc3525", "a1-13-mg1-add-reply-sdp.txt"))
	local := m.Root().Find(TokLocal)
	if !bytes.HasPrefix(local.Value(), []byte("v=0 o=- 2890844526")) ||
		!bytes.HasSuffix(local.Value(), []byte("a=recvonly")) ||
		m.Root().Find(TokContext).ID() != 2000 {
		t.Errorf("a1-13 Local %q", local.Value())
	}

	m = mustParse(t, readCorpus(t, "megaco-meas", "msg22a.txt"))
	if v := m.Root().FindParam("rtp", "pl"); string(v.Value()) != "0.2" ||
		v.Parent().Token() != TokStatistics {
		t.Errorf("msg22a rtp/pl %s", v.Raw())
	}
	if s := m.Root().Find(TokStream); s.ID() != 1 || s.Kind() != KindDescriptor {
		t.Errorf("msg22a stream %s", s.Raw())
	}
}

// checkTree asserts what holds for every accepted message: views lie in the
// buffer, subtrees nest, tokens match names, kinds follow their parents.
func checkTree(t *testing.T, m *Message) {
	t.Helper()
	b := m.Bytes()
	for i := 1; i < m.NumNodes(); i++ {
		n := m.Node(i)
		d := &m.nodes[i]
		p := n.Parent()
		if int(d.end) <= i || d.end > m.nodes[d.parent].end || int(d.parent) >= i {
			t.Fatalf("node %d: end %d parent %d", i, d.end, d.parent)
		}
		for _, v := range [][]byte{n.Name(), n.Value(), n.RawValue(), n.Raw(), n.Body(),
			n.Timestamp()} {
			if !inside(b, v) || !inside(n.Raw(), v) && !inside(n.Raw(), n.Name()) {
				t.Fatalf("node %d: view outside its item", i)
			}
		}
		if d.raw0 > d.name0 || d.name1 > d.raw1 || d.raw1 > p.nd().raw1 && p.Index() > 0 {
			t.Fatalf("node %d: spans out of order", i)
		}
		if n.Kind() != KindValue && LookupToken(n.Name()) != n.Token() {
			t.Fatalf("node %d: token %v for %q", i, n.Token(), n.Name())
		}
		if kind, err := kindIn(p.nd(), n.Token(), n.HasBody()); n.Kind() != KindValue &&
			(err != nil || kind != n.Kind()) {
			t.Fatalf("node %d: kind %v under %v", i, n.Kind(), p.Kind())
		}
	}
}
