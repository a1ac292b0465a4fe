package sip

import "unsafe"

// maskBlocksGo is the portable maskBlocks: for each of n 64-byte blocks at
// p it stores in lf[k] and cr[k] a bitmap of the LF and CR bytes, bit i
// for byte i. It reads the block eight bytes at a time.
func maskBlocksGo(p *byte, n int, lf, cr *uint64) {
	blocks := unsafe.Slice(p, n*64)
	lfOut, crOut := unsafe.Slice(lf, n), unsafe.Slice(cr, n)
	for k := range n {
		var l, c uint64
		for i := 0; i < 64; i += 8 {
			x := le64(blocks[64*k+i:])
			l |= byteMarks(x^lfs) << i
			c |= byteMarks(x^crs) << i
		}
		lfOut[k], crOut[k] = l, c
	}
}

// byteMarks returns a bitmap with bit i set when byte i of x is zero. The
// high bit of each byte is set exactly for zero bytes (no borrow between
// bytes), then the eight high bits are gathered into the low byte.
func byteMarks(x uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	z := ^((x&low7 + low7) | x | low7)
	return (z >> 7) * 0x0102040810204080 >> 56
}
