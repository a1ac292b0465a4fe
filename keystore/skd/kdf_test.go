package skd

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// seq returns n bytes counting up from start (test keys).
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// Known answers below were computed with an independent implementation (Python's
// hmac/hashlib and the cryptography package) from Kc = 00..1f, Ksp = 20..3f,
// SK = a0..af.
const (
	katPassword = "3gG1qEAgfY0zsxt2X5PKnGsP"
	katTermKEK  = "aacb0511dab19e5214cee102e42daa6f"
	katProxyKEK = "de83d9728b11a83d1c57f49447cd180c"
	katMACKey   = "21c9283da1dbb28ed873112f2592395329346bdb5d016eba993934670af88a78"
)

func TestDerivedKeysKnownAnswers(t *testing.T) {
	kc, ksp := seq(0, KcSize), seq(0x20, KspSize)
	if got := DigestPassword(kc); got != katPassword || len(got) != 24 {
		t.Errorf("DigestPassword = %q, want %q", got, katPassword)
	}
	if got := TerminalKEK(kc); !bytes.Equal(got[:], unhex(t, katTermKEK)) {
		t.Errorf("TerminalKEK = %x, want %s", got, katTermKEK)
	}
	if got := ProxyKEK(ksp); !bytes.Equal(got[:], unhex(t, katProxyKEK)) {
		t.Errorf("ProxyKEK = %x, want %s", got, katProxyKEK)
	}
	out := make([]byte, 32)
	newHKDFSHA256().derive(out, seq(0xa0, SessionKeySize), []byte(labelMACKey))
	if !bytes.Equal(out, unhex(t, katMACKey)) {
		t.Errorf("MAC key = %x, want %s", out, katMACKey)
	}
}

// TestHKDFRFC5869 runs test case 3 of RFC 5869 (empty salt, empty info, 42 bytes)
// against the in-package HKDF.
func TestHKDFRFC5869(t *testing.T) {
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	want := unhex(t, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"+
		"9d201395faa4b61a96c8")
	out := make([]byte, 42)
	newHKDFSHA256().derive(out, ikm, nil)
	if !bytes.Equal(out, want) {
		t.Fatalf("HKDF = %x, want %x", out, want)
	}
}

func TestHKDFMatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	k := newHKDFSHA256()
	for i := 0; i < 200; i++ {
		ikm := make([]byte, r.IntN(100))
		info := make([]byte, r.IntN(80))
		fill(r, ikm)
		fill(r, info)
		n := 1 + r.IntN(maxHKDFOut)
		got := make([]byte, n)
		k.derive(got, ikm, info)
		want, err := hkdf.Key(sha256.New, ikm, nil, string(info), n)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("case %d: got %x want %x (err %v)", i, got, want, err)
		}
	}
}

func fill(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

// TestHMACRFC4231 runs the RFC 4231 HMAC-SHA-256 test cases against the
// hand-rolled HMAC (case 5, a truncated output, is checked on its prefix).
func TestHMACRFC4231(t *testing.T) {
	long := bytes.Repeat([]byte{0xaa}, 131)
	cases := []struct {
		name      string
		key, data []byte
		want      string
	}{
		{"1", bytes.Repeat([]byte{0x0b}, 20), []byte("Hi There"),
			"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"2", []byte("Jefe"), []byte("what do ya want for nothing?"),
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"3", bytes.Repeat([]byte{0xaa}, 20), bytes.Repeat([]byte{0xdd}, 50),
			"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
		{"4", seq(1, 25), bytes.Repeat([]byte{0xcd}, 50),
			"82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
		{"5", bytes.Repeat([]byte{0x0c}, 20), []byte("Test With Truncation"),
			"a3b6167473100ee06e0c796c2955552b"},
		{"6", long, []byte("Test Using Larger Than Block-Size Key - Hash Key First"),
			"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		{"7", long, []byte("This is a test using a larger than block-size key and a " +
			"larger than block-size data. The key needs to be hashed before being " +
			"used by the HMAC algorithm."),
			"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
	}
	m := newHMACSHA256()
	for _, c := range cases {
		m.start(c.key)
		m.write(c.data)
		got := hex.EncodeToString(m.finish(nil))
		if got[:len(c.want)] != c.want {
			t.Errorf("case %s: got %s want %s", c.name, got, c.want)
		}
	}
}

func TestNewSessionKey(t *testing.T) {
	sk, err := NewSessionKey(bytes.NewReader(seq(7, 16)))
	if err != nil || !bytes.Equal(sk[:], seq(7, 16)) {
		t.Fatalf("NewSessionKey = %x, %v", sk, err)
	}
	if _, err := NewSessionKey(bytes.NewReader(seq(7, 15))); err == nil {
		t.Fatal("short random source accepted")
	}
	a, errA := NewSessionKey(nil)
	b, errB := NewSessionKey(nil)
	if errA != nil || errB != nil || a == b {
		t.Fatalf("crypto/rand keys: %v %v equal=%v", errA, errB, a == b)
	}
}
