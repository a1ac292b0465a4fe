package sip

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strconv"
	"testing"
)

var wordInvite = []byte("INVITE sip:bob@sigproxy.test SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.c1\r\n" +
	"From: <sip:alice@sigproxy.test>;tag=ft1\r\n" +
	"To: <sip:bob@sigproxy.test>\r\n" +
	"Call-ID: call1@127.0.0.1\r\n" +
	"CSeq: 7 INVITE\r\n" +
	"Contact: <sip:alice@127.0.0.1:40001>, <sip:alice@[::1]:5060>\r\n" +
	"verification-word: seq=3, mac=\"AAAA\"\r\n" +
	"Content-Length: 4\r\n\r\nv=0\n")

func TestParseWord(t *testing.T) {
	good := map[string]uint32{
		`seq=1, mac="AAAA"`:                 1,
		`mac="QUJD+/==" ,seq=4294967295`:    4294967295,
		"SEQ = 42 ,\t MAC = \"x\"":          42,
		`seq=10,mac="aGVsbG8gd29ybGQgIQ=="`: 10,
	}
	for v, want := range good {
		seq, mac, err := ParseWord([]byte(v))
		if err != nil || seq != want || len(mac) == 0 || bytes.ContainsAny(mac, `" `) {
			t.Errorf("ParseWord(%q) = %d, %q, %v", v, seq, mac, err)
		}
	}
	bad := []string{"", `seq=1`, `mac="AAAA"`, `seq=0, mac="AAAA"`, `seq=01, mac="AAAA"`,
		`seq=4294967296, mac="AAAA"`, `seq=1, mac=AAAA`, `seq="1", mac="AAAA"`,
		`seq=1, mac=""`, `seq=1, mac="A A"`, `seq=1, mac="A\"A"`, `seq=1, seq=2`,
		`seq=1, mac="AAAA", x=1`, `seq=1; mac="AAAA"`, `seq=1, mac="AAAA`, `seq=1,, mac="A"`,
		`seq=1, other="AAAA"`, `seq=1x, mac="AAAA"`,
		`seq=1, mac="` + string(bytes.Repeat([]byte("A"), MaxWordMAC+1)) + `"`}
	for _, v := range bad {
		if seq, mac, err := ParseWord([]byte(v)); !errors.Is(err, ErrBadWord) {
			t.Errorf("ParseWord(%q) = %d, %q, %v; want ErrBadWord", v, seq, mac, err)
		}
	}
}

func TestWordHeaderRoundTrip(t *testing.T) {
	line := AppendWord(nil, 99, []byte{0xfb, 0xff, 1})
	if string(line) != "Verification-Word: seq=99, mac=\"+/8B\"\r\n" {
		t.Fatalf("AppendWord = %q", line)
	}
	seq, mac, err := ParseWord(bytes.TrimSuffix(line[len(WordHeader)+2:], []byte("\r\n")))
	if err != nil || seq != 99 || string(mac) != "+/8B" {
		t.Fatalf("parse back: %d %q %v", seq, mac, err)
	}
}

func TestMessageWord(t *testing.T) {
	var m Message
	if err := m.Parse(wordInvite); err != nil {
		t.Fatal(err)
	}
	v, n := m.Word()
	if n != 1 || string(v) != `seq=3, mac="AAAA"` {
		t.Fatalf("Word = %q, %d", v, n)
	}
	seen := 0
	for i := 0; i < m.NumHeaders(); i++ {
		if IsWordHeader(m.Header(i)) {
			seen++
		}
	}
	if seen != 1 {
		t.Fatalf("IsWordHeader matched %d lines", seen)
	}
	two := bytes.Replace(wordInvite, []byte("CSeq"), []byte("Verification-Word: x\r\nCSeq"), 1)
	_ = m.Parse(two)
	if _, n := m.Word(); n != 2 {
		t.Fatalf("two lines counted as %d", n)
	}
}

