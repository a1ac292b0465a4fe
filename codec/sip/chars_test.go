package sip

import "testing"

func TestIsToken(t *testing.T) {
	for _, s := range []string{"REGISTER", "a", "!interesting-Method0123456789_*+`.%indeed'~",
		"sec-agree", "ascon128a-v12"} {
		if !IsToken([]byte(s)) {
			t.Errorf("IsToken(%q) = false", s)
		}
	}
	for _, s := range []string{"", "a b", "a:b", "a/b", `"a"`, "a,b", "a;b", "a=b", "é", "a\x00",
		"a(b)", "<a>", "a?", "a@b", "[a]", "a\tb", "{a}", "a\\b"} {
		if IsToken([]byte(s)) {
			t.Errorf("IsToken(%q) = true", s)
		}
	}
}

func TestTrimAndUnquote(t *testing.T) {
	if got := trimLWS([]byte(" \t\r\n a b \r\n\t")); string(got) != "a b" {
		t.Errorf("trimLWS = %q", got)
	}
	for in, want := range map[string]string{`"a"`: "a", `""`: "", `"`: `"`, "a": "a", `"a`: `"a`} {
		if got := unquote([]byte(in)); string(got) != want {
			t.Errorf("unquote(%q) = %q", in, got)
		}
	}
}

func TestNextLF(t *testing.T) {
	cases := []struct {
		in     string
		lf     int
		bareCR bool
	}{
		{"abc\r\n", 4, false},
		{"abc\n", 3, false},
		{"0123456789abcdef\r\n", 17, false},
		{"0123456789abcdef", -1, false},
		{"01234567\r89abcdef\n", 17, true},
		{"0123\r4567\r\n", 10, true},
		{"\n", 0, false},
		{"", -1, false},
		{"abc\r", -1, true},
	}
	for _, c := range cases {
		lf, cr := nextLF([]byte(c.in), 0)
		if lf != c.lf || cr != c.bareCR {
			t.Errorf("nextLF(%q) = %d %v, want %d %v", c.in, lf, cr, c.lf, c.bareCR)
		}
	}
	for in, want := range map[string]int{"Via: x": 3, "Content-Length:0": 14, "abcdefgh\r": 8,
		"abcdefghij": 10, "\n": 0, "Security-Client : x": 16} {
		if got := nextColon([]byte(in), 0); got != want {
			t.Errorf("nextColon(%q) = %d, want %d", in, got, want)
		}
	}
}
