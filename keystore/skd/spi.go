package skd

import "encoding/binary"

// labelH248SPI is the HKDF info of the H.248 security parameter index
// (PROTOCOL.md §11.5).
const labelH248SPI = Version + " h248-spi"

// H248SPI derives the H.248 security parameter index that names sk in an
// authentication header: the first four bytes, big-endian, of HKDF-SHA-256(sk,
// "sigproxy-v1 h248-spi"). Both ends compute it, so it needs no state. It
// reports ErrBadKey when sk is not SessionKeySize bytes.
func H248SPI(sk []byte) (uint32, error) {
	if len(sk) != SessionKeySize {
		return 0, ErrBadKey
	}
	raw := deriveStd(sk, labelH248SPI, 4)
	return binary.BigEndian.Uint32(raw), nil
}

// H248SPI is the package function H248SPI on the MACer's reused hash state:
// it does not allocate, for the proxy's per-message path.
func (m *MACer) H248SPI(sk []byte) (uint32, error) {
	if len(sk) != SessionKeySize {
		return 0, ErrBadKey
	}
	var out [4]byte
	m.kdf.derive(m.key[:4], sk, m.spiLabel)
	copy(out[:], m.key[:4])
	clear(m.key[:])
	return binary.BigEndian.Uint32(out[:]), nil
}