// decodeLP splits an input into its LP fields; counts stay inline as raw
// two-byte fields named "#".
func decodeWordInput(t *testing.T, in []byte) []string {
	t.Helper()
	var out []string
	for len(in) > 0 {
		if len(in) < 2 {
			t.Fatal("truncated")
		}
		n := int(binary.BigEndian.Uint16(in))
		if len(out) == 10 { // the Contact count
			out = append(out, "#"+strconv.Itoa(n))
			in = in[2:]
			continue
		}
		if len(in) < 2+n {
			t.Fatalf("field %d: length %d past end", len(out), n)
		}
		out = append(out, string(in[2:2+n]))
		in = in[2+n:]
	}
	return out
}

func TestAppendWordInputRequest(t *testing.T) {
	var m Message
	if err := m.Parse(wordInvite); err != nil {
		t.Fatal(err)
	}
	in, err := AppendWordInput([]byte("x"), &m, WordT2P, 3, []byte("sip:alice@sigproxy.test"))
	if err != nil || in[0] != 'x' {
		t.Fatal(err)
	}
	body := sha256.Sum256([]byte("v=0\n"))
	want := []string{"sigproxy-v1 sip-word", "t2p", "3", "sip:alice@sigproxy.test",
		"INVITE", "sip:bob@sigproxy.test", "call1@127.0.0.1", "7 INVITE", "ft1", "",
		"#2", "<sip:alice@127.0.0.1:40001>", "<sip:alice@[::1]:5060>", "", string(body[:])}
	got := decodeWordInput(t, in[1:])
	if len(got) != len(want) {
		t.Fatalf("fields %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestAppendWordInputResponse(t *testing.T) {
	var m Message
	resp := []byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" +
		"From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n" +
		"Expires: 60\r\nContent-Length: 0\r\n\r\n")
	if err := m.Parse(resp); err != nil {
		t.Fatal(err)
	}
	in, err := AppendWordInput(nil, &m, WordP2T, 4294967295, []byte("sip:a@x"))
	if err != nil {
		t.Fatal(err)
	}
	got := decodeWordInput(t, in)
	empty := sha256.Sum256(nil)
	want := []string{"sigproxy-v1 sip-word", "p2t", "4294967295", "sip:a@x", "200", "",
		"c", "1 INVITE", "1", "2", "#0", "60", string(empty[:])}
	if len(got) != len(want) {
		t.Fatalf("fields %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
	for _, dir := range []string{"", "T2P", "x2y"} {
		if out, err := AppendWordInput([]byte("d"), &m, dir, 1, nil); !errors.Is(err, ErrWordInput) ||
			string(out) != "d" {
			t.Errorf("dir %q: %q, %v", dir, out, err)
		}
	}
	many := bytes.Replace(resp, []byte("CSeq"),
		append(bytes.Repeat([]byte("Contact: <sip:a@h>, <sip:b@h>\r\n"), 17), "CSeq"...), 1)
	if err := m.Parse(many); err != nil {
		t.Fatal(err)
	}
	if out, err := AppendWordInput([]byte("d"), &m, WordP2T, 1, nil); !errors.Is(err, ErrWordInput) ||
		string(out) != "d" {
		t.Errorf("34 contacts: %q, %v", out, err)
	}
}

// FuzzParseWord: never panics; what it accepts is written back by AppendWord
// to a value that parses to the same number and mac text when the mac is
// canonical base64.
func FuzzParseWord(f *testing.F) {
	f.Add([]byte(`seq=1, mac="AAAA"`))
	f.Add([]byte(`mac="QUJD" , SEQ=4294967295`))
	f.Fuzz(func(t *testing.T, v []byte) {
		seq, mac, err := ParseWord(v)
		if err != nil {
			if !errors.Is(err, ErrBadWord) || seq != 0 || mac != nil {
				t.Fatalf("error %v with %d %q", err, seq, mac)
			}
			return
		}
		if seq == 0 || len(mac) == 0 || len(mac) > MaxWordMAC || !bytes.Contains(v, mac) {
			t.Fatalf("accepted %q as %d %q", v, seq, mac)
		}
		line := AppendWord(nil, seq, nil)
		s2, _, err := ParseWord(bytes.Replace(line[len(WordHeader)+2:len(line)-2],
			[]byte(`""`), []byte(`"AA=="`), 1))
		if err != nil || s2 != seq {
			t.Fatalf("written back: %d %v", s2, err)
		}
	})
}
