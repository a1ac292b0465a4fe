package main

import (
	"fmt"
	"net"

	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// mix is one kind of terminal in the demo and what must happen to it.
type mix struct {
	name    string // short label in the table
	proto   string // terminal.ProtocolH248 or ProtocolMGCP for a gateway, "" for SIP
	offer   string // Security-Client entries, "" for a plain registration
	digest  string // digest algorithm the terminal prefers ("" = SHA-256 first)
	direct  bool   // register at the softswitch, not through the proxy
	wrongKc bool   // use another subscriber's Kc (the softswitch must refuse)

	wantOutcome string
	wantMech    string
	wantSecured bool // SK opened and MAC verified
}

// secured mixes go through the proxy and must end with a verified MAC; each
// exercises one rule of the mechanism choice (docs/PROTOCOL.md §2).
var secured = []mix{
	{name: "hmac first", offer: "hmac-sha256;q=0.9, ascon128a-v12;q=0.5", wantMech: "hmac-sha256"},
	{name: "ascon first", offer: "ascon128a-v12;q=0.9, hmac-sha256;q=0.5", wantMech: "ascon128a-v12"},
	{name: "ascon only", offer: "ascon128a-v12", wantMech: "ascon128a-v12"},
	{name: "unsupported first", offer: "ipsec-3gpp;q=1, hmac-sha256;q=0.1", wantMech: "hmac-sha256"},
	{name: "tie: first listed", offer: "hmac-sha256;q=0.5, ascon128a-v12;q=0.5", wantMech: "hmac-sha256"},
	{name: "bad q skipped", offer: "hmac-sha256;q=1.5, ascon128a-v12;q=0.2", wantMech: "ascon128a-v12"},
	{name: "absent q last", offer: "ascon128a-v12, hmac-sha256;q=0.1", wantMech: "hmac-sha256"},
	{name: "MD5 digest", offer: "hmac-sha256;q=0.7", digest: skd.DigestMD5, wantMech: "hmac-sha256"},
}

// gateways are the H.248 media gateways and MGCP gateways through the proxy that
// must end with a verified authentication header (docs/PROTOCOL.md §11) or MAC
// (§12).
var gateways = []mix{
	{name: "gw hmac first", proto: terminal.ProtocolH248, offer: "hmac-sha256;q=0.9, ascon128a-v12;q=0.5",
		wantMech: "hmac-sha256"},
	{name: "gw ascon first", proto: terminal.ProtocolH248, offer: "hmac-sha256;q=0.2, ascon128a-v12;q=0.7",
		wantMech: "ascon128a-v12"},
	{name: "mgcp hmac first", proto: terminal.ProtocolMGCP,
		offer: "hmac-sha256;q=0.9, ascon128a-v12;q=0.5", wantMech: "hmac-sha256"},
	{name: "mgcp ascon first", proto: terminal.ProtocolMGCP,
		offer: "hmac-sha256;q=0.2, ascon128a-v12;q=0.7", wantMech: "ascon128a-v12"},
	{name: "mgcp ascon only", proto: terminal.ProtocolMGCP, offer: "ascon128a-v12",
		wantMech: "ascon128a-v12"},
}

// specials are the terminals that must not end with a key, and direct mode.
var specials = []mix{
	{name: "nothing supported", offer: "ipsec-3gpp;q=0.9, tls;q=0.5", wantOutcome: terminal.OutcomeRefused},
	{name: "plain (no sec-agree)", wantOutcome: terminal.OutcomeRegistered},
	{name: "wrong Kc", offer: "hmac-sha256;q=0.5", wrongKc: true,
		wantOutcome: terminal.OutcomeForbidden, wantMech: "hmac-sha256"},
	{name: "direct mode", offer: "ascon128a-v12;q=0.9, hmac-sha256;q=0.5", direct: true,
		wantOutcome: terminal.OutcomeRegistered, wantMech: "ascon128a-v12", wantSecured: true},
	{name: "gw nothing supported", proto: terminal.ProtocolH248, offer: "ipsec-3gpp;q=0.9",
		wantOutcome: terminal.OutcomeRefused},
	{name: "gw plain (no offer)", proto: terminal.ProtocolH248, wantOutcome: terminal.OutcomeRegistered},
	{name: "gw wrong Kc", proto: terminal.ProtocolH248, offer: "hmac-sha256;q=0.5", wrongKc: true,
		wantOutcome: terminal.OutcomeForbidden, wantMech: "hmac-sha256"},
	{name: "gw direct mode", proto: terminal.ProtocolH248, offer: "ascon128a-v12;q=0.9, hmac-sha256;q=0.5",
		direct: true, wantOutcome: terminal.OutcomeRegistered, wantMech: "ascon128a-v12",
		wantSecured: true},
	{name: "mgcp nothing supported", proto: terminal.ProtocolMGCP, offer: "ipsec-3gpp;q=0.9",
		wantOutcome: terminal.OutcomeRefused},
	{name: "mgcp plain (no offer)", proto: terminal.ProtocolMGCP,
		wantOutcome: terminal.OutcomeRegistered},
	{name: "mgcp wrong Kc", proto: terminal.ProtocolMGCP, offer: "hmac-sha256;q=0.5",
		wrongKc: true, wantOutcome: terminal.OutcomeForbidden, wantMech: "hmac-sha256"},
	{name: "mgcp direct mode", proto: terminal.ProtocolMGCP,
		offer: "hmac-sha256;q=0.9, ascon128a-v12;q=0.5", direct: true,
		wantOutcome: terminal.OutcomeRegistered, wantMech: "hmac-sha256", wantSecured: true},
}

// entry is one terminal of the plan.
type entry struct {
	identity string
	mix      mix
}

type plan []entry

// buildPlan gives perMix terminals to each secured mix and each gateway mix, then
// the specials.
func buildPlan(perMix int) plan {
	var p plan
	mixes := map[string]int{} // mixes per identity prefix so far
	for _, m := range append(append([]mix(nil), secured...), gateways...) {
		m.wantOutcome, m.wantSecured = terminal.OutcomeRegistered, true
		prefix := map[string]string{"": "user", terminal.ProtocolH248: "mg",
			terminal.ProtocolMGCP: "gw"}[m.proto]
		mixes[prefix]++
		for j := 0; j < perMix; j++ {
			p = append(p, entry{identity: fmt.Sprintf("%s%02d%02d", prefix, mixes[prefix],
				j+1), mix: m})
		}
	}
	for i, m := range specials {
		p = append(p, entry{identity: fmt.Sprintf("special%02d", i+1), mix: m})
	}
	return p
}

func (p plan) identities() []string {
	ids := make([]string, len(p))
	for i, e := range p {
		ids[i] = e.identity
	}
	return ids
}

// configs turns the plan into terminal configurations against sys.
func (p plan) configs(sys *loopback.System) []terminal.Config {
	cfgs := make([]terminal.Config, len(p))
	for i, e := range p {
		kc := sys.Kc(e.identity)
		if e.mix.wrongKc {
			kc = sys.Kc(p[0].identity)
		}
		cfgs[i] = terminal.Config{
			Protocol: e.mix.protocol(),
			Identity: e.identity,
			Kc:       kc,
			Proxy:    e.mix.target(sys),
			Offer:    terminal.SplitOffer(e.mix.offer),
			// Gateways through the proxy send one worded request after
			// registering and check the word on its success (§13).
			GatewayWords: e.mix.proto != "" && !e.mix.direct,
		}
		if e.mix.digest != "" {
			cfgs[i].DigestAlg = []string{e.mix.digest}
		}
	}
	return cfgs
}

// target is where the mix's terminals send: the proxy's socket for their
// protocol, or the softswitch's in direct mode.
func (m mix) target(sys *loopback.System) *net.UDPAddr {
	switch {
	case m.proto == terminal.ProtocolH248 && m.direct:
		return sys.H248SoftswitchAddr()
	case m.proto == terminal.ProtocolH248:
		return sys.H248ProxyAddr()
	case m.proto == terminal.ProtocolMGCP && m.direct:
		return sys.MGCPSoftswitchAddr()
	case m.proto == terminal.ProtocolMGCP:
		return sys.MGCPProxyAddr()
	case m.direct:
		return sys.SoftswitchAddr()
	}
	return sys.ProxyAddr()
}

// protocol names the mix's protocol as the terminal package does.
func (m mix) protocol() string {
	if m.proto == "" {
		return terminal.ProtocolSIP
	}
	return m.proto
}

// check compares a report with what the mix promises; "" when it matches.
func (m mix) check(r terminal.Report) string {
	switch {
	case r.Outcome != m.wantOutcome:
		return "want " + m.wantOutcome
	case r.Mechanism != m.wantMech:
		return "want mechanism " + orNone(m.wantMech)
	case r.Secured() != m.wantSecured:
		return fmt.Sprintf("want secured=%v", m.wantSecured)
	case m.proto != "" && !m.direct && r.Secured() && r.WordsVerified != 1:
		return fmt.Sprintf("want 1 gateway word verified, got %d", r.WordsVerified)
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
