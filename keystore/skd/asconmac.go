package skd

import (
	"encoding/binary"
	"math/bits"
)

// Ascon-128a (Ascon v1.2, the CAESAR-portfolio version, not NIST SP 800-232)
// parameters: 128-bit key, 128-bit rate, 12 rounds for initialisation and
// finalisation, 8 rounds per data block.
const (
	asconIV128a  = 0x80800c0800000000 // k=128, r=128, a=12, b=8 (v1.2 §2.4.1)
	asconRoundsA = 12
	asconRoundsB = 8
	asconRate    = 16
)

// asconMAC writes the tag of Ascon-128a v1.2 Seal(key, nonce 0^128, plaintext
// empty, associated data ad) into tag: the ascon128a-v12 MAC of PROTOCOL.md §2.
// It is equivalent to circl's Ascon128a Seal with those arguments (tested), but
// keeps the key in registers instead of a heap-allocated cipher object.
func asconMAC(key *[asconKeySize]byte, ad []byte, tag *[asconTagSize]byte) {
	k0 := binary.BigEndian.Uint64(key[0:8])
	k1 := binary.BigEndian.Uint64(key[8:16])
	// Initialisation: IV || K || N with N = 0, then the key again.
	s := [5]uint64{asconIV128a, k0, k1, 0, 0}
	asconPerm(&s, asconRoundsA)
	s[3] ^= k0
	s[4] ^= k1
	asconAbsorbAD(&s, ad)
	s[4] ^= 1 // domain separation between AD and text
	// Empty plaintext: only the padding block 0x80 0^127 enters the rate.
	s[0] ^= 0x80 << 56
	// Finalisation: key after the 128-bit rate, permute, tag = last words ^ key.
	s[2] ^= k0
	s[3] ^= k1
	asconPerm(&s, asconRoundsA)
	binary.BigEndian.PutUint64(tag[0:8], s[3]^k0)
	binary.BigEndian.PutUint64(tag[8:16], s[4]^k1)
}

// asconAbsorbAD absorbs ad into the 128-bit rate with the 10* padding; an empty ad
// is skipped entirely, as the specification says.
func asconAbsorbAD(s *[5]uint64, ad []byte) {
	if len(ad) == 0 {
		return
	}
	for ; len(ad) >= asconRate; ad = ad[asconRate:] {
		s[0] ^= binary.BigEndian.Uint64(ad[0:8])
		s[1] ^= binary.BigEndian.Uint64(ad[8:16])
		asconPerm(s, asconRoundsB)
	}
	var last [asconRate]byte
	n := copy(last[:], ad)
	last[n] = 0x80
	s[0] ^= binary.BigEndian.Uint64(last[0:8])
	s[1] ^= binary.BigEndian.Uint64(last[8:16])
	asconPerm(s, asconRoundsB)
}

// asconPerm applies the last `rounds` rounds of the Ascon permutation p^a
// (constant addition, the 5-bit S-box in bitsliced form, linear diffusion).
// It runs in constant time: no branch or index depends on the state.
func asconPerm(s *[5]uint64, rounds int) {
	x0, x1, x2, x3, x4 := s[0], s[1], s[2], s[3], s[4]
	for r := asconRoundsA - rounds; r < asconRoundsA; r++ {
		x2 ^= uint64(0xf0 - r*0x10 + r) // round constant c_r
		// S-box layer: chi-like core between affine pre- and post-maps.
		x0 ^= x4
		x4 ^= x3
		x2 ^= x1
		n0, n1, n2, n3, n4 := ^x0&x1, ^x1&x2, ^x2&x3, ^x3&x4, ^x4&x0
		x0 ^= n1
		x1 ^= n2
		x2 ^= n3
		x3 ^= n4
		x4 ^= n0
		x1 ^= x0
		x0 ^= x4
		x3 ^= x2
		x2 = ^x2
		// Linear layer: each word mixed with two rotations of itself.
		x0 ^= bits.RotateLeft64(x0, -19) ^ bits.RotateLeft64(x0, -28)
		x1 ^= bits.RotateLeft64(x1, -61) ^ bits.RotateLeft64(x1, -39)
		x2 ^= bits.RotateLeft64(x2, -1) ^ bits.RotateLeft64(x2, -6)
		x3 ^= bits.RotateLeft64(x3, -10) ^ bits.RotateLeft64(x3, -17)
		x4 ^= bits.RotateLeft64(x4, -7) ^ bits.RotateLeft64(x4, -41)
	}
	s[0], s[1], s[2], s[3], s[4] = x0, x1, x2, x3, x4
}
