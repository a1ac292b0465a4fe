package skd

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cloudflare/circl/cipher/ascon"
)

func sampleFields() *RegFields {
	return &RegFields{
		Protocol: "sip",
		Status:   []byte("200"),
		TxnID:    []byte("c1@127.0.0.1"),
		Seq:      []byte("2 REGISTER"),
		FromTag:  []byte("ft1"),
		ToTag:    []byte("tt9"),
		Nonce:    []byte("abc"),
		Chosen:   []byte(" ascon128a-v12;q=0.9 "),
		Offered:  [][]byte{[]byte("ascon128a-v12;q=0.9"), []byte("\thmac-sha256;q=0.5 ")},
		Terminal: []byte("QUJD"),
		Wrap:     []byte("ascon128a-v12"),
	}
}

// TestMACInputLayout compares AppendMACInput with the byte string of
// PROTOCOL.md §5.5 built by hand.
func TestMACInputLayout(t *testing.T) {
	var want []byte
	lp := func(s string) {
		want = append(want, byte(len(s)>>8), byte(len(s)))
		want = append(want, s...)
	}
	lp("sigproxy-v1 sip-reg-mac")
	lp("200")
	lp("c1@127.0.0.1")
	lp("2 REGISTER")
	lp("ft1")
	lp("tt9")
	lp("abc")
	lp("ascon128a-v12;q=0.9")
	want = append(want, 0x00, 0x02)
	lp("ascon128a-v12;q=0.9")
	lp("hmac-sha256;q=0.5")
	lp("QUJD")
	lp("ascon128a-v12")
	if want[0] != 0 || want[1] != 23 || string(want[2:25]) != "sigproxy-v1 sip-reg-mac" {
		t.Fatalf("hand-built label wrong: %q", want[:25])
	}
	got, err := AppendMACInput([]byte("pre"), sampleFields())
	if err != nil || !bytes.Equal(got, append([]byte("pre"), want...)) {
		t.Fatalf("AppendMACInput:\n got %q, %v\nwant pre%q", got, err, want)
	}
	// Empty fields are encoded as zero lengths, not skipped.
	f := &RegFields{Protocol: "sip"}
	got, err = AppendMACInput(nil, f)
	wantEmpty := append([]byte{0, 23}, "sigproxy-v1 sip-reg-mac"...)
	wantEmpty = append(wantEmpty, make([]byte, 2*10)...)
	if err != nil || !bytes.Equal(got, wantEmpty) {
		t.Fatalf("empty fields: %x, %v", got, err)
	}
}

func TestMACInputLimits(t *testing.T) {
	long := make([]byte, MaxField+1)
	cases := map[string]struct {
		mutate func(*RegFields)
		err    error
	}{
		"offered over limit": {func(f *RegFields) { f.Offered = make([][]byte, MaxOffered+1) },
			ErrTooManyOffered},
		"long call-id":  {func(f *RegFields) { f.TxnID = long }, ErrFieldTooLong},
		"long entry":    {func(f *RegFields) { f.Offered[1] = long }, ErrFieldTooLong},
		"long terminal": {func(f *RegFields) { f.Terminal = long }, ErrFieldTooLong},
		"long chosen":   {func(f *RegFields) { f.Chosen = long }, ErrFieldTooLong},
		"no protocol":   {func(f *RegFields) { f.Protocol = "" }, ErrFieldTooLong},
		"long protocol": {func(f *RegFields) { f.Protocol = strings.Repeat("p", 17) },
			ErrFieldTooLong},
		"at limits": {func(f *RegFields) {
			f.Offered = make([][]byte, MaxOffered)
			f.Wrap = long[:MaxField]
		}, nil},
	}
	for name, c := range cases {
		f := sampleFields()
		c.mutate(f)
		got, err := AppendMACInput([]byte("pre"), f)
		if !errors.Is(err, c.err) {
			t.Errorf("%s: err %v, want %v", name, err, c.err)
		}
		if c.err != nil && string(got) != "pre" {
			t.Errorf("%s: dst changed on error", name)
		}
	}
}

