package keystore

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

func benchAORs(n int) [][]byte {
	aors := make([][]byte, n)
	for i := range aors {
		aors[i] = []byte(fmt.Sprintf("sip:user%06d@sigproxy.test", i))
	}
	return aors
}

func BenchmarkSessionTablePut(b *testing.B) {
	const n = 1 << 16
	tb := NewSessionTable(n)
	aors := benchAORs(n)
	s := sess(1, future())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := tb.Put(aors[i%n], s); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkSessionTableGet(b *testing.B) {
	const n = 1 << 16
	tb := NewSessionTable(n)
	aors := benchAORs(n)
	exp := future()
	for _, a := range aors {
		if err := tb.Put(a, sess(1, exp)); err != nil {
			b.Fatal(err)
		}
	}
	now := exp - 1
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := tb.Get(aors[i%n], now); !ok {
			b.Fatal("missing")
		}
		i++
	}
}

func BenchmarkSessionTableGetParallel(b *testing.B) {
	const n = 1 << 16
	tb := NewSessionTable(n)
	aors := benchAORs(n)
	exp := future()
	for _, a := range aors {
		if err := tb.Put(a, sess(1, exp)); err != nil {
			b.Fatal(err)
		}
	}
	now := exp - 1
	var seq atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(1)) * 7919
		for pb.Next() {
			if _, ok := tb.Get(aors[i%n], now); !ok {
				b.Error("missing")
				return
			}
			i++
		}
	})
}

func BenchmarkSessionTablePutDelete(b *testing.B) {
	tb := NewSessionTable(1 << 12)
	aors := benchAORs(1 << 10)
	s := sess(1, future())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a := aors[i%len(aors)]
		if err := tb.Put(a, s); err != nil {
			b.Fatal(err)
		}
		tb.Delete(a)
		i++
	}
}

func BenchmarkKeyringKEK(b *testing.B) {
	ring, _ := NewKeyring([]ProxyKey{{"1", key32(1)}, {"2", key32(2)}})
	kid := []byte("2")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.KEK(kid); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeyringOpen(b *testing.B) {
	ring, _ := NewKeyring([]ProxyKey{{"1", key32(1)}})
	for _, alg := range []skd.WrapAlg{skd.WrapAES128GCM, skd.WrapAscon128aV12} {
		ad, blob := wrapForProxy(b, key32(1), "1", alg)
		b.Run(alg.String(), func(b *testing.B) {
			dst := make([]byte, 0, 16)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ring.Open(dst[:0], []byte("1"), alg, ad, blob); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSealerSeal(b *testing.B) {
	s := testSealer(b, 1)
	plain := key32(9)
	ad := []byte("subscribers alice")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(plain, ad); err != nil {
			b.Fatal(err)
		}
	}
}
