package skd

import "testing"

func BenchmarkOpenerOpen(b *testing.B) {
	kek := ProxyKEK(seq(0x20, KspSize))
	o, _ := NewOpener(&kek)
	ad := proxyAD()
	for _, alg := range []WrapAlg{WrapAES128GCM, WrapAscon128aV12} {
		blob, _ := WrapKey(alg, &kek, ad, seq(0xa0, 16), nil)
		dst := make([]byte, 0, SessionKeySize)
		b.Run(alg.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := o.Open(dst[:0], alg, ad, blob); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMACerSum(b *testing.B) {
	m := NewMACer()
	input, _ := AppendMACInput(nil, sampleFields())
	sk := seq(0xa0, 16)
	tag := make([]byte, 0, 32)
	for _, mech := range []Mechanism{MechHMACSHA256, MechAscon128aV12} {
		b.Run(mech.String(), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(input)))
			for b.Loop() {
				if _, err := m.Sum(tag[:0], mech, sk, input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMACerVerify(b *testing.B) {
	m := NewMACer()
	input, _ := AppendMACInput(nil, sampleFields())
	sk := seq(0xa0, 16)
	tag, _ := m.Sum(nil, MechAscon128aV12, sk, input)
	b.ReportAllocs()
	for b.Loop() {
		if !m.Verify(MechAscon128aV12, sk, input, tag) {
			b.Fatal("rejected")
		}
	}
}

func BenchmarkAppendMACInput(b *testing.B) {
	f := sampleFields()
	dst := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendMACInput(dst[:0], f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendWrapAD(b *testing.B) {
	ad := proxyAD()
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendWrapAD(dst[:0], ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrapKey(b *testing.B) {
	kek := ProxyKEK(seq(0x20, KspSize))
	ad := proxyAD()
	sk := seq(0xa0, 16)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WrapKey(WrapAES128GCM, &kek, ad, sk, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChoose(b *testing.B) {
	offers := []Offer{{MechNone, 1000}, {MechHMACSHA256, 500}, {MechAscon128aV12, 900}}
	sup := []Mechanism{MechHMACSHA256, MechAscon128aV12}
	b.ReportAllocs()
	for b.Loop() {
		if Choose(offers, sup) != 2 {
			b.Fatal("wrong choice")
		}
	}
}

func BenchmarkMACerWord(b *testing.B) {
	m := NewMACer()
	input := make([]byte, 300) // about a SIP word input (§13.3)
	sk := seq(0xa0, 16)
	tag := make([]byte, 0, 32)
	for _, mech := range []Mechanism{MechHMACSHA256, MechAscon128aV12} {
		b.Run(mech.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Word(tag[:0], mech, sk, input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMACerWordKeyed(b *testing.B) {
	m := NewMACer()
	input := make([]byte, 300)
	tag := make([]byte, 0, 32)
	for _, mech := range []Mechanism{MechHMACSHA256, MechAscon128aV12} {
		key, _ := m.WordKey(nil, mech, seq(0xa0, 16))
		b.Run(mech.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.WordKeyed(tag[:0], mech, key, input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
