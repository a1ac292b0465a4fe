package main

import (
	"fmt"

	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/loopback"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// mix is one kind of terminal in the demo and what must happen to it.
type mix struct {
	name    string // short label in the table
	h248    bool   // an H.248 media gateway, not a SIP terminal
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

// gateways are the H.248 media gateways through the proxy that must end with a
// verified authentication header (docs/PROTOCOL.md §11).
var gateways = []mix{
	{name: "gw hmac first", h248: true, offer: "hmac-sha256;q=0.9, ascon128a-v12;q=0.5",
		wantMech: "hmac-sha256"},
	{name: "gw ascon first", h248: true, offer: "hmac-sha256;q=0.2, ascon128a-v12;q=0.7",
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
	{name: "gw nothing supported", h248: true, offer: "ipsec-3gpp;q=0.9",
		wantOutcome: terminal.OutcomeRefused},
	{name: "gw plain (no offer)", h248: true, wantOutcome: terminal.OutcomeRegistered},
	{name: "gw wrong Kc", h248: true, offer: "hmac-sha256;q=0.5", wrongKc: true,
		wantOutcome: terminal.OutcomeForbidden, wantMech: "hmac-sha256"},
	{name: "gw direct mode", h248: true, offer: "ascon128a-v12;q=0.9, hmac-sha256;q=0.5",
		direct: true, wantOutcome: terminal.OutcomeRegistered, wantMech: "ascon128a-v12",
		wantSecured: true},
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
	for i, m := range append(append([]mix(nil), secured...), gateways...) {
		m.wantOutcome, m.wantSecured = terminal.OutcomeRegistered, true
		prefix := "user"
		if m.h248 {
			prefix, i = "mg", i-len(secured)
		}
		for j := 0; j < perMix; j++ {
			p = append(p, entry{identity: fmt.Sprintf("%s%02d%02d", prefix, i+1, j+1), mix: m})
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
			Proxy:    sys.ProxyAddr(),
			Offer:    terminal.SplitOffer(e.mix.offer),
		}
		if e.mix.digest != "" {
			cfgs[i].DigestAlg = []string{e.mix.digest}
		}
		switch {
		case e.mix.h248 && e.mix.direct:
			cfgs[i].Proxy = sys.H248SoftswitchAddr()
		case e.mix.h248:
			cfgs[i].Proxy = sys.H248ProxyAddr()
		case e.mix.direct:
			cfgs[i].Proxy = sys.SoftswitchAddr()
		}
	}
	return cfgs
}

// protocol names the mix's protocol as the terminal package does.
func (m mix) protocol() string {
	if m.h248 {
		return terminal.ProtocolH248
	}
	return terminal.ProtocolSIP
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
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
