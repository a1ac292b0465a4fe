package h248

const upperHex = "0123456789ABCDEF"

// AppendAuthHeader appends an authentication header (RFC 3525 B.2
// authenticationHeader, short form) for SecurityParmIndex spi, SequenceNum
// seq and the octets authData to dst, as "AU=0x" 8 hex digits ":0x" 8 hex
// digits ":0x" and two hex digits per octet, in upper case, without a line
// end (Editor.SetAuth adds one). authData must be 12 to 32 octets (24 to 64
// hex digits); otherwise it returns dst unchanged and ErrBadAuth. It
// allocates only when dst lacks capacity.
func AppendAuthHeader(dst []byte, spi, seq uint32, authData []byte) ([]byte, error) {
	if len(authData)*2 < minAuthData || len(authData)*2 > maxAuthData {
		return dst, ErrBadAuth
	}
	dst = append(dst, "AU=0x"...)
	dst = appendHex32(dst, spi)
	dst = append(dst, ":0x"...)
	dst = appendHex32(dst, seq)
	dst = append(dst, ":0x"...)
	for _, c := range authData {
		dst = append(dst, upperHex[c>>4], upperHex[c&0xF])
	}
	return dst, nil
}

func appendHex32(dst []byte, v uint32) []byte {
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, upperHex[v>>uint(shift)&0xF])
	}
	return dst
}

// AppendQuoted appends s as a quotedString, in double quotes, to dst. A
// quotedString cannot hold a double quote, a line end or another control
// character but HTAB (RFC 3525 B.2); for such s it returns dst unchanged
// and ErrBadValue. Bytes from 0x80 pass (UTF-8). It allocates only when dst
// lacks capacity.
func AppendQuoted(dst, s []byte) ([]byte, error) {
	if !allClass(s, cQuoted) && len(s) > 0 {
		return dst, ErrBadValue
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"'), nil
}
