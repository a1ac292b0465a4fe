package config

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// newFlagSet declares flags the way cmd/sigproxy does, with defaults that
// differ from the file's so a test sees when a default leaks through.
func newFlagSet(args ...string) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet("sigproxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("config", "", "configuration file")
	fs.String("listen", "127.0.0.9:5060", "")
	fs.String("mechanisms", "hmac-sha256", "")
	fs.Int("pending-capacity", 7, "")
	fs.Int("pending-per-source", 7, "")
	fs.Duration("pending-ttl", 5*time.Second, "")
	fs.String("admin-listen", "", "")
	fs.Bool("pprof", false, "")
	return fs, fs.Parse(args)
}

func TestApplyFlagsOverridesOnlySetFlags(t *testing.T) {
	f, err := Parse([]byte("listen = \"127.0.0.2:5060\"\n[limits]\npending_ttl = \"30s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := newFlagSet("-config", "x.toml", "-pending-ttl", "2m",
		"-mechanisms", "ascon128a-v12, hmac-sha256", "-admin-listen", "127.0.0.1:0", "-pprof")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ApplyFlags(fs); err != nil {
		t.Fatal(err)
	}
	s, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if s.Proxy.Listen.String() != "127.0.0.2:5060" {
		t.Errorf("unset -listen overrode the file: %v", s.Proxy.Listen)
	}
	if s.Proxy.PendingCapacity != 65536 {
		t.Errorf("unset -pending-capacity overrode the default: %d", s.Proxy.PendingCapacity)
	}
	if s.Proxy.PendingTTL != 2*time.Minute {
		t.Errorf("-pending-ttl did not override the file: %v", s.Proxy.PendingTTL)
	}
	m := s.Proxy.Mechanisms
	if len(m) != 2 || m[0] != skd.MechAscon128aV12 || !s.Pprof || !s.AdminListen.IsValid() {
		t.Errorf("flags not applied: %v %+v", m, s)
	}
}

func TestApplyFlagsErrorNamesFlag(t *testing.T) {
	fs, err := newFlagSet("-pending-capacity", "0", "-pending-per-source", "0")
	if err != nil {
		t.Fatal(err)
	}
	err = Default().ApplyFlags(fs)
	if !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("ApplyFlags = %v", err)
	}
	want := "config: limits.pending_capacity (flag -pending-capacity): must be 1..10000000, got 0"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error\n%v\ndoes not contain\n%s", err, want)
	}
	if !strings.Contains(err.Error(), "limits.pending_per_source (flag -pending-per-source)") {
		t.Errorf("second flag not named: %v", err)
	}
}

func TestApplyFlagsRejectsUnparsableText(t *testing.T) {
	fs := flag.NewFlagSet("sigproxy", flag.ContinueOnError)
	fs.String("loops", "", "a flag declared as text, so any text passes the flag package")
	if err := fs.Parse([]string{"-loops", "four"}); err != nil {
		t.Fatal(err)
	}
	err := Default().ApplyFlags(fs)
	want := `config: limits.event_loops (flag -loops): must be a whole number, got "four"`
	if !errors.Is(err, ErrInvalidValue) || err.Error() != want {
		t.Errorf("ApplyFlags = %v, want %s", err, want)
	}
}
