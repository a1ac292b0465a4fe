package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDemoPasses runs the demo with one terminal per mix: every SIP terminal, H.248
// gateway and MGCP gateway must end as its mix promises, and the table must show
// the three protocols and both paths.
func TestDemoPasses(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-per-mix", "1"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	text := out.String()
	for _, want := range []string{"PROTO", " sip ", " h248 ", " mgcp ", "gw direct mode",
		"gw wrong Kc", "mgcp direct mode", "mgcp wrong Kc",
		"PASS: all 25 terminals ended as expected", "MGC: 4 gateways registered (3 with keys)",
		"CA: 5 gateways registered (4 with keys), 1 refused with 510"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "MISMATCH") {
		t.Errorf("mismatch in:\n%s", text)
	}
}

// TestDemoFlags refuses a per-mix below one.
func TestDemoFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-per-mix", "0"}, &out, &errOut); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}
