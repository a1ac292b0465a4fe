package skd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const testNonce = "0123456789abcdef0123456789abcdef"

func proxyAD() *WrapAD {
	return &WrapAD{
		Recipient: []byte(RecipientProxy),
		Identity:  []byte("alice"),
		Realm:     []byte("sigproxy.test"),
		Nonce:     []byte(testNonce),
		KID:       []byte("1"),
	}
}

func TestAppendWrapADLayout(t *testing.T) {
	// Independently computed: LP("sigproxy-v1 wrap") LP("proxy") LP("alice")
	// LP("sigproxy.test") LP(nonce) LP("1").
	want := unhex(t, "001073696770726f78792d76312077726170000570726f78790005616c696365"+
		"000d73696770726f78792e74657374002030313233343536373839616263646566303132"+
		"33343536373839616263646566000131")
	got, err := AppendWrapAD([]byte("x"), proxyAD())
	if err != nil || !bytes.Equal(got, append([]byte("x"), want...)) {
		t.Fatalf("AppendWrapAD = %x, %v\nwant x+%x", got, err, want)
	}
	ad := proxyAD()
	ad.Realm = make([]byte, MaxField+1)
	if got, err := AppendWrapAD([]byte("x"), ad); !errors.Is(err, ErrFieldTooLong) ||
		string(got) != "x" {
		t.Fatalf("long field: %q, %v", got, err)
	}
	ad.Realm = make([]byte, MaxField)
	if _, err := AppendWrapAD(nil, ad); err != nil {
		t.Fatalf("field of MaxField bytes refused: %v", err)
	}
}

// TestWrapAESGCMKnownAnswer checks WrapKey against AES-128-GCM computed by an
// independent implementation (Python cryptography) with nonce 01..0c.
func TestWrapAESGCMKnownAnswer(t *testing.T) {
	kek := ProxyKEK(seq(0x20, KspSize))
	want := unhex(t, "0102030405060708090a0b0c822c2e016ca99ecf12906c18b2ef690916d72fa8"+
		"a0bd1ddcffc281aa61e108d9")
	blob, err := WrapKey(WrapAES128GCM, &kek, proxyAD(), seq(0xa0, 16),
		bytes.NewReader(seq(1, 12)))
	if err != nil || !bytes.Equal(blob, want) {
		t.Fatalf("WrapKey = %x, %v\nwant %x", blob, err, want)
	}
	sk, err := UnwrapKey(WrapAES128GCM, &kek, proxyAD(), want)
	if err != nil || !bytes.Equal(sk, seq(0xa0, 16)) {
		t.Fatalf("UnwrapKey = %x, %v", sk, err)
	}
}

func TestWrapRoundTrip(t *testing.T) {
	kek := TerminalKEK(seq(0, KcSize))
	for _, alg := range []WrapAlg{WrapAES128GCM, WrapAscon128aV12} {
		sk, _ := NewSessionKey(nil)
		ad := proxyAD()
		blob, err := WrapKey(alg, &kek, ad, sk[:], nil)
		if err != nil {
			t.Fatalf("%v: wrap: %v", alg, err)
		}
		if len(blob) != alg.BlobSize() {
			t.Fatalf("%v: blob %d bytes, want %d", alg, len(blob), alg.BlobSize())
		}
		got, err := UnwrapKey(alg, &kek, ad, blob)
		if err != nil || !bytes.Equal(got, sk[:]) {
			t.Fatalf("%v: unwrap = %x, %v", alg, got, err)
		}
		o, _ := NewOpener(&kek)
		got, err = o.Open([]byte("p"), alg, ad, blob)
		if err != nil || !bytes.Equal(got, append([]byte("p"), sk[:]...)) {
			t.Fatalf("%v: Open = %x, %v", alg, got, err)
		}
		// The other algorithm never opens this blob.
		other := WrapAscon128aV12
		if alg == other {
			other = WrapAES128GCM
		}
		if _, err := UnwrapKey(other, &kek, ad, blob); err == nil {
			t.Fatalf("%v blob opened as %v", alg, other)
		}
	}
}