// TestMACerHMACKnownAnswer checks the hmac-sha256 MAC with SK a0..af over a fixed
// input against an independent computation (Python hmac + HKDF).
func TestMACerHMACKnownAnswer(t *testing.T) {
	m := NewMACer()
	want := unhex(t, "c84e24b4d0281b06de32dc22a48c6935e0c4842899eb5c4fd2bb5042d51f7381")
	got, err := m.Sum([]byte("t"), MechHMACSHA256, seq(0xa0, 16), []byte("example mac input"))
	if err != nil || !bytes.Equal(got, append([]byte("t"), want...)) {
		t.Fatalf("Sum = %x, %v", got, err)
	}
}

// TestAsconMACMatchesCircl checks the in-package Ascon-128a MAC against circl's
// Seal with an empty plaintext and a zero nonce, for AD lengths around the rate.
func TestAsconMACMatchesCircl(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 70; n++ {
		var key [asconKeySize]byte
		fill(r, key[:])
		ad := make([]byte, n)
		fill(r, ad)
		checkAsconAgainstCircl(t, &key, ad)
	}
}

func checkAsconAgainstCircl(t *testing.T, key *[asconKeySize]byte, ad []byte) {
	t.Helper()
	c, err := ascon.New(key[:], ascon.Ascon128a)
	if err != nil {
		t.Fatal(err)
	}
	want := c.Seal(nil, make([]byte, ascon.NonceSize), nil, ad)
	var got [asconTagSize]byte
	asconMAC(key, ad, &got)
	if !bytes.Equal(got[:], want) {
		t.Fatalf("ad %d bytes: asconMAC %x, circl %x", len(ad), got, want)
	}
}

func TestMACerAsconUsesDerivedKey(t *testing.T) {
	sk := seq(0xa0, 16)
	input := []byte("example mac input")
	c, _ := ascon.New(unhex(t, katMACKey)[:16], ascon.Ascon128a)
	want := c.Seal(nil, make([]byte, 16), nil, input)
	got, err := NewMACer().Sum(nil, MechAscon128aV12, sk, input)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Sum = %x, %v; want %x", got, err, want)
	}
}

func TestMACerVerify(t *testing.T) {
	m := NewMACer()
	sk := seq(0xa0, 16)
	input, _ := AppendMACInput(nil, sampleFields())
	for _, mech := range []Mechanism{MechHMACSHA256, MechAscon128aV12} {
		tag, err := m.Sum(nil, mech, sk, input)
		if err != nil || len(tag) != mech.TagSize() {
			t.Fatalf("%v: %x, %v", mech, tag, err)
		}
		if !m.Verify(mech, sk, input, tag) {
			t.Fatalf("%v: own tag rejected", mech)
		}
		bad := bytes.Clone(tag)
		bad[len(bad)-1] ^= 1
		otherSK := seq(0xa1, 16)
		changed := bytes.Clone(input)
		changed[30] ^= 1
		for name, ok := range map[string]bool{
			"flipped tag":   m.Verify(mech, sk, input, bad),
			"short tag":     m.Verify(mech, sk, input, tag[:len(tag)-1]),
			"empty tag":     m.Verify(mech, sk, input, nil),
			"other sk":      m.Verify(mech, otherSK, input, tag),
			"changed input": m.Verify(mech, sk, changed, tag),
			"short sk":      m.Verify(mech, sk[:15], input, tag),
			"no mechanism":  m.Verify(MechNone, sk, input, tag),
		} {
			if ok {
				t.Errorf("%v: %s verified", mech, name)
			}
		}
	}
	if _, err := m.Sum(nil, MechNone, sk, input); !errors.Is(err, ErrUnknownMechanism) {
		t.Errorf("MechNone: %v", err)
	}
	if _, err := m.Sum(nil, MechHMACSHA256, sk[:8], input); !errors.Is(err, ErrBadKey) {
		t.Errorf("short sk: %v", err)
	}
	// Scratch key material is wiped after use.
	if m.key != [32]byte{} || m.tag != [32]byte{} || m.mac.ipad != [64]byte{} {
		t.Error("MACer scratch not wiped")
	}
}
