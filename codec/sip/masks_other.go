//go:build !amd64 || purego

package sip

// maskBlocks stores in lf[k] and cr[k] bitmaps of the LF and CR bytes of
// each of n 64-byte blocks at p (bit i for byte i).
func maskBlocks(p *byte, n int, lf, cr *uint64) { maskBlocksGo(p, n, lf, cr) }
