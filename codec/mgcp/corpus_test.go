package mgcp

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusWant is what each corpus message gives: the summary of a valid or
// accepted lenient message (every piggy-backed message, joined by " || "),
// or the error of an invalid one.
var corpusWant = map[string]struct {
	summary string
	err     error
}{
	"rsip-restart-wildcard": {summary: "RSIP 5100 *@rgw-01.example.net wild | RM=restart | RD=0"},
	"rsip-graceful":         {summary: "RSIP 5101 aaln/2@rgw-01.example.net | RM=graceful | RD=120"},
	"resp-200-ok":           {summary: "200 5101 OK"},
	"rqnt-offhook": {summary: "RQNT 5102 aaln/1@rgw-01.example.net" +
		" | N=ca@mgc-01.example.net:2727 | X=1A2B3C4D | R=L/hd(N) | S=L/rg"},
	"ntfy-digits": {summary: "NTFY 7300 aaln/1@rgw-01.example.net" +
		" | N=ca@mgc-01.example.net:2727 | X=1A2B3C4D | O=L/hd,D/5,D/5,D/5,D/0,D/1,D/0,D/0"},
	"auep-wildcard": {summary: "AUEP 5103 aaln/*@rgw-01.example.net wild" +
		" | F=A, R, D, S, X, N, I, T, O, ES"},
	"resp-200-auep-capabilities": {summary: "200 5103 OK" +
		" | Z=aaln/1@rgw-01.example.net | Z=aaln/2@rgw-01.example.net" +
		" | A=a:PCMU;PCMA;G729, p:10-40, e:on, s:off, v:L;G;D;R," +
		" m:sendonly;recvonly;sendrecv;inactive | ES=L/hu"},
	"piggyback-response-and-rqnt": {summary: "200 7300 OK || RQNT 5104 aaln/1@rgw-01.example.net" +
		" | N=ca@mgc-01.example.net:2727 | X=1A2B3C4E | R=L/hu(N), D/[0-9#*T](D) | S=L/dl" +
		" | D=(0T|00T|[1-9]xxxxxx|*xx)"},
	"crcx-with-sdp": {summary: "CRCX 5105 aaln/1@rgw-01.example.net" +
		" | C=9A8B7C6D5E4F3021 | L=p:20, a:PCMU | M=recvonly | sdp:6"},
	"rsip-restart-crlf": {summary: "RSIP 5106 aaln/1@rgw-01.example.net | RM=restart | RD=0"},
	// Leniency 1 of the package doc: bare CR line ends are accepted when
	// the whole message uses them.
	"ntfy-cr-only": {summary: "NTFY 7301 aaln/2@rgw-01.example.net" +
		" | N=ca@mgc-01.example.net:2727 | X=2B | O=L/hu"},
	// The command line is cut inside the endpoint name: no line end.
	"auep-truncated": {err: ErrTruncated},
}

// TestCorpus parses every message of the shared MGCP corpus as
// EXPECTED.tsv classes it: valid and lenient ones parse to the summary
// above, invalid ones fail with the named error.
func TestCorpus(t *testing.T) {
	f, err := os.Open(filepath.Join(corpusDir, "EXPECTED.tsv"))
	if err != nil {
		t.Fatalf("corpus not found (%v): the shared/ directory must sit beside the "+
			"repository, with codec/mgcp at %s", err, corpusDir)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	seen := 0
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 2 || fields[0] == "name" {
			continue
		}
		seen++
		name, class := fields[0], fields[1]
		t.Run(name, func(t *testing.T) {
			want, ok := corpusWant[name]
			if !ok {
				t.Fatal("message not in the table")
			}
			b := readCorpus(t, name)
			switch class {
			case "valid", "lenient":
				if want.err != nil {
					t.Fatalf("class %s but the table expects %v", class, want.err)
				}
				if got := datagramSummary(t, b); got != want.summary {
					t.Errorf("summary\n got %s\nwant %s", got, want.summary)
				}
			case "invalid":
				checkRejected(t, b, want.err)
			default:
				t.Fatalf("unknown class %q", class)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.mgcp"))
	if seen != len(corpusWant) || len(files) != seen {
		t.Errorf("EXPECTED.tsv lists %d, table %d, folder %d", seen, len(corpusWant), len(files))
	}
}

// checkRejected asserts that Parse rejects b with want in a *ParseError
// whose offset lies in b, and leaves nothing behind.
func checkRejected(t *testing.T, b []byte, want error) {
	t.Helper()
	var m Message
	_, err := m.Parse(b)
	if !errors.Is(err, want) {
		t.Fatalf("Parse = %v, want %v", err, want)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(b) {
		t.Fatalf("no *ParseError with an offset inside the message: %#v", err)
	}
	if m.Valid() || m.Bytes() != nil || m.NumParams() != 0 || m.Code() != -1 {
		t.Fatal("failed Parse left a message behind")
	}
}

// TestCorpusFields checks what the summaries do not show: views, line
// ends, ports and offsets of the piggy-backed message.
func TestCorpusFields(t *testing.T) {
	m := mustParse(t, readCorpus(t, "ntfy-digits"))
	n, ok := m.Value(ParamNotifiedEntity)
	if !ok || string(n) != "ca@mgc-01.example.net:2727" || m.LineEnd() != "\n" {
		t.Errorf("ntfy-digits N %q %v, line end %q", n, ok, m.LineEnd())
	}
	if string(m.Domain()) != "rgw-01.example.net" || string(m.LocalName()) != "aaln/1" ||
		string(m.Host()) != "rgw-01.example.net" || m.Port() != 0 ||
		string(m.Version()) != "MGCP 1.0" || m.Profile() != nil || m.Verb() != VerbNTFY {
		t.Errorf("ntfy-digits line %q", m.FirstLine())
	}
	it := NewListIter(m.Param(m.Index(ParamObservedEvents)).Value)
	count := 0
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		if count == 0 && string(e) != "L/hd" {
			t.Errorf("first observed event %q", e)
		}
		count++
	}
	if count != 8 || it.Err() != nil {
		t.Errorf("%d observed events, %v", count, it.Err())
	}

	m = mustParse(t, readCorpus(t, "rsip-restart-crlf"))
	if m.LineEnd() != "\r\n" || string(m.Param(1).Value) != "0" {
		t.Errorf("crlf: line end %q, RD %q", m.LineEnd(), m.Param(1).Value)
	}
	m = mustParse(t, readCorpus(t, "ntfy-cr-only"))
	if m.LineEnd() != "\r" || m.NumParams() != 3 {
		t.Errorf("cr: line end %q, %d params", m.LineEnd(), m.NumParams())
	}

	b := readCorpus(t, "crcx-with-sdp")
	m = mustParse(t, b)
	sdp := m.SDP()
	if !strings.HasPrefix(string(sdp), "v=0\n") || !strings.HasSuffix(string(sdp), "RTP/AVP 0\n") ||
		!inside(b, sdp) {
		t.Errorf("crcx SDP %q", sdp)
	}

	b = readCorpus(t, "piggyback-response-and-rqnt")
	rest, err := m.Parse(b)
	if err != nil || string(b[rest:rest+4]) != "RQNT" || string(m.Bytes()) != "200 7300 OK\n" {
		t.Fatalf("piggyback: rest %d, %v, first %q", rest, err, m.Bytes())
	}
	var d Datagram
	d.Reset(b)
	for d.Next(m) {
	}
	if d.Err() != nil || d.Count() != 2 || d.Offset() != rest || m.Verb() != VerbRQNT {
		t.Errorf("datagram: %v, %d messages, last at %d", d.Err(), d.Count(), d.Offset())
	}
}
