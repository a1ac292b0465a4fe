package softswitch

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// testAC is an authentication center for the tests, speaking the HTTP API of
// tools/authcenter/README.md.
type testAC struct {
	srv    *httptest.Server
	client *authcenter.Client

	mu      sync.Mutex
	kc      map[string][]byte
	ksp     map[string][]byte // proxy id -> Ksp (kid "1")
	nonces  map[string]string // nonce -> identity
	success int
}

func startAC(t *testing.T) *testAC {
	t.Helper()
	ac := &testAC{kc: map[string][]byte{}, ksp: map[string][]byte{},
		nonces: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth", ac.auth)
	mux.HandleFunc("POST /v1/success", ac.succeed)
	ac.srv = httptest.NewServer(mux)
	t.Cleanup(ac.srv.Close)
	ac.client = &authcenter.Client{BaseURL: ac.srv.URL, HTTP: ac.srv.Client()}
	return ac
}

func (ac *testAC) stop() { ac.srv.Close() }

func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func (ac *testAC) addSubscriber(t *testing.T, identity string) []byte {
	kc := random(t, skd.KcSize)
	ac.mu.Lock()
	ac.kc[identity] = kc
	ac.mu.Unlock()
	return kc
}

func (ac *testAC) proxyKey(t *testing.T, proxy string) (kid string, ksp []byte) {
	ksp = random(t, skd.KspSize)
	ac.mu.Lock()
	ac.ksp[proxy] = ksp
	ac.mu.Unlock()
	return "1", ksp
}

func (ac *testAC) successes() int {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	return ac.success
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (ac *testAC) auth(w http.ResponseWriter, r *http.Request) {
	var req struct{ Identity, Realm, Proxy, Wrap string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		reply(w, 400, map[string]string{"error": "bad json"})
		return
	}
	if req.Wrap == "" {
		req.Wrap = "aes128gcm"
	}
	alg, ok := skd.ParseWrapAlg([]byte(req.Wrap))
	if !ok {
		reply(w, 400, map[string]string{"error": "unknown wrap"})
		return
	}
	ac.mu.Lock()
	kc, known := ac.kc[req.Identity]
	ksp, proxyKnown := ac.ksp[req.Proxy]
	ac.mu.Unlock()
	switch {
	case !known:
		reply(w, 404, map[string]string{"error": "unknown subscriber"})
		return
	case req.Proxy != "" && !proxyKnown:
		reply(w, 403, map[string]string{"error": "unknown proxy"})
		return
	}
	var n [16]byte
	_, _ = rand.Read(n[:])
	nonce := hex.EncodeToString(n[:])
	sk, _ := skd.NewSessionKey(rand.Reader)
	pw := skd.DigestPassword(kc)
	md5, _ := skd.HA1("MD5", req.Identity, req.Realm, pw)
	sha, _ := skd.HA1("SHA-256", req.Identity, req.Realm, pw)
	out := map[string]any{"nonce": nonce, "realm": req.Realm, "wrap": req.Wrap,
		"ha1": map[string]string{"MD5": md5, "SHA-256": sha}}
	tkek := skd.TerminalKEK(kc)
	ad := &skd.WrapAD{Recipient: []byte(skd.RecipientTerminal), Identity: []byte(req.Identity),
		Realm: []byte(req.Realm), Nonce: []byte(nonce)}
	blob, _ := skd.WrapKey(alg, &tkek, ad, sk[:], rand.Reader)
	out["terminal"] = base64.StdEncoding.EncodeToString(blob)
	if req.Proxy == "" {
		out["sk"] = base64.StdEncoding.EncodeToString(sk[:])
	} else {
		pkek := skd.ProxyKEK(ksp)
		ad.Recipient, ad.KID = []byte(skd.RecipientProxy), []byte("1")
		blob, _ = skd.WrapKey(alg, &pkek, ad, sk[:], rand.Reader)
		out["proxy"], out["kid"] = base64.StdEncoding.EncodeToString(blob), "1"
	}
	ac.mu.Lock()
	ac.nonces[nonce] = req.Identity
	ac.mu.Unlock()
	reply(w, 200, out)
}

func (ac *testAC) succeed(w http.ResponseWriter, r *http.Request) {
	var req struct{ Identity, Nonce string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		reply(w, 400, map[string]string{"error": "bad json"})
		return
	}
	ac.mu.Lock()
	defer ac.mu.Unlock()
	if ac.nonces[req.Nonce] != req.Identity {
		reply(w, 404, map[string]string{"error": "unknown nonce"})
		return
	}
	ac.success++
	w.WriteHeader(http.StatusNoContent)
}
