package skd

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
)

func TestH248SPI(t *testing.T) {
	sk := []byte("0123456789abcdef")
	raw, err := hkdf.Key(sha256.New, sk, nil, "sigproxy-v1 h248-spi", 4)
	if err != nil {
		t.Fatal(err)
	}
	want := binary.BigEndian.Uint32(raw)

	got, err := H248SPI(sk)
	if err != nil || got != want {
		t.Fatalf("H248SPI = %#x, %v; want %#x", got, err, want)
	}
	m := NewMACer()
	if got, err := m.H248SPI(sk); err != nil || got != want {
		t.Fatalf("MACer.H248SPI = %#x, %v; want %#x", got, err, want)
	}
	other, _ := H248SPI([]byte("0123456789abcdeF"))
	if other == want {
		t.Fatal("two session keys give the same SPI")
	}
	if _, err := H248SPI(sk[:15]); !errors.Is(err, ErrBadKey) {
		t.Fatalf("short key: err = %v, want ErrBadKey", err)
	}
	if _, err := m.H248SPI(sk[:15]); !errors.Is(err, ErrBadKey) {
		t.Fatalf("short key (MACer): err = %v, want ErrBadKey", err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = m.H248SPI(sk) }); n != 0 {
		t.Fatalf("MACer.H248SPI allocates %v times", n)
	}
}