// TestWrapADBinding changes each AD field in turn: the blob must no longer open.
func TestWrapADBinding(t *testing.T) {
	kek := ProxyKEK(seq(0x20, KspSize))
	mutations := map[string]func(*WrapAD){
		"recipient": func(a *WrapAD) { a.Recipient = []byte(RecipientTerminal) },
		"identity":  func(a *WrapAD) { a.Identity = []byte("alicf") },
		"realm":     func(a *WrapAD) { a.Realm = []byte("sigproxy.tesT") },
		"nonce":     func(a *WrapAD) { a.Nonce = []byte(testNonce[1:]) },
		"kid":       func(a *WrapAD) { a.KID = []byte("2") },
		"kid empty": func(a *WrapAD) { a.KID = nil },
		// Moving a byte between adjacent fields keeps the concatenation the same;
		// the length prefixes must still tell them apart.
		"boundary": func(a *WrapAD) {
			a.Identity, a.Realm = []byte("alices"), []byte("igproxy.test")
		},
	}
	for _, alg := range []WrapAlg{WrapAES128GCM, WrapAscon128aV12} {
		blob, err := WrapKey(alg, &kek, proxyAD(), seq(0xa0, 16), nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, mutate := range mutations {
			ad := proxyAD()
			mutate(ad)
			if _, err := UnwrapKey(alg, &kek, ad, blob); !errors.Is(err, ErrUnwrap) {
				t.Errorf("%v %s: err = %v, want ErrUnwrap", alg, name, err)
			}
		}
		wrong := ProxyKEK(seq(0x21, KspSize))
		if _, err := UnwrapKey(alg, &wrong, proxyAD(), blob); !errors.Is(err, ErrUnwrap) {
			t.Errorf("%v wrong key: %v", alg, err)
		}
	}
}

func TestOpenTamperedAndMalformed(t *testing.T) {
	kek := ProxyKEK(seq(0x20, KspSize))
	o, err := NewOpener(&kek)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []WrapAlg{WrapAES128GCM, WrapAscon128aV12} {
		blob, _ := WrapKey(alg, &kek, proxyAD(), seq(0xa0, 16), nil)
		for i := range blob {
			for _, bit := range []byte{0x01, 0x80} {
				bad := bytes.Clone(blob)
				bad[i] ^= bit
				got, err := o.Open([]byte("k"), alg, proxyAD(), bad)
				if !errors.Is(err, ErrUnwrap) || string(got) != "k" {
					t.Fatalf("%v byte %d bit %x: %q, %v", alg, i, bit, got, err)
				}
			}
		}
		for _, n := range []int{0, len(blob) - 1, len(blob) + 1} {
			long := append(bytes.Clone(blob), 0)
			if _, err := o.Open(nil, alg, proxyAD(), long[:n]); !errors.Is(err, ErrBadBlob) {
				t.Errorf("%v length %d: %v", alg, n, err)
			}
		}
		ad := proxyAD()
		ad.Nonce = make([]byte, MaxField+1)
		if _, err := o.Open(nil, alg, ad, blob); !errors.Is(err, ErrFieldTooLong) {
			t.Errorf("%v long nonce: %v", alg, err)
		}
	}
	_, err = o.Open(nil, WrapNone, proxyAD(), make([]byte, 44))
	if !errors.Is(err, ErrUnknownWrap) {
		t.Errorf("WrapNone: %v", err)
	}
	if _, err := WrapKey(WrapAlg(9), &kek, proxyAD(), seq(0, 16), nil); !errors.Is(err, ErrUnknownWrap) {
		t.Errorf("WrapKey unknown alg: %v", err)
	}
	if _, err := WrapKey(WrapAES128GCM, &kek, proxyAD(), seq(0, 15), nil); !errors.Is(err, ErrBadKey) {
		t.Errorf("WrapKey short sk: %v", err)
	}
}

func TestNamesAndSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		mech Mechanism
		wrap WrapAlg
		tag  int
		blob int
	}{
		{"hmac-sha256", MechHMACSHA256, WrapAES128GCM, 32, 44},
		{"ascon128a-v12", MechAscon128aV12, WrapAscon128aV12, 16, 48},
	} {
		m, ok := ParseMechanism([]byte(strings.ToUpper(c.name)))
		if !ok || m != c.mech || m.String() != c.name || m.Wrap() != c.wrap || m.TagSize() != c.tag {
			t.Errorf("%s: mech %v ok=%v wrap %v tag %d", c.name, m, ok, m.Wrap(), m.TagSize())
		}
		w, ok := ParseWrapAlg([]byte(c.wrap.String()))
		if !ok || w != c.wrap || w.BlobSize() != c.blob {
			t.Errorf("%s: wrap %v ok=%v blob %d", c.name, w, ok, w.BlobSize())
		}
	}
	if _, ok := ParseMechanism([]byte("digest")); ok {
		t.Error("digest parsed as a mechanism")
	}
	if _, ok := ParseWrapAlg([]byte("aes256gcm")); ok {
		t.Error("aes256gcm parsed as a wrap")
	}
	if MechNone.TagSize() != 0 || WrapNone.BlobSize() != 0 || MechNone.Wrap() != WrapNone ||
		MechNone.String() != "none" || WrapNone.String() != "none" {
		t.Error("zero values are not inert")
	}
}

func TestRedaction(t *testing.T) {
	kek := ProxyKEK(seq(0x20, KspSize))
	o, _ := NewOpener(&kek)
	m := NewMACer()
	for _, v := range []any{o, m} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
			s := fmt.Sprintf(verb, v)
			if !strings.Contains(s, "REDACTED") {
				t.Errorf("%T %s = %q", v, verb, s)
			}
		}
	}
}
