package proxy

import (
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestH248LogsOutcomesWithoutKeys runs a registration, a refusal and a failed
// key distribution with every level on: each outcome is one line naming the
// gateway and the reason, and no line holds SK, Ksp or a key derived from
// them.
func TestH248LogsOutcomesWithoutKeys(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	wd := newStepWorld(t)
	old := wd.net.handler()
	h, err := NewHandler(Config{ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch,
		H248Listen: testH248Proxy, H248Softswitch: testMGC, Keyring: old.cfg.Keyring,
		Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	wd.net = &stepNet{h: h, w: h.NewWorker(), out: make([]byte, 0, 8192)}

	values, _ := wd.keyValues(skd.WrapAscon128aV12, testKID)
	wd.expect("mg2", regServiceChange(50, "tls"), "mg2")
	wd.toSuccess(strings.Replace(values, `"7"`, `"99"`, 1))
	wd.toSuccess(values)

	want := map[string]string{
		"registration refused": ReasonH248NoMechanism.String(),
		"registration failed":  ReasonH248UnknownKID.String(),
		"registered":           "",
	}
	for _, e := range logs.All() {
		f := e.ContextMap()
		if r, ok := want[e.Message]; ok && f["reason"] == nil == (r == "") &&
			(r == "" || f["reason"] == r) && f["mg"] != nil {
			delete(want, e.Message)
		}
	}
	if len(want) > 0 {
		t.Errorf("outcome lines missing: %v (logged: %d lines)", want, logs.Len())
	}
	pkek := skd.ProxyKEK(wd.ksp)
	assertNoSecrets(t, logs, wd.sk[:], wd.ksp, pkek[:])
}
