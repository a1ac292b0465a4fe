package proxy

import "net/netip"

// parseIP parses an IPv4 dotted quad or an IPv6 address (RFC 4291 §2.2,
// with "::" and a trailing dotted quad) without allocating; netip.ParseAddr
// needs a string, and converting the datagram's bytes would allocate on every
// response. Zones are not accepted: a SIP peer's address has none.
func parseIP(b []byte) (netip.Addr, bool) {
	for _, c := range b {
		if c == ':' {
			return parseIPv6(b)
		}
	}
	v4, ok := parseIPv4(b)
	if !ok {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(v4), true
}

// parseIPv4 parses a dotted quad of decimal octets without leading zeros.
func parseIPv4(b []byte) ([4]byte, bool) {
	var ip [4]byte
	octet, digits, n := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || n == 4 {
				return ip, false
			}
			ip[n] = byte(octet)
			n++
			octet, digits = 0, 0
			continue
		}
		c := b[i]
		if c < '0' || c > '9' || (digits == 1 && octet == 0) {
			return ip, false
		}
		octet = octet*10 + int(c-'0')
		digits++
		if octet > 255 {
			return ip, false
		}
	}
	return ip, n == 4
}

// parseIPv6 parses eight hex groups, one "::" standing for one or more zero
// groups, and an optional trailing dotted quad.
func parseIPv6(b []byte) (netip.Addr, bool) {
	var ip [16]byte
	ellipsis := -1 // byte index in ip where "::" stands
	i, n := 0, 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		ellipsis, i = 0, 2
	}
	for i < len(b) && n < 16 {
		j, v := i, 0
		for j < len(b) && j-i < 4 && hexVal(b[j]) >= 0 {
			v = v<<4 | hexVal(b[j])
			j++
		}
		if j < len(b) && b[j] == '.' {
			if n > 12 {
				return netip.Addr{}, false
			}
			v4, ok := parseIPv4(b[i:])
			if !ok {
				return netip.Addr{}, false
			}
			copy(ip[n:], v4[:])
			n, i = n+4, len(b)
			break
		}
		if j == i {
			return netip.Addr{}, false
		}
		ip[n], ip[n+1] = byte(v>>8), byte(v)
		n += 2
		i = j
		if i == len(b) {
			break
		}
		if b[i] != ':' || i+1 == len(b) {
			return netip.Addr{}, false
		}
		i++
		if b[i] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false
			}
			ellipsis = n
			i++
		}
	}
	if i != len(b) {
		return netip.Addr{}, false
	}
	if n < 16 {
		if ellipsis < 0 {
			return netip.Addr{}, false
		}
		shift := 16 - n
		copy(ip[ellipsis+shift:], ip[ellipsis:n])
		clear(ip[ellipsis : ellipsis+shift])
	} else if ellipsis >= 0 {
		return netip.Addr{}, false // "::" must stand for at least one group
	}
	return netip.AddrFrom16(ip), true
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
