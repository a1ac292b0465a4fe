//go:build !race

package skd

import "testing"

// TestZeroAlloc guards the performance contract of the package doc: the hot-path
// calls do not allocate once their dst has room.
func TestZeroAlloc(t *testing.T) {
	kek := ProxyKEK(seq(0x20, KspSize))
	o, err := NewOpener(&kek)
	if err != nil {
		t.Fatal(err)
	}
	ad := proxyAD()
	blobs := map[WrapAlg][]byte{}
	for _, alg := range []WrapAlg{WrapAES128GCM, WrapAscon128aV12} {
		blobs[alg], _ = WrapKey(alg, &kek, ad, seq(0xa0, 16), nil)
	}
	sk := make([]byte, 0, SessionKeySize)
	f := sampleFields()
	input := make([]byte, 0, 4096)
	tag := make([]byte, 0, 32)
	adBuf := make([]byte, 0, maxWrapAD)
	m := NewMACer()
	var w Window
	wkey := make([]byte, 32)
	input, _ = AppendMACInput(input, f)
	gcmBlob, asconBlob := blobs[WrapAES128GCM], blobs[WrapAscon128aV12]
	key := seq(0xa0, SessionKeySize)
	const H, A = MechHMACSHA256, MechAscon128aV12
	checks := map[string]func(){
		"Opener.Open aes128gcm": func() { _, _ = o.Open(sk[:0], WrapAES128GCM, ad, gcmBlob) },
		"Opener.Open ascon":     func() { _, _ = o.Open(sk[:0], WrapAscon128aV12, ad, asconBlob) },
		"Opener.Open failing":   func() { _, _ = o.Open(sk[:0], WrapAscon128aV12, ad, gcmBlob) },
		"AppendWrapAD":          func() { _, _ = AppendWrapAD(adBuf[:0], ad) },
		"AppendMACInput":        func() { _, _ = AppendMACInput(input[:0], f) },
		"MACer.Sum hmac":        func() { _, _ = m.Sum(tag[:0], H, key, input) },
		"MACer.Sum ascon":       func() { _, _ = m.Sum(tag[:0], A, key, input) },
		"MACer.Verify hmac":     func() { m.Verify(H, key, input, tag[:32]) },
		"MACer.Verify ascon":    func() { m.Verify(A, key, input, tag[:16]) },
		"MACer.Word hmac":       func() { _, _ = m.Word(tag[:0], H, key, input) },
		"MACer.Word ascon":      func() { _, _ = m.Word(tag[:0], A, key, input) },
		"MACer.VerifyWord hmac": func() { m.VerifyWord(H, key, input, tag[:32]) },
		"MACer.WordKey":         func() { _, _ = m.WordKey(tag[:0], H, key) },
		"MACer.WordKeyed":       func() { _, _ = m.WordKeyed(tag[:0], H, wkey, input) },
		"MACer.VerifyWordKeyed": func() { m.VerifyWordKeyed(A, wkey[:16], input, tag[:16]) },
		"AppendWordLP":          func() { _ = AppendWordLP(input[:0], key) },
		"Window.Accept":         func() { w.Accept(uint32(len(input))) },
		"Choose":                func() { Choose([]Offer{{H, 500}, {A, 900}}, []Mechanism{H, A}) },
		"ParseQ":                func() { ParseQ([]byte("0.5")) },
	}
	for name, fn := range checks {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s: %.1f allocations per call, want 0", name, n)
		}
	}
}
