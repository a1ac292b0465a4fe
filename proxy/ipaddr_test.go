package proxy

import (
	"net/netip"
	"testing"
)

func TestParseIPAgreesWithNetip(t *testing.T) {
	for _, s := range []string{
		"127.0.0.1", "0.0.0.0", "255.255.255.255", "192.0.2.010", "1.2.3", "1.2.3.4.5",
		"256.1.1.1", "1..2.3", "", ".", "::", "::1", "1::", "2001:db8::1", "2001:db8:0:0:0:0:0:1",
		"2001:db8::0:1:2:3:4:5", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::",
		"::ffff:192.0.2.1", "::ffff:192.0.2", "1::2::3", ":1::2", "1:2:3:4:5:6:7:", "12345::",
		"fe80::1%eth0", "::ffff:1.2.3.4:5", "1:2:3:4:5:6:1.2.3.4", "a:b:c:d:e:f:1.2.3.4",
		"[::1]", "abcd", "1:2:3:4:5:6:7::8",
	} {
		want, err := netip.ParseAddr(s)
		if err == nil && want.Zone() != "" {
			err = errZone
		}
		got, ok := parseIP([]byte(s))
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("parseIP(%q) = %v, %v; netip says %v, %v", s, got, ok, want, err)
		}
	}
}

func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::1", "2001:db8::1", "::ffff:192.0.2.1", "1:2::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := netip.ParseAddr(s)
		if err == nil && want.Zone() != "" {
			err = errZone
		}
		got, ok := parseIP([]byte(s))
		if ok != (err == nil) || (ok && got != want) {
			t.Fatalf("parseIP(%q) = %v, %v; netip says %v, %v", s, got, ok, want, err)
		}
	})
}

var errZone = errorString("zone")

type errorString string

func (e errorString) Error() string { return string(e) }
