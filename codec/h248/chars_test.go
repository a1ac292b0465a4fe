package h248

import "testing"

func TestSkipLWSP(t *testing.T) {
	cases := []struct {
		in   string
		from int
		want int
	}{
		{"", 0, 0},
		{"x", 0, 0},
		{" \t\r\n x", 0, 5},
		{";", 0, 1},
		{"a;", 1, 2},
		{"; c\r\n x", 0, 6},
		{"; c\rx", 0, 4},
		{";;\n;\n", 0, 5},
		{"x ;", 1, 3},
	}
	for _, c := range cases {
		if got := skipLWSP([]byte(c.in), c.from); got != c.want {
			t.Errorf("skipLWSP(%q, %d) = %d, want %d", c.in, c.from, got, c.want)
		}
	}
}

func TestParseDec(t *testing.T) {
	cases := []struct {
		in     string
		digits int
		max    uint64
		want   uint64
		err    error
	}{
		{"0", 10, maxUint32, 0, nil},
		{"4294967295", 10, maxUint32, 4294967295, nil},
		{"4294967296", 10, maxUint32, 0, ErrNumberTooLarge},
		{"00000000001", 10, maxUint32, 0, ErrNumberTooLarge},
		{"999999999999999999999", 10, maxUint32, 0, ErrNumberTooLarge},
		{"", 10, maxUint32, 0, ErrBadNumber},
		{"1a", 10, maxUint32, 0, ErrBadNumber},
		{"-1", 10, maxUint32, 0, ErrBadNumber},
		{"65535", 5, maxUint16, 65535, nil},
		{"99", 2, 99, 99, nil},
	}
	for _, c := range cases {
		got, err := parseDec([]byte(c.in), c.digits, c.max)
		if got != c.want || err != c.err {
			t.Errorf("parseDec(%q) = %d, %v", c.in, got, err)
		}
	}
}

func TestIsTimestamp(t *testing.T) {
	for in, want := range map[string]bool{"19990729T22000000": true, "19990729t22000000": true,
		"19990729X22000000": false, "1999072T922000000": false, "19990729T2200000": false,
		"19990729T2200000a": false} {
		if isTimestamp([]byte(in)) != want {
			t.Errorf("isTimestamp(%q) != %v", in, want)
		}
	}
}

// TestSkipRun checks the eight-at-a-time scan against the byte loop at
// every start and length, with the run ending at every byte value.
func TestSkipRun(t *testing.T) {
	tables := []struct {
		stop *[256]uint8
		m    uint16
		in   byte // a byte of the class, to build runs
	}{{&stopName, cName, 'a'}, {&stopSafe, cSafe, '9'}, {&stopQuoted, cQuoted, ' '}}
	for _, tb := range tables {
		for n := 0; n <= 20; n++ {
			for c := range 256 {
				b := make([]byte, n+1)
				for k := range n {
					b[k] = tb.in
				}
				b[n] = byte(c)
				for _, buf := range [][]byte{b, b[:n]} {
					for i := 0; i <= len(buf); i++ {
						got, want := skipRun(buf, i, tb.stop), skipClass(buf, i, tb.m)
						if got != want {
							t.Fatalf("skipRun(%q, %d) = %d, want %d", buf, i, got, want)
						}
					}
				}
			}
		}
	}
}

// TestScalarEnd checks that in a parenthesised body a ')' ends a value.
func TestScalarEnd(t *testing.T) {
	for _, c := range []struct {
		in           string
		plain, paren int
	}{{"abc)def,", 7, 3}, {"0123456789)", 11, 10}, {"a", 1, 1}, {")", 1, 0}, {"x=y", 1, 1}} {
		if got := scalarEnd([]byte(c.in), 0, '}'); got != c.plain {
			t.Errorf("scalarEnd(%q, '}') = %d, want %d", c.in, got, c.plain)
		}
		if got := scalarEnd([]byte(c.in), 0, ')'); got != c.paren {
			t.Errorf("scalarEnd(%q, ')') = %d, want %d", c.in, got, c.paren)
		}
	}
}

// TestIPv4End checks the one-pass IPv4 mId scan against isIPv4.
func TestIPv4End(t *testing.T) {
	for _, h := range []string{"192.0.2.1", "0.0.0.0", "255.255.255.255", "256.0.0.1",
		"1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.1000", "1..2.3", ".1.2.3", "1.2.3.", "",
		"2001:db8::1", "::1", "1.2.3.4a", "1234.1.1.1", "9.9.9.9"} {
		b := []byte("[" + h + "]:2944")
		got := ipv4End(b, 1)
		want := -1
		if isIPv4([]byte(h)) {
			want = len(h) + 1
		}
		if got != want {
			t.Errorf("ipv4End(%q) = %d, want %d", b, got, want)
		}
	}
	if ipv4End([]byte("[1.2.3.4"), 1) != -1 {
		t.Error("ipv4End without ']'")
	}
}

// TestIsMegaco checks the word comparison of the version token.
func TestIsMegaco(t *testing.T) {
	for in, want := range map[string]bool{"MEGACO/1": true, "megaco": true, "MeGaCo/": true,
		"MEGAC": false, "MEGAC0/1": false, "MEG@CO/1": false, "-EGACO": false, "MEGACP": false} {
		if isMegaco([]byte(in), 0) != want {
			t.Errorf("isMegaco(%q) != %v", in, want)
		}
	}
	if !isMegaco([]byte(" MEGACO"), 1) || isMegaco([]byte("MEGACO"), 1) || isMegaco(nil, 0) {
		t.Error("isMegaco at an offset")
	}
}

// TestScanPort checks the one-pass port against its limits.
func TestScanPort(t *testing.T) {
	for _, c := range []struct {
		in   string
		end  int
		port uint16
		err  error
	}{{"2944", 4, 2944, nil}, {"65535]", 5, 65535, nil}, {"0", 1, 0, nil},
		{"65536", 5, 0, ErrNumberTooLarge}, {"123456", 6, 0, ErrNumberTooLarge},
		{"", 0, 0, ErrBadMID}, {"x", 0, 0, ErrBadMID}} {
		end, port, err := scanPort([]byte(c.in), 0)
		if end != c.end || err != c.err || err == nil && port != c.port {
			t.Errorf("scanPort(%q) = %d, %d, %v", c.in, end, port, err)
		}
	}
}
