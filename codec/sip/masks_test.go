package sip

import (
	"math/rand/v2"
	"testing"
)

// TestMaskBlocks checks the platform's maskBlocks against maskBlocksGo
// and a byte-by-byte reading, on blocks dense in LF, CR and their
// neighbours (0x0b, 0x8a, 0x8d catch borrow and sign mistakes).
func TestMaskBlocks(t *testing.T) { checkMaskBlocks(t) }

func checkMaskBlocks(t *testing.T) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{'\n', '\r', 0, 0x0b, 0x0c, 0x8a, 0x8d, 0xff, 'a', ':'}
	for round := 0; round < 2000; round++ {
		n := 1 + r.IntN(windowBlocks)
		b := make([]byte, 64*n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		var lf, cr, lfGo, crGo [windowBlocks]uint64
		maskBlocks(&b[0], n, &lf[0], &cr[0])
		maskBlocksGo(&b[0], n, &lfGo[0], &crGo[0])
		for k := range n {
			var wantLF, wantCR uint64
			for i := range 64 {
				switch b[64*k+i] {
				case '\n':
					wantLF |= 1 << i
				case '\r':
					wantCR |= 1 << i
				}
			}
			if lf[k] != wantLF || cr[k] != wantCR || lfGo[k] != wantLF || crGo[k] != wantCR {
				t.Fatalf("block %d of %q: lf %x/%x cr %x/%x, want %x %x",
					k, b[64*k:64*k+64], lf[k], lfGo[k], cr[k], crGo[k], wantLF, wantCR)
			}
		}
	}
}
