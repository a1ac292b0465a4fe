package main

import (
	"errors"
	"testing"

	"github.com/sigproxy/sigproxy/tools/softswitch"
)

func TestRunRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want error
	}{
		{[]string{"--digest", "SHA-1"}, softswitch.ErrBadDigestAlg},
		{[]string{"--mechanisms", "rot13"}, softswitch.ErrBadMechanism},
		{[]string{"--realm", `bad"realm`}, softswitch.ErrBadRealm},
		{[]string{"--mgcp-gateways", "127.0.0.1:notaport"}, softswitch.ErrBadGateways},
	}
	for _, c := range cases {
		if err := run(c.args); !errors.Is(err, c.want) {
			t.Errorf("run(%q) = %v, want %v", c.args, err, c.want)
		}
	}
	if err := run([]string{"--log-level", "loud"}); err == nil {
		t.Error("unknown log level accepted")
	}
	if err := run([]string{"--no-such-flag"}); err == nil {
		t.Error("unknown flag accepted")
	}
	if err := run([]string{"--listen", "127.0.0.1:notaport"}); err == nil {
		t.Error("bad listen address accepted")
	}
	if err := run([]string{"--listen", "127.0.0.1:0", "--ac", "http://127.0.0.1:1",
		"--h248-listen", "127.0.0.1:notaport"}); err == nil {
		t.Error("bad h248 listen address accepted")
	}
	if err := run([]string{"--listen", "127.0.0.1:0", "--ac", "http://127.0.0.1:1",
		"--h248-listen", "", "--mgcp-listen", "127.0.0.1:notaport"}); err == nil {
		t.Error("bad mgcp listen address accepted")
	}
}
