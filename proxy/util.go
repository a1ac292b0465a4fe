package proxy

import (
	"net/netip"
	"strconv"
)

// hostPort turns an IP-literal host (IPv6 in brackets) and a port (0 for the
// SIP default 5060) into an address. Host names are not resolved.
func hostPort(host []byte, port int) (netip.AddrPort, bool) {
	addr, ok := parseIP(trimBrackets(host))
	if !ok {
		return netip.AddrPort{}, false
	}
	if port == 0 {
		port = 5060
	}
	if port < 0 || port > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr, uint16(port)), true
}

// trimBrackets removes the brackets of an IPv6 reference.
func trimBrackets(h []byte) []byte {
	if len(h) >= 2 && h[0] == '[' && h[len(h)-1] == ']' {
		return h[1 : len(h)-1]
	}
	return h
}

// equalFold compares ASCII case-insensitively.
func equalFold(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func appendInt(out []byte, n int) []byte { return strconv.AppendInt(out, int64(n), 10) }
