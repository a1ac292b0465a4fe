package sip

import "math/bits"

// windowBlocks is how many 64-byte blocks lineIndex maps at a time: 1 KiB
// covers the header section of a typical message in one call of
// maskBlocks and bounds the work spent past it, in the body.
const windowBlocks = 16

// lineIndex holds bitmaps of the LF and CR bytes of a datagram, computed
// one window of up to windowBlocks 64-byte blocks at a time (maskBlocks,
// vectorised where the platform allows), and finds the CR bytes not
// followed by LF. Parse reads header lines front to back and every LF in
// the header section ends a line or a folded part of one, so the LFs are
// taken off the bitmaps lowest first (pop) and windows move forward only.
type lineIndex struct {
	buf  []byte
	base int // offset in buf of the current window
	from int // bare CRs before from are not reported
	// bareCR is the offset of the first CR at or after from that is not
	// followed by LF, in the windows mapped so far; len(buf) when none.
	bareCR int
	// The window's bitmaps, bit i of word k for byte base+64k+i; bits past
	// the datagram are clear. The word after the window's last block holds
	// only the LF that may follow it, for the bare CR test.
	lf, cr [windowBlocks + 1]uint64
}

// reset starts an index over buf at offset from and returns the LFs at or
// after from of the block that holds from, and that block's offset.
func (x *lineIndex) reset(buf []byte, from int) (lfs uint64, blk int) {
	x.buf, x.from, x.bareCR = buf, from, len(buf)
	blk = from &^ 63
	x.load(blk)
	return x.lf[0] & (^uint64(0) << (from & 63)), blk
}

// nextBlock returns the LFs of the first block after the one at blk that
// has any, and that block's offset, mapping windows as needed; lfs is 0
// when the datagram has no more.
func (x *lineIndex) nextBlock(blk int) (lfs uint64, at int) {
	for {
		blk += 64
		if blk >= len(x.buf) {
			return 0, blk - 64
		}
		if blk >= x.base+windowBlocks*64 {
			x.load(blk)
		}
		if lfs := x.lf[(blk-x.base)>>6]; lfs != 0 {
			return lfs, blk
		}
	}
}

// load maps the window starting at base, which lies inside the datagram.
// When the buffer's capacity allows, the last, partial block is read in
// place and the bits past the datagram cleared; otherwise it is copied.
func (x *lineIndex) load(base int) {
	buf := x.buf
	x.base = base
	left := len(buf) - base
	n := min((left+63)/64, windowBlocks)
	if full := left / 64; full >= n || base+64*n <= cap(buf) {
		maskBlocks(&buf[:cap(buf)][base], n, &x.lf[0], &x.cr[0])
	} else {
		if full > 0 {
			maskBlocks(&buf[base], full, &x.lf[0], &x.cr[0])
		}
		var tail [64]byte
		copy(tail[:], buf[base+64*full:])
		maskBlocks(&tail[0], 1, &x.lf[full], &x.cr[full])
	}
	if rem := left - 64*(n-1); rem < 64 {
		keep := ^uint64(0) >> (64 - rem)
		x.lf[n-1] &= keep
		x.cr[n-1] &= keep
	}
	x.lf[n] = 0
	if e := base + 64*n; e < len(buf) && buf[e] == '\n' {
		x.lf[n] = 1
	}
	if x.bareCR == len(buf) {
		x.findBareCR(n)
	}
}

// findBareCR records the first CR of the window's n blocks, at or after
// x.from, whose next byte is not LF.
func (x *lineIndex) findBareCR(n int) {
	for k := range n {
		bad := x.cr[k] &^ (x.lf[k]>>1 | x.lf[k+1]<<63)
		if bad == 0 {
			continue
		}
		if lo := x.from - x.base - 64*k; lo > 0 {
			bad &= ^uint64(0) << min(lo, 64)
		}
		if bad != 0 {
			x.bareCR = x.base + 64*k + bits.TrailingZeros64(bad)
			return
		}
	}
}
