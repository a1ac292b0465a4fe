package h248

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

const wordBody = "Transaction = 12 { Context = 7 { Modify = tdm/1 { Media { " +
	"TerminationState { ServiceStates = InService } } } } }"

// lpFields splits an input of two-byte length-prefixed fields.
func lpFields(t *testing.T, in []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(in) > 0 {
		if len(in) < 2 {
			t.Fatalf("truncated length prefix")
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

func TestWordInputFields(t *testing.T) {
	msg := "MEGACO/1 [127.0.0.1]:40010\r\n" + wordBody + "\r\n"
	m := mustParse(t, []byte(msg))
	in, err := m.AppendWordInput(nil, "t2p", 4294967295, []byte("mg1"))
	if err != nil {
		t.Fatal(err)
	}
	got := lpFields(t, in)
	want := []string{WordLabel, "t2p", "4294967295", "mg1", wordBody}
	if len(got) != len(want) {
		t.Fatalf("%d fields, want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// The authentication header, version and mId lie outside the input: the
// word can be set after it is computed, by either end.
func TestWordInputIgnoresHeader(t *testing.T) {
	plain := mustParse(t, []byte("MEGACO/1 [127.0.0.1]:40010\n"+wordBody))
	a, _ := plain.AppendWordInput(nil, "p2t", 2, []byte("mg1"))
	au := mustParse(t, []byte("Authentication = 0x01020304:0x00000002:0x"+
		"00112233445566778899aabbccddeeff\nMEGACO/1 [127.0.0.1]:40010\n"+wordBody))
	b, _ := au.AppendWordInput(nil, "p2t", 2, []byte("mg1"))
	if !bytes.Equal(a, b) {
		t.Fatal("the authentication header changed the input")
	}
}

func TestWordInputCoversBody(t *testing.T) {
	base := mustParse(t, []byte("MEGACO/1 [127.0.0.1]:40010\n"+wordBody))
	a, _ := base.AppendWordInput(nil, "t2p", 1, []byte("mg1"))
	for _, body := range []string{
		wordBody[:len(wordBody)-1] + " }",
		"Transaction = 13" + wordBody[len("Transaction = 12"):],
		wordBody + " Reply = 9 { Context = - { Modify = ROOT } }",
	} {
		m := mustParse(t, []byte("MEGACO/1 [127.0.0.1]:40010\n"+body))
		b, _ := m.AppendWordInput(nil, "t2p", 1, []byte("mg1"))
		if bytes.Equal(a, b) {
			t.Errorf("body %q gives the same input", body)
		}
	}
	for _, c := range []struct {
		dir string
		seq uint32
		id  string
	}{{"p2t", 1, "mg1"}, {"t2p", 2, "mg1"}, {"t2p", 1, "mg2"}} {
		b, _ := base.AppendWordInput(nil, c.dir, c.seq, []byte(c.id))
		if bytes.Equal(a, b) {
			t.Errorf("%+v gives the same input", c)
		}
	}
}

func TestWordInputErrors(t *testing.T) {
	var m Message
	if _, err := m.AppendWordInput(nil, "t2p", 1, nil); !errors.Is(err, ErrMissing) {
		t.Errorf("unparsed: %v", err)
	}
	p := mustParse(t, []byte("MEGACO/1 [127.0.0.1]:40010\n"+wordBody))
	dst := []byte("x")
	out, err := p.AppendWordInput(dst, "t2p", 1, make([]byte, 70000))
	if !errors.Is(err, ErrWordField) || !bytes.Equal(out, dst) {
		t.Errorf("long identity: %v, %q", err, out)
	}
}

func TestWordInputAllocs(t *testing.T) {
	m := mustParse(t, []byte("MEGACO/1 [127.0.0.1]:40010\n"+wordBody))
	buf := make([]byte, 0, 512)
	id := []byte("mg1")
	n := testing.AllocsPerRun(100, func() {
		buf, _ = m.AppendWordInput(buf[:0], "t2p", 77, id)
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkWordInput(b *testing.B) {
	var m Message
	if err := m.Parse([]byte("MEGACO/1 [127.0.0.1]:40010\n" + wordBody)); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	id := []byte("mg1")
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = m.AppendWordInput(buf[:0], "t2p", 77, id)
	}
}
