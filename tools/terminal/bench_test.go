package terminal

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkRegister measures one full registration (two loopback round trips to the
// fake registrar, digest, SK unwrap, MAC check) on a reused terminal.
func BenchmarkRegister(b *testing.B) {
	for _, offer := range []string{"hmac-sha256", "ascon128a-v12", ""} {
		name := offer
		if name == "" {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			f := newFake(b, fakeOpts{noRecord: true})
			cfg := testConfig(f, "bench")
			if offer != "" {
				cfg.Offer = []string{offer}
			}
			term, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer term.Close()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := term.Register(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRunMany measures registrations of distinct terminals, 64 at a time, each
// with its own socket (the load generator's pattern).
func BenchmarkRunMany(b *testing.B) {
	f := newFake(b, fakeOpts{noRecord: true})
	cfgs := make([]Config, 256)
	for i := range cfgs {
		cfgs[i] = testConfig(f, fmt.Sprintf("load%d", i), "hmac-sha256;q=0.5")
		cfgs[i].T1, cfgs[i].Timeout = DefaultT1, DefaultTimeout // RFC timers under load
	}
	b.ReportAllocs()
	retrans := 0
	for b.Loop() {
		for _, r := range RunMany(context.Background(), cfgs, 64) {
			if !r.Secured() {
				b.Fatalf("%s: %s", r.Identity, r.Outcome)
			}
			retrans += r.Retransmissions
		}
	}
	regs := float64(b.N * len(cfgs))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/regs, "ns/registration")
	b.ReportMetric(float64(retrans)/regs, "retransmits/registration")
}
