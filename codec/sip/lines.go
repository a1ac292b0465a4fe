package sip

import "math/bits"

// windowBlocks is how many 64-byte blocks lineIndex maps at a time: 256
// bytes cover the start line and the first headers of a typical message
// and bound the work spent past the header section, in the body.
const windowBlocks = 4

// lineIndex lists the LF bytes of a datagram, and finds the CR bytes not
// followed by LF, from bitmaps computed one window of windowBlocks*64
// bytes at a time (maskBlocks, vectorised where the platform allows).
// Parse reads header lines front to back and every LF in the header
// section ends a line or a folded part of one, so the LFs are handed out
// as a queue and windows move forward only.
type lineIndex struct {
	buf  []byte
	base int // offset in buf of the current window
	from int // bare CRs before from are not reported
	// bareCR is the offset of the first CR at or after from that is not
	// followed by LF, in the windows mapped so far; len(buf) when none.
	bareCR int
	head   int                       // next entry of lfs to hand out
	count  int                       // entries in lfs
	lfs    [windowBlocks * 64]uint16 // offsets of the window's LFs
}

// reset starts an index over buf at offset from.
func (x *lineIndex) reset(buf []byte, from int) {
	x.buf, x.from, x.bareCR = buf, from, len(buf)
	x.load(from &^ 63)
}

// nextLF returns the offset of the first LF at or after pos, or -1. pos
// must not lie before an LF already handed out.
func (x *lineIndex) nextLF(pos int) int {
	for {
		for ; x.head < x.count; x.head++ {
			if lf := int(x.lfs[x.head]); lf >= pos {
				x.head++
				return lf
			}
		}
		next := x.base + windowBlocks*64
		if next >= len(x.buf) {
			return -1
		}
		x.load(max(next, pos&^63))
	}
}

// load maps the window starting at base: it lists the window's LFs and
// looks for a bare CR.
func (x *lineIndex) load(base int) {
	var lf, cr [windowBlocks + 1]uint64
	buf := x.buf
	x.base = base
	n := len(buf) - base
	full := min(n/64, windowBlocks)
	if full > 0 {
		maskBlocks(&buf[base], full, &lf[0], &cr[0])
	}
	if full < windowBlocks && n > full*64 {
		var tail [64]byte
		copy(tail[:], buf[base+full*64:])
		maskBlocks(&tail[0], 1, &lf[full], &cr[full])
	}
	if e := base + windowBlocks*64; e < len(buf) && buf[e] == '\n' {
		lf[windowBlocks] = 1
	}
	x.head, x.count = 0, 0
	for k := range windowBlocks {
		for m := lf[k]; m != 0; m &= m - 1 {
			x.lfs[x.count%len(x.lfs)] = uint16(base + 64*k + bits.TrailingZeros64(m))
			x.count++
		}
	}
	if x.bareCR == len(buf) {
		x.findBareCR(&lf, &cr)
	}
}

// findBareCR records the first CR of the window, at or after x.from, whose
// next byte is not LF.
func (x *lineIndex) findBareCR(lf, cr *[windowBlocks + 1]uint64) {
	for k := range windowBlocks {
		bad := cr[k] &^ (lf[k]>>1 | lf[k+1]<<63)
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
