package proxy

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestMGCPLogsOutcomesWithoutKeys runs a refusal, a failed key distribution
// and a registration with every level on: each outcome is one line naming
// the gateway and the reason, and no line holds SK, Ksp or a key derived
// from them.
func TestMGCPLogsOutcomesWithoutKeys(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	wd := newMGCPStepWorld(t, func(c *Config) { c.Logger = zap.New(core) })
	wd.fromGW("gw2", mgcpRegRSIP(50, testDomain2, "tls"), "gw2")
	bad, _ := wd.keyDist("gw1", skd.WrapAscon128aV12, "99")
	wd.toSuccess(bad)
	good, _ := wd.keyDist("gw1", skd.WrapAscon128aV12, testKID)
	wd.toSuccess(good)

	want := map[string]string{
		"registration refused": ReasonMGCPNoMechanism.String(),
		"registration failed":  ReasonMGCPUnknownKID.String(),
		"registered":           "",
	}
	for _, e := range logs.All() {
		f := e.ContextMap()
		if r, ok := want[e.Message]; ok && f["reason"] == nil == (r == "") &&
			(r == "" || f["reason"] == r) && f["gateway"] != nil && f["protocol"] == "mgcp" {
			delete(want, e.Message)
		}
	}
	if len(want) > 0 {
		t.Errorf("outcome lines missing: %v (logged: %d lines)", want, logs.Len())
	}
	pkek := skd.ProxyKEK(wd.ksp)
	assertNoSecrets(t, logs, wd.sk[:], wd.ksp, pkek[:])
}
