package skd

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"math"
	"testing"

	"github.com/cloudflare/circl/cipher/ascon"
)

// refWord computes a word with the standard library and circl, independently
// of the MACer's reused hash state.
func refWord(t testing.TB, mech Mechanism, sk, input []byte) []byte {
	t.Helper()
	key, err := hkdf.Key(sha256.New, sk, nil, "sigproxy-v1 word-key", 32)
	if err != nil {
		t.Fatal(err)
	}
	if mech == MechHMACSHA256 {
		h := hmac.New(sha256.New, key)
		h.Write(input)
		return h.Sum(nil)
	}
	c, err := ascon.New(key[:16], ascon.Ascon128a)
	if err != nil {
		t.Fatal(err)
	}
	return c.Seal(nil, make([]byte, ascon.NonceSize), nil, input)
}

func TestWordMatchesReference(t *testing.T) {
	m := NewMACer()
	sk := seq(0xa0, SessionKeySize)
	input := []byte("sigproxy-v1 sip-word input")
	for _, mech := range []Mechanism{MechHMACSHA256, MechAscon128aV12} {
		got, err := m.Word([]byte("x"), mech, sk, input)
		want := append([]byte("x"), refWord(t, mech, sk, input)...)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: Word = %x, %v; want %x", mech, got, err, want)
		}
		if len(got)-1 != mech.TagSize() {
			t.Fatalf("%s: tag of %d bytes", mech, len(got)-1)
		}
		if !m.VerifyWord(mech, sk, input, got[1:]) {
			t.Fatalf("%s: own word refused", mech)
		}
		reg, _ := m.Sum(nil, mech, sk, input)
		if bytes.Equal(reg, got[1:]) {
			t.Fatalf("%s: word key equals the registration MAC key", mech)
		}
	}
}

func TestVerifyWordRefuses(t *testing.T) {
	m := NewMACer()
	sk := seq(0xa0, SessionKeySize)
	input := []byte("input")
	tag, _ := m.Word(nil, MechHMACSHA256, sk, input)
	other := seq(0xb0, SessionKeySize)
	flipped := bytes.Clone(tag)
	flipped[31] ^= 1
	cases := map[string]bool{
		"other key":       m.VerifyWord(MechHMACSHA256, other, input, tag),
		"other input":     m.VerifyWord(MechHMACSHA256, sk, []byte("inpuT"), tag),
		"flipped bit":     m.VerifyWord(MechHMACSHA256, sk, input, flipped),
		"short tag":       m.VerifyWord(MechHMACSHA256, sk, input, tag[:16]),
		"other mechanism": m.VerifyWord(MechAscon128aV12, sk, input, tag[:16]),
		"no mechanism":    m.VerifyWord(MechNone, sk, input, nil),
		"bad key":         m.VerifyWord(MechHMACSHA256, sk[:15], input, tag),
	}
	for name, ok := range cases {
		if ok {
			t.Errorf("%s: verified", name)
		}
	}
	if _, err := m.Word(nil, MechNone, sk, input); err != ErrUnknownMechanism {
		t.Errorf("Word(MechNone) = %v", err)
	}
	if out, err := m.Word([]byte("d"), MechHMACSHA256, sk[:3], input); err != ErrBadKey ||
		string(out) != "d" {
		t.Errorf("Word(short key) = %q, %v", out, err)
	}
}

func TestAppendWordLP(t *testing.T) {
	got := AppendWordLP([]byte{9}, []byte("abc"))
	if !bytes.Equal(got, []byte{9, 0, 3, 'a', 'b', 'c'}) {
		t.Fatalf("AppendWordLP = %x", got)
	}
	if got := AppendWordLP(nil, nil); !bytes.Equal(got, []byte{0, 0}) {
		t.Fatalf("empty = %x", got)
	}
	long := make([]byte, MaxWordField+10)
	if got := AppendWordLP(nil, long); len(got) != 2+MaxWordField || got[0] != 0xff ||
		got[1] != 0xff {
		t.Fatalf("long field framed as %d bytes, prefix %x", len(got), got[:2])
	}
}

func TestWindowInOrder(t *testing.T) {
	var w Window
	for s := uint32(1); s <= 200; s++ {
		if !w.Accept(s) {
			t.Fatalf("in-order %d refused", s)
		}
		if w.Accept(s) {
			t.Fatalf("replay of %d accepted", s)
		}
	}
	if w.Top() != 200 {
		t.Fatalf("Top = %d", w.Top())
	}
}

func TestWindowReorder(t *testing.T) {
	var w Window
	for _, s := range []uint32{5, 3, 1, 4, 2, 70, 7} {
		if !w.Accept(s) {
			t.Fatalf("%d refused", s)
		}
	}
	// 70 is the top: the window holds 7..70, so 6 (never seen) is too old.
	for _, s := range []uint32{70, 7, 6, 5, 1, 0} {
		if w.Accept(s) {
			t.Fatalf("%d accepted again or outside the window", s)
		}
	}
	if !w.Accept(8) || !w.Accept(69) {
		t.Fatal("unseen numbers inside the window refused")
	}
	if !w.Accept(70+200) || w.Accept(70) || w.Accept(270-64) || !w.Accept(270-63) {
		t.Fatal("a jump beyond the window did not reset it")
	}
}

