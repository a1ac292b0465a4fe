package mgcp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// lpFields splits an input into its fields: length-prefixed ones, and the
// two-byte line count as a field of its own at index 5.
func lpFields(t *testing.T, in []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(in) > 0 {
		if len(out) == 5 {
			out = append(out, in[:2])
			in = in[2:]
			continue
		}
		n := int(binary.BigEndian.Uint16(in))
		if len(in) < 2+n {
			t.Fatalf("field of %d bytes, %d left", n, len(in)-2)
		}
		out = append(out, in[2:2+n])
		in = in[2+n:]
	}
	return out
}

const wordNTFY = "NTFY 17 aaln/1@[127.0.0.1]:48852 MGCP 1.0\r\n" +
	"X: 2 \r\nO: L/hd\r\n"

func TestWordInputFields(t *testing.T) {
	msg := wordNTFY + `X-SKDMW: seq=3, mac="AAAA"` + "\r\nN: ca@x\r\n\r\nv=0\r\no=- 1 1 IN IP4 x"
	m := mustParse(t, []byte(msg))
	in, err := m.AppendWordInput(nil, "t2p", 3, []byte("gw1"))
	if err != nil {
		t.Fatal(err)
	}
	got := lpFields(t, in)
	want := []string{WordLabel, "t2p", "3", "gw1", "NTFY 17 aaln/1@[127.0.0.1]:48852 MGCP 1.0",
		"\x00\x03", "X: 2 ", "O: L/hd", "N: ca@x", "v=0\r\no=- 1 1 IN IP4 x"}
	if len(got) != len(want) {
		t.Fatalf("%d fields %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// The word's own line is outside the input, wherever it stands; every other
// line is, but not the line ends' kind, nor an empty line with no SDP after
// it (PROTOCOL.md §13.3: the SDP is empty when there is none).
func TestWordInputCoverage(t *testing.T) {
	base := mustParse(t, []byte(wordNTFY))
	a, _ := base.AppendWordInput(nil, "t2p", 1, []byte("gw1"))
	with := mustParse(t, []byte("NTFY 17 aaln/1@[127.0.0.1]:48852 MGCP 1.0\r\n"+
		"x-skdmw: seq=1, mac=\"AA==\"\r\nX: 2 \r\nO: L/hd\r\n"))
	b, _ := with.AppendWordInput(nil, "t2p", 1, []byte("gw1"))
	if !bytes.Equal(a, b) {
		t.Error("the word line changed the input")
	}
	lf := mustParse(t, []byte("NTFY 17 aaln/1@[127.0.0.1]:48852 MGCP 1.0\nX: 2 \nO: L/hd\n"))
	if c, _ := lf.AppendWordInput(nil, "t2p", 1, []byte("gw1")); !bytes.Equal(a, c) {
		t.Error("line ends are not part of the input")
	}
	for _, msg := range []string{
		"NTFY 18 aaln/1@[127.0.0.1]:48852 MGCP 1.0\r\nX: 2 \r\nO: L/hd\r\n",
		"NTFY 17 aaln/1@[127.0.0.1]:48852 MGCP 1.0\r\nX: 2\r\nO: L/hd\r\n",
		"NTFY 17 aaln/1@[127.0.0.1]:48852 MGCP 1.0\r\nO: L/hd\r\nX: 2 \r\n",
		wordNTFY + "\r\nv=0\r\n",
	} {
		m := mustParse(t, []byte(msg))
		if c, _ := m.AppendWordInput(nil, "t2p", 1, []byte("gw1")); bytes.Equal(a, c) {
			t.Errorf("%q gives the same input", msg)
		}
	}
}

func TestWordInputErrors(t *testing.T) {
	var m Message
	if _, err := m.AppendWordInput(nil, "t2p", 1, nil); !errors.Is(err, ErrStaleMessage) {
		t.Errorf("unparsed: %v", err)
	}
	p := mustParse(t, []byte(wordNTFY))
	if _, err := p.AppendWordInput(nil, "t2p", 1, make([]byte, 70000)); err != ErrWordField {
		t.Errorf("long identity: %v", err)
	}
}

func TestWordValue(t *testing.T) {
	v := AppendWordValue(nil, 4294967295, []byte("q83vEjRWeJA="))
	if string(v) != `seq=4294967295, mac="q83vEjRWeJA="` {
		t.Fatalf("%s", v)
	}
	seq, mac, err := ParseWordValue(v)
	if err != nil || seq != 4294967295 || string(mac) != "q83vEjRWeJA=" {
		t.Fatalf("%d %q %v", seq, mac, err)
	}
	if seq, _, err := ParseWordValue([]byte(`SEQ=0 ,	mac="A"`)); err != nil || seq != 0 {
		t.Errorf("lenient spacing: %d %v", seq, err)
	}
	for _, bad := range []string{"", "seq=1", `seq=, mac="A"`, `seq=01, mac="A"`,
		`seq=4294967296, mac="A"`, `seq=1 mac="A"`, `seq=1, mac=A`, `seq=1, mac=""`,
		`seq=1, mac="A`, `seq=1, mac="A" `, `seq=1, mac="A*"`, `seq=-1, mac="A"`,
		`seq=1, mac="` + string(bytes.Repeat([]byte("A"), 89)) + `"`} {
		if _, _, err := ParseWordValue([]byte(bad)); err != ErrBadWord {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestWordAllocs(t *testing.T) {
	m := mustParse(t, []byte(wordNTFY+`X-SKDMW: seq=3, mac="AAAA"`+"\r\n"))
	buf := make([]byte, 0, 512)
	id := []byte("gw1")
	v := []byte(`seq=3, mac="AAAA"`)
	n := testing.AllocsPerRun(100, func() {
		buf, _ = m.AppendWordInput(buf[:0], "t2p", 3, id)
		_, _, _ = ParseWordValue(v)
		buf = AppendWordValue(buf[:0], 3, v)
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func FuzzWordValue(f *testing.F) {
	f.Add([]byte(`seq=3, mac="AAAA"`))
	f.Add([]byte(`seq=4294967295, mac="q83vEjRWeJA="`))
	f.Fuzz(func(t *testing.T, v []byte) {
		seq, mac, err := ParseWordValue(v)
		if err != nil {
			return
		}
		again, mac2, err := ParseWordValue(AppendWordValue(nil, seq, mac))
		if err != nil || again != seq || !bytes.Equal(mac, mac2) {
			t.Fatalf("%q: round trip %d %q %v", v, again, mac2, err)
		}
	})
}

func BenchmarkWordInput(b *testing.B) {
	var m Message
	if _, err := m.Parse([]byte(wordNTFY + `X-SKDMW: seq=3, mac="AAAA"` + "\r\n")); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	id := []byte("gw1")
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = m.AppendWordInput(buf[:0], "t2p", 3, id)
	}
}
