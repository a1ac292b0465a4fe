package loopback

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/terminal"
)

// syncBuffer collects log lines from every component.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Sync() error { return nil }

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsHoldNoKey runs SIP, H.248 and MGCP registrations with both mechanisms
// through the whole system with every component and terminal logging at
// debug level, then searches all the logs for every key in play: each Kc,
// each Ksp, each session key SK, and what is derived from them (digest
// password, key-encryption keys), in hex (both cases) and base64 (standard,
// URL, with and without padding).
func TestLogsHoldNoKey(t *testing.T) {
	var logs syncBuffer
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	log := zap.New(zapcore.NewCore(enc, &logs, zapcore.DebugLevel))
	ids := []string{"sip-hmac", "sip-ascon", "gw-hmac", "gw-ascon", "mgcp-hmac", "mgcp-ascon"}
	sys := startSystem(t, Options{Subscribers: ids, Logger: log})

	var cfgs []terminal.Config
	for _, id := range ids {
		c := terminal.Config{Identity: id, Kc: sys.Kc(id), Proxy: sys.ProxyAddr(),
			Offer: []string{"hmac-sha256;q=0.9"}, T1: 100 * time.Millisecond,
			Logger: log.Named("terminal")}
		if strings.HasSuffix(id, "ascon") {
			c.Offer = []string{"ascon128a-v12;q=0.9"}
		}
		switch {
		case strings.HasPrefix(id, "gw-"):
			c.Protocol, c.Proxy = terminal.ProtocolH248, sys.H248ProxyAddr()
		case strings.HasPrefix(id, "mgcp-"):
			c.Protocol, c.Proxy = terminal.ProtocolMGCP, sys.MGCPProxyAddr()
		}
		cfgs = append(cfgs, c)
	}
	for _, r := range terminal.RunMany(context.Background(), cfgs, 0) {
		if !r.Registered() || !r.MACVerified {
			t.Fatalf("%s: %s", r.Identity, r.Outcome)
		}
	}

	secrets := map[string][]byte{}
	for _, id := range ids {
		kc := sys.Kc(id)
		secrets["Kc of "+id] = kc
		secrets["digest password of "+id] = []byte(skd.DigestPassword(kc))
		tk := skd.TerminalKEK(kc)
		secrets["terminal KEK of "+id] = tk[:]
		aor := "sip:" + id + "@" + DefaultRealm
		switch {
		case strings.HasPrefix(id, "gw-"):
			aor = "h248:" + id
		case strings.HasPrefix(id, "mgcp-"):
			aor = "mgcp:" + id
		}
		s, ok := sys.Proxy.Handler().Session([]byte(aor))
		if !ok {
			t.Fatalf("no session for %s", aor)
		}
		secrets["SK of "+id] = bytes.Clone(s.SK[:])
	}
	keys, err := sys.store.ProxyKeys(DefaultProxyID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		secrets["Ksp "+k.KID] = k.Key
		pk := skd.ProxyKEK(k.Key)
		secrets["proxy KEK "+k.KID] = pk[:]
	}

	text := logs.String()
	if len(text) < 1000 {
		t.Fatalf("only %d bytes of logs: is debug logging reaching the buffer?", len(text))
	}
	for name, key := range secrets {
		for _, form := range encodings(key) {
			if strings.Contains(text, form) {
				t.Errorf("%s appears in the logs as %q", name, form)
			}
		}
	}
}

// encodings returns the forms a key could be written in.
func encodings(k []byte) []string {
	h := hex.EncodeToString(k)
	return []string{h, strings.ToUpper(h),
		base64.StdEncoding.EncodeToString(k), base64.RawStdEncoding.EncodeToString(k),
		base64.URLEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k),
		string(k)}
}
