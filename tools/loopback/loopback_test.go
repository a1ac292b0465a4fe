package loopback

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/tools/terminal"
)

func startSystem(t *testing.T, opt Options) *System {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sys, err := Start(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sys.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return sys
}

// TestRegistrationsEndToEnd registers real terminals through the running
// proxy and directly at the softswitch, and checks each outcome the design
// promises.
func TestRegistrationsEndToEnd(t *testing.T) {
	ids := []string{"hmac", "ascon", "refused", "plain", "direct"}
	sys := startSystem(t, Options{Subscribers: ids})
	cases := []struct {
		id, offer, mech, outcome string
		direct, secured          bool
	}{
		{"hmac", "hmac-sha256;q=0.9, ascon128a-v12;q=0.5", "hmac-sha256", terminal.OutcomeRegistered, false, true},
		{"ascon", "hmac-sha256;q=0.2, ascon128a-v12;q=0.7", "ascon128a-v12", terminal.OutcomeRegistered, false, true},
		{"refused", "ipsec-3gpp;q=0.9, tls;q=0.5", "", terminal.OutcomeRefused, false, false},
		{"plain", "", "", terminal.OutcomeRegistered, false, false},
		{"direct", "ascon128a-v12;q=0.9", "ascon128a-v12", terminal.OutcomeRegistered, true, true},
	}
	cfgs := make([]terminal.Config, len(cases))
	for i, c := range cases {
		cfgs[i] = terminal.Config{
			Identity: c.id, Kc: sys.Kc(c.id), Proxy: sys.ProxyAddr(),
			Offer: terminal.SplitOffer(c.offer), T1: 100 * time.Millisecond,
		}
		if c.direct {
			cfgs[i].Proxy = sys.SoftswitchAddr()
		}
	}
	reports := terminal.RunMany(context.Background(), cfgs, 0)
	for i, c := range cases {
		r := reports[i]
		if r.Outcome != c.outcome || r.Mechanism != c.mech || r.Secured() != c.secured {
			t.Errorf("%s: outcome %q mechanism %q secured %v; want %q %q %v\n%v",
				c.id, r.Outcome, r.Mechanism, r.Secured(), c.outcome, c.mech, c.secured, r.Steps)
		}
	}
	st := sys.Proxy.Handler().Stats()
	if st.Registered != 2 || st.Sessions != 2 {
		t.Errorf("proxy registered %d with %d sessions, want 2 and 2", st.Registered, st.Sessions)
	}
	if n := waitFor(func() int { return sys.AC.Successes() }, 4); n != 4 {
		t.Errorf("AC recorded %d successes, want 4 (two secured, plain, direct)", n)
	}
}

// TestWrongKeyIsForbidden registers with a Kc the AC does not hold for the
// identity: the digest check fails at the softswitch and no key is given out.
func TestWrongKeyIsForbidden(t *testing.T) {
	sys := startSystem(t, Options{Subscribers: []string{"alice", "mallory"}})
	r := terminal.Run(context.Background(), terminal.Config{
		Identity: "alice", Kc: sys.Kc("mallory"), Proxy: sys.ProxyAddr(),
		Offer: []string{"hmac-sha256;q=0.5"}, T1: 100 * time.Millisecond,
	})
	if r.Outcome != terminal.OutcomeForbidden || r.SKOpened {
		t.Errorf("outcome %q, SK opened %v; want forbidden, no key", r.Outcome, r.SKOpened)
	}
	if st := sys.Proxy.Handler().Stats(); st.Sessions != 0 {
		t.Errorf("proxy holds %d sessions after a forbidden registration", st.Sessions)
	}
}

// waitFor polls f until it returns want or two seconds pass, for counts that
// other components update after the terminal has its answer.
func waitFor(f func() int, want int) int {
	deadline := time.Now().Add(2 * time.Second)
	n := f()
	for n != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n = f()
	}
	return n
}

// TestGatewaysEndToEnd registers H.248 media gateways through the running proxy
// (both mechanisms, each opening SK and verifying the proxy's authentication
// header), one plain, one refused, one with the wrong Kc, and one directly at the
// softswitch's MGC.
func TestGatewaysEndToEnd(t *testing.T) {
	ids := []string{"gw-hmac", "gw-ascon", "gw-plain", "gw-refused", "gw-wrong", "gw-direct"}
	sys := startSystem(t, Options{Subscribers: ids})
	cases := []struct {
		id, offer, mech, outcome string
		direct, wrongKc, secured bool
	}{
		{"gw-hmac", "hmac-sha256;q=0.9, ascon128a-v12;q=0.5", "hmac-sha256",
			terminal.OutcomeRegistered, false, false, true},
		{"gw-ascon", "hmac-sha256;q=0.2, ascon128a-v12;q=0.7", "ascon128a-v12",
			terminal.OutcomeRegistered, false, false, true},
		{"gw-plain", "", "", terminal.OutcomeRegistered, false, false, false},
		{"gw-refused", "tls;q=0.5", "", terminal.OutcomeRefused, false, false, false},
		{"gw-wrong", "hmac-sha256", "hmac-sha256", terminal.OutcomeForbidden, false, true, false},
		{"gw-direct", "ascon128a-v12;q=0.9", "ascon128a-v12", terminal.OutcomeRegistered,
			true, false, true},
	}
	cfgs := make([]terminal.Config, len(cases))
	for i, c := range cases {
		cfgs[i] = terminal.Config{
			Protocol: terminal.ProtocolH248, Identity: c.id, Kc: sys.Kc(c.id),
			Proxy: sys.H248ProxyAddr(), Offer: terminal.SplitOffer(c.offer),
			T1: 100 * time.Millisecond,
		}
		if c.direct {
			cfgs[i].Proxy = sys.H248SoftswitchAddr()
		}
		if c.wrongKc {
			cfgs[i].Kc = sys.Kc("gw-hmac")
		}
	}
	reports := terminal.RunMany(context.Background(), cfgs, 0)
	for i, c := range cases {
		r := reports[i]
		if r.Outcome != c.outcome || r.Mechanism != c.mech || r.Secured() != c.secured {
			t.Errorf("%s: outcome %q mechanism %q secured %v; want %q %q %v\n%s",
				c.id, r.Outcome, r.Mechanism, r.Secured(), c.outcome, c.mech, c.secured,
				strings.Join(r.Steps, "\n"))
		}
	}
	st := sys.Softswitch.Stats()
	if st.H248KeysDistributed != 3 || st.Gateways != 4 {
		t.Errorf("MGC distributed %d keys to %d gateways, want 3 and 4",
			st.H248KeysDistributed, st.Gateways)
	}
	if ps := sys.Proxy.Handler().Stats(); ps.Sessions != 2 {
		t.Errorf("proxy holds %d session keys, want 2 (the secured gateways it served)",
			ps.Sessions)
	}
	if n := waitFor(func() int { return sys.AC.Successes() }, 3); n != 3 {
		t.Errorf("AC recorded %d successes, want 3 (two through the proxy, direct)", n)
	}
}