func TestWindowWrapRefused(t *testing.T) {
	w := Window{}
	if !w.Accept(math.MaxUint32) {
		t.Fatal("highest number refused")
	}
	for _, s := range []uint32{math.MaxUint32, 0, 1, 2} {
		if w.Accept(s) {
			t.Fatalf("%d accepted after 2^32-1", s)
		}
	}
	if !w.Accept(math.MaxUint32 - 63) {
		t.Fatal("unseen number within the window refused")
	}
	if w.Accept(math.MaxUint32 - 64) {
		t.Fatal("number below the window accepted")
	}
}

// refWindow is the reference for Window: every accepted number in a set.
type refWindow struct {
	top  uint32
	seen map[uint32]bool
}

func (r *refWindow) accept(s uint32) bool {
	if s == 0 || r.seen[s] || (s <= r.top && r.top-s >= windowSize) {
		return false
	}
	r.seen[s] = true
	r.top = max(r.top, s)
	return true
}

// FuzzWindow feeds sequences of numbers (four bytes each, big-endian, read as
// small steps around the top when the first byte is below 0x80) to a Window and
// to a reference that remembers every accepted number.
func FuzzWindow(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0x80, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var w Window
		ref := refWindow{seen: map[uint32]bool{}}
		for ; len(data) >= 4; data = data[4:] {
			s := uint32(data[0])<<24 | uint32(data[1])<<16 | uint32(data[2])<<8 |
				uint32(data[3])
			if data[0] < 0x80 {
				// Near the top, so the window's edges get exercised.
				s = ref.top + uint32(int32(int8(data[3])))
			}
			if got, want := w.Accept(s), ref.accept(s); got != want {
				t.Fatalf("Accept(%d) = %v, reference %v (top %d)", s, got, want, ref.top)
			}
			if w.Top() != ref.top {
				t.Fatalf("Top = %d, reference %d", w.Top(), ref.top)
			}
		}
	})
}

// FuzzVerifyWord verifies fuzzed words over inputs that carry fuzzed sequence
// numbers: a word only verifies for exactly the input, number and mechanism it
// was made for, and a fuzzed tag never verifies.
func FuzzVerifyWord(f *testing.F) {
	f.Add(uint32(1), uint32(1), []byte("INVITE"), []byte{}, false)
	f.Add(uint32(7), uint32(8), []byte("200"), bytes.Repeat([]byte{1}, 32), true)
	m := NewMACer()
	sk := seq(0x40, SessionKeySize)
	f.Fuzz(func(t *testing.T, seqA, seqB uint32, body, tag []byte, ascn bool) {
		mech := MechHMACSHA256
		if ascn {
			mech = MechAscon128aV12
		}
		in := func(s uint32) []byte {
			b := AppendWordLP(nil, []byte("sigproxy-v1 test-word"))
			b = AppendWordLP(b, []byte{byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)})
			return AppendWordLP(b, body)
		}
		if m.VerifyWord(mech, sk, in(seqA), tag) {
			t.Fatalf("fuzzed tag %x verified", tag)
		}
		word, err := m.Word(nil, mech, sk, in(seqA))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.VerifyWord(mech, sk, in(seqB), word); got != (seqA == seqB) {
			t.Fatalf("word for %d checked against %d: %v", seqA, seqB, got)
		}
		other := MechAscon128aV12 + MechHMACSHA256 - mech
		if m.VerifyWord(other, sk, in(seqA), word[:min(len(word), other.TagSize())]) {
			t.Fatal("word verified under the other mechanism")
		}
	})
}

func TestWordKeyed(t *testing.T) {
	m := NewMACer()
	sk := seq(0xa0, SessionKeySize)
	input := []byte("input")
	for _, mech := range []Mechanism{MechHMACSHA256, MechAscon128aV12} {
		key, err := m.WordKey(nil, mech, sk)
		if err != nil || len(key) != mech.macKeySize() {
			t.Fatalf("%s: WordKey = %d bytes, %v", mech, len(key), err)
		}
		want, _ := m.Word(nil, mech, sk, input)
		got, err := m.WordKeyed(nil, mech, key, input)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: WordKeyed %x, Word %x (%v)", mech, got, want, err)
		}
		if !m.VerifyWordKeyed(mech, key, input, want) || m.VerifyWordKeyed(mech, key, []byte("x"), want) {
			t.Fatalf("%s: VerifyWordKeyed", mech)
		}
		if _, err := m.WordKeyed(nil, mech, key[:8], input); err != ErrBadKey {
			t.Fatalf("%s: short key: %v", mech, err)
		}
	}
	if _, err := m.WordKey(nil, MechNone, sk); err != ErrUnknownMechanism {
		t.Fatalf("WordKey(MechNone) = %v", err)
	}
}
