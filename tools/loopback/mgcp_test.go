package loopback

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/tools/terminal"
)

// TestMGCPEndToEnd registers MGCP gateways through the running proxy (it chooses,
// opens the CA's proxy copy and MACs the success RQNT, §12.2) and directly at the
// softswitch's call agent, and checks each outcome the design promises: both
// mechanisms with a verified MAC, a plain gateway, nothing supported, a wrong Kc.
func TestMGCPEndToEnd(t *testing.T) {
	ids := []string{"gw-hmac", "gw-ascon", "gw-refused", "gw-plain", "gw-wrong", "gw-direct"}
	sys := startSystem(t, Options{Subscribers: ids})
	cases := []struct {
		id, offer, mech, outcome string
		direct, secured          bool
	}{
		{"gw-hmac", "hmac-sha256;q=0.9, ascon128a-v12;q=0.5", "hmac-sha256",
			terminal.OutcomeRegistered, false, true},
		{"gw-ascon", "hmac-sha256;q=0.2, ascon128a-v12;q=0.7", "ascon128a-v12",
			terminal.OutcomeRegistered, false, true},
		{"gw-refused", "ipsec-3gpp;q=0.9, tls;q=0.5", "", terminal.OutcomeRefused, false, false},
		{"gw-plain", "", "", terminal.OutcomeRegistered, false, false},
		{"gw-wrong", "hmac-sha256", "hmac-sha256", terminal.OutcomeForbidden, false, false},
		{"gw-direct", "ascon128a-v12;q=0.9, hmac-sha256;q=0.5", "ascon128a-v12",
			terminal.OutcomeRegistered, true, true},
	}
	cfgs := make([]terminal.Config, len(cases))
	for i, c := range cases {
		cfgs[i] = terminal.Config{Protocol: terminal.ProtocolMGCP, Identity: c.id,
			Kc: sys.Kc(c.id), Proxy: sys.MGCPProxyAddr(), Offer: terminal.SplitOffer(c.offer),
			T1: 100 * time.Millisecond}
		if c.direct {
			cfgs[i].Proxy = sys.MGCPSoftswitchAddr()
		}
	}
	cfgs[4].Kc = sys.Kc("gw-hmac")
	reports := terminal.RunMany(context.Background(), cfgs, 0)
	for i, c := range cases {
		r := reports[i]
		if r.Outcome != c.outcome || r.Mechanism != c.mech || r.Secured() != c.secured {
			t.Errorf("%s: outcome %q mechanism %q secured %v; want %q %q %v\n%s",
				c.id, r.Outcome, r.Mechanism, r.Secured(), c.outcome, c.mech, c.secured,
				strings.Join(r.Steps, "\n"))
		}
	}
	ss := sys.Softswitch.Stats()
	if ss.MGCPKeysDistributed != 3 || ss.MGCPRegistered != 4 || ss.MGCPGatewayErrors != 0 {
		t.Errorf("call agent: %d keys, %d registered, %d gateway errors; want 3, 4, 0",
			ss.MGCPKeysDistributed, ss.MGCPRegistered, ss.MGCPGatewayErrors)
	}
	if st := sys.Proxy.Handler().Stats(); st.ChosenByMech["hmac-sha256"] < 1 ||
		st.ChosenByMech["ascon128a-v12"] < 1 {
		t.Errorf("proxy chose %v, want both mechanisms", st.ChosenByMech)
	}
}
