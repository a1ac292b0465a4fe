package sip

import (
	"encoding/binary"
	"math/bits"
)

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
	lfs   = '\n' * ones
	crs   = '\r' * ones
	cols  = ':' * ones
)

// zeroBytes marks with 0x80 the zero bytes of x; the lowest mark is exact.
func zeroBytes(x uint64) uint64 { return (x - ones) &^ x & highs }

// nextLF returns the index of the first '\n' at or after i, or -1, and
// whether a CR that is not directly followed by that '\n' came before it.
// It reads eight bytes per step: header lines are short, and a single pass
// looking for both bytes beats two library scans on them.
func nextLF(b []byte, i int) (lf int, bareCR bool) {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := zeroBytes(x^lfs) | zeroBytes(x^crs); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			break
		}
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case '\n':
			return i, bareCR
		case '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				bareCR = true
			}
		}
	}
	return -1, bareCR
}

// nextColon returns the index of the first ':', CR or LF at or after i, or
// len(b): the end of a header name and its trailing white space.
func nextColon(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := zeroBytes(x^cols) | zeroBytes(x^lfs) | zeroBytes(x^crs); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == ':' || c == '\n' || c == '\r' {
			return i
		}
	}
	return len(b)
}
