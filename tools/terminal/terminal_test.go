package terminal

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/keystore/skd"
)

// testConfig is a terminal aimed at f with short timers.
func testConfig(f *fake, identity string, offer ...string) Config {
	return Config{
		Identity: identity,
		Realm:    testRealm,
		Kc:       kcFor(identity),
		Proxy:    f.addr(),
		Offer:    offer,
		T1:       20 * time.Millisecond,
		Timeout:  2 * time.Second,
	}
}

func register(t *testing.T, cfg Config) (Report, error) {
	t.Helper()
	term, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	return term.Register(context.Background())
}

func TestRegisterEachMechanism(t *testing.T) {
	for _, tc := range []struct {
		name  string
		offer []string
		want  string
	}{
		{"hmac", []string{"ascon128a-v12;q=0.5", "hmac-sha256;q=0.9"}, "hmac-sha256"},
		{"ascon", []string{"ascon128a-v12;q=0.9", "hmac-sha256;q=0.5"}, "ascon128a-v12"},
		{"ascon-alone", []string{"ascon128a-v12"}, "ascon128a-v12"},
		{"hmac-upper", []string{"HMAC-SHA256;q=1"}, "hmac-sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, fakeOpts{})
			rep, err := register(t, testConfig(f, "alice", tc.offer...))
			if err != nil {
				t.Fatalf("register: %v\n%s", err, strings.Join(rep.Steps, "\n"))
			}
			if rep.Mechanism != tc.want || !rep.SKOpened || !rep.MACVerified ||
				rep.Outcome != OutcomeRegistered || rep.Status != 200 || !rep.Secured() {
				t.Fatalf("report %+v", rep)
			}
		})
	}
}

func TestRegisterRequestsFollowProfile(t *testing.T) {
	f := newFake(t, fakeOpts{})
	offer := []string{" ascon128a-v12;q=0.9", "hmac-sha256;q=0.5 "}
	if _, err := register(t, testConfig(f, "alice", offer...)); err != nil {
		t.Fatal(err)
	}
	reqs := f.seen()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	h1, h2 := headers(reqs[0]), headers(reqs[1])
	for _, h := range []map[string]string{h1, h2} {
		for name, want := range map[string]string{
			"Max-Forwards":    "70",
			"User-Agent":      "sigterm",
			"Require":         "sec-agree",
			"Proxy-Require":   "sec-agree",
			"Expires":         "3600",
			"Security-Client": "ascon128a-v12;q=0.9, hmac-sha256;q=0.5",
			"To":              "<sip:alice@sigproxy.test>",
		} {
			if h[name] != want {
				t.Errorf("%s = %q, want %q", name, h[name], want)
			}
		}
		if !strings.Contains(h["Via"], ";rport") || !strings.Contains(h["Via"], "branch=z9hG4bK") {
			t.Errorf("via %q lacks rport or magic branch", h["Via"])
		}
		if !strings.HasPrefix(h["Contact"], "<sip:alice@127.0.0.1:") {
			t.Errorf("contact %q", h["Contact"])
		}
	}
	if h1["Via"] == h2["Via"] {
		t.Error("both REGISTERs use one branch")
	}
	if h1["Call-ID"] != h2["Call-ID"] || h1["From"] != h2["From"] {
		t.Error("call-id or from tag changed between the REGISTERs")
	}
	if h1["CSeq"] != "1 REGISTER" || h2["CSeq"] != "2 REGISTER" {
		t.Errorf("cseq %q then %q", h1["CSeq"], h2["CSeq"])
	}
	if _, ok := h1["Security-Verify"]; ok {
		t.Error("first REGISTER carries Security-Verify")
	}
	if h2["Security-Verify"] != "ascon128a-v12;q=0.9" {
		t.Errorf("security-verify %q", h2["Security-Verify"])
	}
	if want := `Digest username="alice", realm="sigproxy.test", nonce="", ` +
		`uri="sip:sigproxy.test", response=""`; h1["Authorization"] != want {
		t.Errorf("first authorization %q", h1["Authorization"])
	}
	for _, p := range []string{"algorithm=SHA-256", "qop=auth", "nc=00000001", `cnonce="`} {
		if !strings.Contains(h2["Authorization"], p) {
			t.Errorf("second authorization %q lacks %s", h2["Authorization"], p)
		}
	}
}

