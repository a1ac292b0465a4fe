package authcenter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

const testRealm = "sigproxy.test"

// env is an AC over a real bbolt file, served by httptest, with its logs observed.
type env struct {
	t      *testing.T
	store  keystore.SubscriberStore
	server *Server
	http   *httptest.Server
	client *Client
	logs   *observer.ObservedLogs
	kc     []byte // alice's Kc
	ksp    []byte // sp1's Ksp, kid "1"
	clock  *fakeClock
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newEnv(t *testing.T, tweak func(*Config)) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "ac.db"), filepath.Join(dir, "ac-master.key"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{t: t, store: store, kc: bytes.Repeat([]byte{0x11}, skd.KcSize),
		ksp: bytes.Repeat([]byte{0x22}, skd.KspSize), clock: &fakeClock{now: time.Unix(1e9, 0)}}
	if err := store.AddSubscriber("alice", e.kc); err != nil {
		t.Fatal(err)
	}
	if err := store.AddProxyKey("sp1", "1", e.ksp); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	e.logs = logs
	cfg := Config{Store: store, Realm: testRealm, Logger: zap.New(core), Now: e.clock.Now}
	if tweak != nil {
		tweak(&cfg)
	}
	if e.server, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	e.http = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.http.Close)
	e.client = &Client{BaseURL: e.http.URL, HTTP: e.http.Client()}
	return e
}

func (e *env) auth(req AuthRequest) (*AuthVector, error) {
	return e.client.Auth(context.Background(), req)
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64 %q: %v", s, err)
	}
	return b
}

func wrapAD(recipient, nonce, kid string) *skd.WrapAD {
	return &skd.WrapAD{Recipient: []byte(recipient), Identity: []byte("alice"),
		Realm: []byte(testRealm), Nonce: []byte(nonce), KID: []byte(kid)}
}

func TestAuthVectorProxyMode(t *testing.T) {
	e := newEnv(t, nil)
	for _, wrap := range []string{"aes128gcm", "ascon128a-v12", ""} {
		v, err := e.auth(AuthRequest{Identity: "alice", Realm: testRealm, Proxy: "sp1",
			Wrap: wrap})
		if err != nil {
			t.Fatalf("wrap %q: %v", wrap, err)
		}
		alg := skd.WrapAES128GCM
		if wrap == "ascon128a-v12" {
			alg = skd.WrapAscon128aV12
		}
		if v.Wrap != alg.String() || v.Realm != testRealm || v.KID != "1" || v.SK != "" {
			t.Fatalf("wrap %q: vector %v", wrap, v)
		}
		if n, err := hex.DecodeString(v.Nonce); err != nil || len(n) != 16 {
			t.Fatalf("nonce %q", v.Nonce)
		}
		pw := skd.DigestPassword(e.kc)
		for _, h := range []string{"MD5", "SHA-256"} {
			want, _ := skd.HA1(h, "alice", testRealm, pw)
			if v.HA1[h] != want {
				t.Errorf("HA1 %s = %q, want %q", h, v.HA1[h], want)
			}
		}
		tkek := skd.TerminalKEK(e.kc)
		skT, err := skd.UnwrapKey(alg, &tkek, wrapAD("terminal", v.Nonce, ""),
			unb64(t, v.Terminal))
		if err != nil {
			t.Fatalf("terminal copy: %v", err)
		}
		pkek := skd.ProxyKEK(e.ksp)
		skP, err := skd.UnwrapKey(alg, &pkek, wrapAD("proxy", v.Nonce, "1"), unb64(t, v.Proxy))
		if err != nil || !bytes.Equal(skT, skP) {
			t.Fatalf("proxy copy: %x vs %x, %v", skP, skT, err)
		}
		// The copies are bound to their recipient and key id.
		if _, err := skd.UnwrapKey(alg, &tkek, wrapAD("terminal", v.Nonce, "1"),
			unb64(t, v.Terminal)); !errors.Is(err, skd.ErrUnwrap) {
			t.Errorf("terminal copy opened with a kid: %v", err)
		}
		if _, err := skd.UnwrapKey(alg, &pkek, wrapAD("terminal", v.Nonce, "1"),
			unb64(t, v.Proxy)); !errors.Is(err, skd.ErrUnwrap) {
			t.Errorf("proxy copy opened as terminal: %v", err)
		}
	}
	// Rotation: the latest proxy key is used.
	ksp2 := bytes.Repeat([]byte{0x33}, skd.KspSize)
	if err := e.store.AddProxyKey("sp1", "2", ksp2); err != nil {
		t.Fatal(err)
	}
	v, err := e.auth(AuthRequest{Identity: "alice", Proxy: "sp1"})
	if err != nil || v.KID != "2" || v.Realm != testRealm {
		t.Fatalf("after rotation: %v, %v", v, err)
	}
	pkek := skd.ProxyKEK(ksp2)
	if _, err := skd.UnwrapKey(skd.WrapAES128GCM, &pkek, wrapAD("proxy", v.Nonce, "2"),
		unb64(t, v.Proxy)); err != nil {
		t.Fatalf("proxy copy under kid 2: %v", err)
	}
}

