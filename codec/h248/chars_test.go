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
	}{{stopName, cName, 'a'}, {stopSafe, cSafe, '9'}, {stopQuoted, cQuoted, ' '}}
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
