package proxy

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// TestLogsCarryNoKeys runs successful and failing registrations with every
// log level on and checks that no logged field holds SK, Ksp, Kc or a key
// derived from them, in base64 or hex.
func TestLogsCarryNoKeys(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	r := newRig(t)
	h, err := NewHandler(Config{ProxyID: "sp1", Listen: testProxyAddr, Softswitch: testSoftswitch,
		Keyring: r.h.cfg.Keyring, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	r.h, r.w = h, h.NewWorker()

	kd, _ := r.keyDistribution(skd.WrapAES128GCM, testKID)
	r.step(r.flowTo200(kd), testSoftswitch)
	bad, _ := r.keyDistribution(skd.WrapAES128GCM, "99")
	r.step(r.flowTo200(bad), testSoftswitch)
	if logs.Len() < 2 {
		t.Fatalf("expected outcome lines, got %d", logs.Len())
	}

	pkek, tkek := skd.ProxyKEK(r.ksp), skd.TerminalKEK(r.kc)
	assertNoSecrets(t, logs, r.sk[:], r.ksp, r.kc, pkek[:], tkek[:])
}

// assertNoSecrets fails when a logged message or field holds one of the
// secrets, raw, in base64 or in hex.
func assertNoSecrets(t *testing.T, logs *observer.ObservedLogs, secrets ...[]byte) {
	t.Helper()
	for _, e := range logs.All() {
		text := e.Message + fmt.Sprint(e.ContextMap())
		for _, s := range secrets {
			for _, enc := range []string{
				base64.StdEncoding.EncodeToString(s), base64.RawStdEncoding.EncodeToString(s),
				base64.URLEncoding.EncodeToString(s), hex.EncodeToString(s), string(s),
			} {
				if strings.Contains(text, enc) {
					t.Fatalf("log line %q carries key material", e.Message)
				}
			}
		}
	}
}