func TestAuthVectorDirectMode(t *testing.T) {
	e := newEnv(t, nil)
	v, err := e.auth(AuthRequest{Identity: "alice", Realm: testRealm, Wrap: "ascon128a-v12"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Proxy != "" || v.KID != "" || v.SK == "" {
		t.Fatalf("direct vector %v", v)
	}
	tkek := skd.TerminalKEK(e.kc)
	sk, err := skd.UnwrapKey(skd.WrapAscon128aV12, &tkek, wrapAD("terminal", v.Nonce, ""),
		unb64(t, v.Terminal))
	if err != nil || !bytes.Equal(sk, unb64(t, v.SK)) {
		t.Fatalf("terminal copy %x vs sk %q: %v", sk, v.SK, err)
	}
	// The raw answer has no proxy or kid member at all.
	raw := post(t, e, PathAuth, `{"identity":"alice","realm":"","proxy":"","wrap":""}`)
	if raw.status != 200 || strings.Contains(raw.body, `"proxy"`) ||
		strings.Contains(raw.body, `"kid"`) || !strings.Contains(raw.body, `"sk"`) {
		t.Fatalf("direct raw answer %d %s", raw.status, raw.body)
	}
	if raw.header.Get("Cache-Control") != "no-store" {
		t.Error("vector answer is cacheable")
	}
}

type rawAnswer struct {
	status int
	body   string
	header http.Header
}

func post(t *testing.T, e *env, path, body string) rawAnswer {
	t.Helper()
	resp, err := e.http.Client().Post(e.http.URL+path, "application/json",
		strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawAnswer{resp.StatusCode, string(b), resp.Header}
}

func TestAuthRefusals(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.auth(AuthRequest{Identity: "mallory", Proxy: "sp1"})
	if !errors.Is(err, ErrUnknownSubscriber) {
		t.Errorf("unknown subscriber: %v", err)
	}
	_, err = e.auth(AuthRequest{Identity: "alice", Proxy: "sp9"})
	if !errors.Is(err, ErrUnknownProxy) {
		t.Errorf("unknown proxy: %v", err)
	}
	cases := []struct {
		name, body string
		status     int
		text       string
	}{
		{"unknown subscriber", `{"identity":"bob"}`, 404, "unknown subscriber"},
		{"unknown proxy", `{"identity":"alice","proxy":"sp2"}`, 403, "unknown proxy"},
		{"unknown wrap", `{"identity":"alice","wrap":"des"}`, 400, "unknown wrap"},
		{"identity too long", `{"identity":"` + strings.Repeat("a", 129) + `"}`, 400,
			"bad identity"},
		{"no identity", `{"realm":"sigproxy.test"}`, 400, "bad identity"},
		{"wrong realm", `{"identity":"alice","realm":"other.test"}`, 400, "unknown realm"},
		{"quote in realm", `{"identity":"alice","realm":"a\"b"}`, 400, "bad realm"},
		{"long proxy", `{"identity":"alice","proxy":"` + strings.Repeat("p", 65) + `"}`, 400,
			"bad proxy"},
		{"bad json", `{"identity":`, 400, "bad json"},
		{"not an object", `["alice"]`, 400, "bad json"},
		{"unknown field", `{"identity":"alice","kc":"x"}`, 400, "bad json"},
		{"trailing data", `{"identity":"alice"} {}`, 400, "bad json"},
		{"body too large", `{"identity":"alice","realm":"` + strings.Repeat(" ", MaxBody) + `"}`,
			400, "body too large"},
	}
	for _, c := range cases {
		got := post(t, e, PathAuth, c.body)
		var er errorResponse
		_ = json.Unmarshal([]byte(got.body), &er)
		if got.status != c.status || er.Error != c.text {
			t.Errorf("%s: %d %q, want %d %q", c.name, got.status, er.Error, c.status, c.text)
		}
	}
	resp, err := e.http.Client().Get(e.http.URL + PathAuth)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/auth: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if e.server.OutstandingVectors() != 0 {
		t.Errorf("refused requests left %d vectors", e.server.OutstandingVectors())
	}
}

func TestSuccess(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	v, err := e.auth(AuthRequest{Identity: "alice", Proxy: "sp1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.Success(ctx, "bob", v.Nonce); !errors.Is(err, ErrUnknownNonce) {
		t.Errorf("other identity's nonce: %v", err)
	}
	if err := e.client.Success(ctx, "alice", v.Nonce); err != nil {
		t.Fatal(err)
	}
	if e.server.Successes() != 1 {
		t.Fatalf("Successes = %d", e.server.Successes())
	}
	rec := e.server.RecentSuccesses()
	if len(rec) != 1 || rec[0].Identity != "alice" || rec[0].Nonce != v.Nonce {
		t.Fatalf("recent %v", rec)
	}
	if err := e.client.Success(ctx, "alice", v.Nonce); !errors.Is(err, ErrUnknownNonce) {
		t.Errorf("second report of one vector: %v", err)
	}
	err = e.client.Success(ctx, "alice", strings.Repeat("0", 32))
	if !errors.Is(err, ErrUnknownNonce) {
		t.Errorf("unknown nonce: %v", err)
	}
	if err := e.client.Success(ctx, "alice", "short"); !errors.Is(err, ErrBadRequest) {
		t.Errorf("malformed nonce: %v", err)
	}
	if got := post(t, e, PathSuccess, `{"identity":"alice","nonce":"`+v.Nonce+`"`); got.status != 400 {
		t.Errorf("bad json: %d", got.status)
	}
	// Expiry.
	v, _ = e.auth(AuthRequest{Identity: "alice"})
	e.clock.advance(DefaultVectorTTL + time.Second)
	if err := e.client.Success(ctx, "alice", v.Nonce); !errors.Is(err, ErrUnknownNonce) {
		t.Errorf("expired nonce: %v", err)
	}
	if e.server.Successes() != 1 {
		t.Fatalf("Successes = %d after refusals", e.server.Successes())
	}
}

func TestVectorMapBounded(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxVectors = 3; c.MaxRecentSuccesses = 2 })
	var nonces []string
	for i := 0; i < 5; i++ {
		v, err := e.auth(AuthRequest{Identity: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		nonces = append(nonces, v.Nonce)
	}
	if n := e.server.OutstandingVectors(); n != 3 {
		t.Fatalf("outstanding %d, want 3", n)
	}
	for i, n := range nonces {
		err := e.client.Success(context.Background(), "alice", n)
		if (i < 2) != errors.Is(err, ErrUnknownNonce) || (i >= 2 && err != nil) {
			t.Errorf("nonce %d: %v", i, err)
		}
	}
	rec := e.server.RecentSuccesses()
	if e.server.Successes() != 3 || len(rec) != 2 || rec[0].Nonce != nonces[3] ||
		rec[1].Nonce != nonces[4] {
		t.Fatalf("successes %d recent %v", e.server.Successes(), rec)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := e.http.Client().Get(e.http.URL + PathHealth)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "ok" {
		t.Fatalf("healthz %d %q", resp.StatusCode, b)
	}
}

// TestNoKeysInLogs runs every path and searches every log entry (message and
// fields) for the secrets in the encodings a log could carry.
func TestNoKeysInLogs(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	var secrets []string
	addSecret := func(b []byte) {
		secrets = append(secrets, base64.StdEncoding.EncodeToString(b),
			base64.RawStdEncoding.EncodeToString(b), hex.EncodeToString(b))
	}
	addSecret(e.kc)
	addSecret(e.ksp)
	secrets = append(secrets, skd.DigestPassword(e.kc))
	for _, req := range []AuthRequest{
		{Identity: "alice", Proxy: "sp1"}, {Identity: "alice", Wrap: "ascon128a-v12"},
		{Identity: "alice", Proxy: "sp1", Wrap: "ascon128a-v12"},
	} {
		v, err := e.auth(req)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range v.HA1 {
			secrets = append(secrets, h)
		}
		if v.SK != "" {
			addSecret(unb64(t, v.SK))
		} else {
			tkek := skd.TerminalKEK(e.kc)
			alg, _ := skd.ParseWrapAlg([]byte(v.Wrap))
			sk, _ := skd.UnwrapKey(alg, &tkek, wrapAD("terminal", v.Nonce, ""),
				unb64(t, v.Terminal))
			addSecret(sk)
		}
		_ = e.client.Success(ctx, "alice", v.Nonce)
	}
	_, _ = e.auth(AuthRequest{Identity: "nobody"})
	_, _ = e.auth(AuthRequest{Identity: "alice", Proxy: "nope"})
	post(t, e, PathAuth, `{"identity":"alice","kc":"`+base64.StdEncoding.EncodeToString(e.kc)+`"}`)
	entries := e.logs.All()
	if len(entries) < 8 {
		t.Fatalf("only %d log entries: the check would prove little", len(entries))
	}
	issued := 0
	for _, entry := range entries {
		text := entry.Message
		for k, v := range entry.ContextMap() {
			text += " " + k + "=" + toString(v)
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("log entry %q carries a secret: %s", entry.Message, text)
			}
		}
		if entry.Message == "auth vector issued" {
			issued++
		}
	}
	if issued != 3 {
		t.Errorf("%d 'auth vector issued' lines, want 3", issued)
	}
}

func toString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func TestAuthVectorRedacted(t *testing.T) {
	v := AuthVector{Nonce: "n", HA1: map[string]string{"MD5": "ha1secret"}, SK: "sksecret",
		Terminal: "blob"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := strings.ToLower(sprintf(verb, v) + sprintf(verb, &v))
		if strings.Contains(out, "secret") || !strings.Contains(out, "redacted") {
			t.Errorf("%s: %s", verb, out)
		}
	}
	js, _ := json.Marshal(v)
	if strings.Contains(string(js), "secret") {
		t.Errorf("json: %s", js)
	}
}

// failingStore fails every lookup with an error that is not "unknown".
type failingStore struct{ keystore.SubscriberStore }

func (failingStore) SubscriberKey(string) ([]byte, error) {
	return nil, keystore.ErrSealed
}

func TestStoreFailureIs500(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Store = failingStore{c.Store} })
	got := post(t, e, PathAuth, `{"identity":"alice"}`)
	if got.status != 500 || !strings.Contains(got.body, "internal error") {
		t.Fatalf("%d %s", got.status, got.body)
	}
	if _, err := e.auth(AuthRequest{Identity: "alice"}); !errors.Is(err, ErrUnexpectedStatus) {
		t.Fatalf("client: %v", err)
	}
	if e.logs.FilterMessage("keystore").Len() == 0 {
		t.Fatal("store failure not logged")
	}
}

func TestConcurrentAuthAndSuccess(t *testing.T) {
	e := newEnv(t, nil)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				v, err := e.auth(AuthRequest{Identity: "alice", Proxy: "sp1"})
				if err == nil {
					err = e.client.Success(context.Background(), "alice", v.Nonce)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if e.server.Successes() != 40 || e.server.OutstandingVectors() != 0 {
		t.Fatalf("successes %d outstanding %d", e.server.Successes(), e.server.OutstandingVectors())
	}
}

func TestStartClose(t *testing.T) {
	e := newEnv(t, nil)
	s, err := New(Config{Store: e.store, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr() != nil {
		t.Fatal("address before Start")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		t.Fatal("second Start accepted")
	}
	c := &Client{BaseURL: "http://" + s.Addr().String()}
	v, err := c.Auth(context.Background(), AuthRequest{Identity: "alice", Realm: "r.test"})
	if err != nil || v.Realm != "r.test" {
		t.Fatalf("auth over TCP: %v %v", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Auth(context.Background(), AuthRequest{Identity: "alice"}); err == nil {
		t.Fatal("auth after Close succeeded")
	}
	if _, err := New(Config{}); !errors.Is(err, ErrNoStore) {
		t.Fatalf("no store: %v", err)
	}
	if _, err := New(Config{Store: e.store, Realm: "bad\"realm"}); !errors.Is(err, ErrBadRealm) {
		t.Fatalf("bad realm: %v", err)
	}
}