// headers maps header names to values of one message (the last line of a name wins).
func headers(msg string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(msg, "\r\n")[1:] {
		if name, val, ok := strings.Cut(line, ":"); ok {
			out[name] = strings.TrimSpace(val)
		}
	}
	return out
}

func TestPlainRegistration(t *testing.T) {
	f := newFake(t, fakeOpts{})
	rep, err := register(t, testConfig(f, "bob"))
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	if rep.Mechanism != "" || rep.SKOpened || rep.MACVerified || !rep.Registered() ||
		rep.Secured() {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range f.seen() {
		h := headers(r)
		for _, name := range []string{"Security-Client", "Security-Verify", "Require"} {
			if _, ok := h[name]; ok {
				t.Errorf("plain REGISTER carries %s", name)
			}
		}
	}
}

func TestDigestAlgorithmChoice(t *testing.T) {
	for _, tc := range []struct {
		name    string
		offered []string
		pref    []string
		noQop   bool
		want    string
		ok      bool
	}{
		{"default-prefers-sha256", []string{"MD5", "SHA-256"}, nil, false, "SHA-256", true},
		{"md5-only-server", []string{"MD5"}, nil, false, "MD5", true},
		{"md5-preferred", []string{"SHA-256", "MD5"}, []string{"md5", "SHA-256"}, false, "MD5", true},
		{"no-qop", []string{"SHA-256"}, nil, true, "SHA-256", true},
		{"nothing-usable", []string{"SHA-512-256"}, nil, false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, fakeOpts{digestAlgs: tc.offered, noQop: tc.noQop})
			cfg := testConfig(f, "carol", "hmac-sha256")
			cfg.DigestAlg = tc.pref
			rep, err := register(t, cfg)
			if !tc.ok {
				if !errors.Is(err, ErrNoChallenge) {
					t.Fatalf("err %v, want ErrNoChallenge", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("register: %v\n%s", err, strings.Join(rep.Steps, "\n"))
			}
			auth := headers(f.seen()[1])["Authorization"]
			if !strings.Contains(auth, "algorithm="+tc.want) {
				t.Errorf("authorization %q, want algorithm %s", auth, tc.want)
			}
			if tc.noQop == strings.Contains(auth, "qop=") {
				t.Errorf("authorization %q: qop presence wrong", auth)
			}
		})
	}
}

func TestFailuresReported(t *testing.T) {
	for _, tc := range []struct {
		fault     string
		supported []skd.Mechanism
		err       error
		outcome   string
		skOpened  bool
	}{
		{faultBadMAC, nil, ErrMACMismatch, "failed: mac mismatch", true},
		{faultOfferTamper, nil, ErrMACMismatch, "failed: mac mismatch", true},
		{faultTamperBlob, nil, ErrKeyUnwrap, "failed: sk unwrap", false},
		{faultNoKeyDist, nil, ErrNoKeyDistribution, "failed: no key-distribution", false},
		{faultNoMAC, nil, ErrNoMAC, "failed: no mac", true},
		{fault500, nil, ErrStatus, "failed: 500 key distribution failed", false},
		{faultUnoffered, nil, ErrUnofferedMechanism,
			"failed: security-server names a mechanism not offered", false},
		{faultNone, []skd.Mechanism{}, ErrRefused, OutcomeRefused, false},
	} {
		name := tc.fault
		if name == "" {
			name = "refused"
		}
		t.Run(name, func(t *testing.T) {
			f := newFake(t, fakeOpts{fault: tc.fault, supported: tc.supported})
			rep, err := register(t, testConfig(f, "dave", "ascon128a-v12;q=0.9", "hmac-sha256;q=0.1"))
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if rep.Outcome != tc.outcome || rep.SKOpened != tc.skOpened || rep.MACVerified ||
				rep.Registered() {
				t.Fatalf("report %+v", rep)
			}
		})
	}
}

func TestRefusedReportsStatus(t *testing.T) {
	f := newFake(t, fakeOpts{supported: []skd.Mechanism{skd.MechHMACSHA256}})
	rep, err := register(t, testConfig(f, "erin", "ascon128a-v12;q=0.9"))
	if !errors.Is(err, ErrRefused) || rep.Status != 494 || rep.Failed() ||
		rep.Mechanism != "" || len(f.seen()) != 1 {
		t.Fatalf("err %v report %+v, %d requests", err, rep, len(f.seen()))
	}
	if !strings.Contains(err.Error(), "hmac-sha256") {
		t.Errorf("error %q does not name what the server supports", err)
	}
}

func TestForbiddenOnWrongKey(t *testing.T) {
	f := newFake(t, fakeOpts{keys: func(string) []byte { return kcFor("someone else") }})
	rep, err := register(t, testConfig(f, "frank", "hmac-sha256"))
	if !errors.Is(err, ErrForbidden) || rep.Outcome != OutcomeForbidden || rep.Status != 403 {
		t.Fatalf("err %v report %+v", err, rep)
	}
}

func TestRetransmitAfterDrop(t *testing.T) {
	f := newFake(t, fakeOpts{fault: faultDropFirst})
	rep, err := register(t, testConfig(f, "grace", "hmac-sha256"))
	if err != nil {
		t.Fatalf("register: %v\n%s", err, strings.Join(rep.Steps, "\n"))
	}
	if rep.Retransmissions != 2 || len(f.seen()) != 4 || !rep.Secured() {
		t.Fatalf("%d retransmissions, %d requests; report %+v", rep.Retransmissions,
			len(f.seen()), rep)
	}
	reqs := f.seen()
	if reqs[0] != reqs[1] || reqs[2] != reqs[3] {
		t.Error("a retransmission differs from its original")
	}
}

func TestStrayDatagramsIgnored(t *testing.T) {
	f := newFake(t, fakeOpts{fault: faultStray})
	rep, err := register(t, testConfig(f, "heidi", "hmac-sha256"))
	if err != nil || !rep.Secured() {
		t.Fatalf("err %v report %+v", err, rep)
	}
	ignored := 0
	for _, s := range rep.Steps {
		if strings.Contains(s, "ignored") {
			ignored++
		}
	}
	if ignored != 2 {
		t.Errorf("%d ignored steps, want 2: %q", ignored, rep.Steps)
	}
}

func TestTimeout(t *testing.T) {
	for _, fault := range []string{faultSilent, faultSecondSilent} {
		t.Run(fault, func(t *testing.T) {
			f := newFake(t, fakeOpts{fault: fault})
			cfg := testConfig(f, "ivan", "hmac-sha256")
			// Long enough for two retransmissions of the second REGISTER after a
			// first transaction slowed by a loaded machine.
			cfg.Timeout = 500 * time.Millisecond
			start := time.Now()
			rep, err := register(t, cfg)
			if !errors.Is(err, ErrTimeout) || rep.Outcome != "failed: timeout" {
				t.Fatalf("err %v report %+v", err, rep)
			}
			if rep.Retransmissions < 2 {
				t.Errorf("%d retransmissions before the timeout", rep.Retransmissions)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("timeout took %v", d)
			}
		})
	}
}

func TestContextCancel(t *testing.T) {
	f := newFake(t, fakeOpts{fault: faultSilent})
	cfg := testConfig(f, "judy", "hmac-sha256")
	cfg.Timeout = time.Minute
	cfg.T1 = time.Minute // no retransmission wakes the read: only the cancel can
	term, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	rep, err := term.Register(ctx)
	if !errors.Is(err, ErrCanceled) || rep.Outcome != "failed: canceled" {
		t.Fatalf("err %v report %+v", err, rep)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := term.Register(ctx); !errors.Is(err, ErrTimeout) {
		t.Fatalf("context deadline: err %v, want ErrTimeout", err)
	}
}

func TestRegisterAgainKeepsCallID(t *testing.T) {
	f := newFake(t, fakeOpts{})
	term, err := New(testConfig(f, "ken", "ascon128a-v12"))
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	for range 2 {
		if rep, err := term.Register(context.Background()); err != nil || !rep.Secured() {
			t.Fatalf("err %v report %+v", err, rep)
		}
	}
	reqs := f.seen()
	if headers(reqs[0])["Call-ID"] != headers(reqs[3])["Call-ID"] ||
		headers(reqs[3])["CSeq"] != "4 REGISTER" {
		t.Errorf("second registration: call-id or cseq wrong: %q", headers(reqs[3]))
	}
}

func TestReportHoldsNoKeys(t *testing.T) {
	f := newFake(t, fakeOpts{})
	cfg := testConfig(f, "leo", "hmac-sha256")
	rep, err := register(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kek := skd.TerminalKEK(cfg.Kc)
	text := fmt.Sprintf("%+v %#v", rep, rep)
	for name, secret := range map[string][]byte{"kc": cfg.Kc, "sk": f.sk, "kek": kek[:],
		"password": []byte(skd.DigestPassword(cfg.Kc))} {
		for _, enc := range []string{string(secret), base64.StdEncoding.EncodeToString(secret),
			fmt.Sprintf("%x", secret), fmt.Sprint(secret)} {
			if strings.Contains(text, enc) {
				t.Errorf("report shows the %s", name)
			}
		}
	}
}

func TestConfigRejected(t *testing.T) {
	good := Config{Identity: "a", Kc: make([]byte, skd.KcSize),
		Proxy: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060}}
	for name, mutate := range map[string]func(*Config){
		"short-kc":       func(c *Config) { c.Kc = c.Kc[:16] },
		"no-proxy":       func(c *Config) { c.Proxy = nil },
		"empty-identity": func(c *Config) { c.Identity = "" },
		"identity-at":    func(c *Config) { c.Identity = "a@b" },
		"identity-crlf":  func(c *Config) { c.Identity = "a\r\nVia: x" },
		"long-identity":  func(c *Config) { c.Identity = strings.Repeat("a", maxIdentityLen+1) },
		"realm-space":    func(c *Config) { c.Realm = "a b" },
		"offer-comma":    func(c *Config) { c.Offer = []string{"a, b"} },
		"offer-empty":    func(c *Config) { c.Offer = []string{" "} },
		"offer-crlf":     func(c *Config) { c.Offer = []string{"a\r\nX: y"} },
		"offer-many":     func(c *Config) { c.Offer = make([]string, skd.MaxOffered+1) },
		"digest-alg":     func(c *Config) { c.DigestAlg = []string{"SHA-512"} },
		"expires":        func(c *Config) { c.Expires = -1 },
		"unspecified-ip": func(c *Config) { c.Local = &net.UDPAddr{IP: net.IPv4zero} },
	} {
		c := good
		c.Kc = append([]byte(nil), good.Kc...)
		mutate(&c)
		if _, err := New(c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: err %v, want ErrBadConfig", name, err)
		}
	}
	term, err := New(good)
	if err != nil {
		t.Fatalf("good config: %v", err)
	}
	term.Close()
	if rep := Run(context.Background(), Config{}); rep.Outcome != "failed: bad config" {
		t.Errorf("Run with an empty config: %q", rep.Outcome)
	}
}

func TestRunManyMix(t *testing.T) {
	f := newFake(t, fakeOpts{supported: []skd.Mechanism{skd.MechHMACSHA256,
		skd.MechAscon128aV12}})
	offers := [][]string{
		{"ascon128a-v12;q=0.9", "hmac-sha256;q=0.5"},
		{"hmac-sha256;q=0.9", "ascon128a-v12;q=0.5"},
		nil,
		{"ipsec-3gpp;q=1"},
	}
	wants := []string{"ascon128a-v12", "hmac-sha256", "", "refused"}
	var cfgs []Config
	for i := range 40 {
		cfgs = append(cfgs, testConfig(f, fmt.Sprintf("user%02d", i), offers[i%4]...))
	}
	reports := RunMany(context.Background(), cfgs, 8)
	if len(reports) != len(cfgs) {
		t.Fatalf("%d reports", len(reports))
	}
	for i, r := range reports {
		want := wants[i%4]
		switch {
		case r.Identity != cfgs[i].Identity:
			t.Errorf("report %d is %s's", i, r.Identity)
		case want == "refused":
			if r.Outcome != OutcomeRefused {
				t.Errorf("%s: %s, want refused", r.Identity, r.Outcome)
			}
		case !r.Registered() || r.Mechanism != want || r.Secured() != (want != ""):
			t.Errorf("%s: %+v", r.Identity, r)
		}
	}
}
