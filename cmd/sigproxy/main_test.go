package main

import (
	"net/netip"
	"testing"
)

// TestH248Flags checks the H.248 flags' defaults and that an empty
// -h248-listen disables H.248.
func TestH248Flags(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.h248Listen != ":2944" || o.h248Softswitch != "127.0.0.1:2945" {
		t.Fatalf("defaults: -h248-listen %q -h248-softswitch %q", o.h248Listen, o.h248Softswitch)
	}
	got, err := parseListen(o.h248Listen)
	if err != nil || got != netip.MustParseAddrPort("0.0.0.0:2944") {
		t.Fatalf("parseListen(%q) = %v, %v", o.h248Listen, got, err)
	}
	o, err = parseFlags([]string{"-h248-listen", "", "-keys", "/nonexistent"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := o.config(nil)
	if err == nil {
		t.Fatal("config without a key file succeeded")
	}
	if cfg.H248Listen.IsValid() {
		t.Errorf("empty -h248-listen gave %v, want H.248 disabled", cfg.H248Listen)
	}
	if _, err := parseListen("nonsense"); err == nil {
		t.Error("parseListen accepted nonsense")
	}
}
