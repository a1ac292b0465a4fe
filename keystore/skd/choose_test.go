package skd

import "testing"

func TestParseQ(t *testing.T) {
	cases := map[string]int{
		"0": 0, "1": 1000, "0.5": 500, "0.9": 900, "0.05": 50, "0.123": 123,
		"1.0": 1000, "1.000": 1000, "0.": 0, "1.": 1000,
		"1.5": QMalformed, "1.001": QMalformed, "abc": QMalformed, "": QMalformed,
		"0.1234": QMalformed, "2": QMalformed, ".5": QMalformed, "0,5": QMalformed,
		"-0": QMalformed, "0.a": QMalformed, " 0.5": QMalformed, "00": QMalformed,
	}
	for in, want := range cases {
		if got := ParseQ([]byte(in)); got != want {
			t.Errorf("ParseQ(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestChoose(t *testing.T) {
	const (
		H = MechHMACSHA256
		A = MechAscon128aV12
		N = MechNone
	)
	both := []Mechanism{H, A}
	cases := []struct {
		name      string
		offers    []Offer
		supported []Mechanism
		want      int
	}{
		{"highest q wins", []Offer{{H, 500}, {A, 900}}, both, 1},
		{"tie goes to first", []Offer{{A, 500}, {H, 500}}, both, 0},
		{"tie goes to first reversed", []Offer{{H, 500}, {A, 500}}, both, 0},
		{"absent below present", []Offer{{A, QAbsent}, {H, 0}}, both, 1},
		{"absent below q=0.001", []Offer{{H, QAbsent}, {A, 1}}, both, 1},
		{"all absent: first", []Offer{{A, QAbsent}, {H, QAbsent}}, both, 0},
		{"malformed never chosen", []Offer{{A, QMalformed}, {H, 100}}, both, 1},
		{"only malformed", []Offer{{A, QMalformed}, {H, QMalformed}}, both, -1},
		{"malformed beats nothing", []Offer{{H, QMalformed}, {A, QAbsent}}, both, 1},
		{"unsupported skipped", []Offer{{A, 1000}, {H, 100}}, []Mechanism{H}, 1},
		{"unknown name skipped", []Offer{{N, 1000}, {H, QAbsent}}, both, 1},
		{"nothing supported", []Offer{{A, 1000}}, []Mechanism{H}, -1},
		{"empty offer", nil, both, -1},
		{"empty supported", []Offer{{H, 1000}}, nil, -1},
		{"none never supported", []Offer{{N, 1000}}, []Mechanism{N}, -1},
		{"out-of-range q ignored", []Offer{{H, 5000}, {A, 10}}, both, 1},
		{"negative q ignored", []Offer{{H, -7}, {A, QAbsent}}, both, 1},
		{"duplicates: first of best", []Offer{{H, 300}, {A, 800}, {A, 800}}, both, 1},
	}
	for _, c := range cases {
		if got := Choose(c.offers, c.supported); got != c.want {
			t.Errorf("%s: Choose = %d, want %d", c.name, got, c.want)
		}
	}
}
