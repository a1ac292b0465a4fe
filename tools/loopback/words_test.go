package loopback

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/tools/terminal"
)

// TestCallsCarryWords registers SIP terminals under each mechanism through
// the running proxy, then makes a call from each (INVITE, 200, ACK, BYE,
// 200): every request carries a t2p word the proxy verifies, every 2xx a p2t
// word the terminal verifies; a second registration brings a new key and the
// numbers start again.
func TestCallsCarryWords(t *testing.T) {
	sys := startSystem(t, Options{Subscribers: []string{"hmac", "ascon"}})
	for _, c := range []struct{ id, offer string }{
		{"hmac", "hmac-sha256;q=0.9, ascon128a-v12;q=0.5"},
		{"ascon", "ascon128a-v12"},
	} {
		term, err := terminal.New(terminal.Config{Identity: c.id, Kc: sys.Kc(c.id),
			Proxy: sys.ProxyAddr(), Offer: terminal.SplitOffer(c.offer), T1: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer term.Close()
		ctx := context.Background()
		for round := 1; round <= 2; round++ {
			if rep, err := term.Register(ctx); err != nil || !rep.Secured() {
				t.Fatalf("%s register %d: %v %v", c.id, round, err, rep.Steps)
			}
			for call := 1; call <= 2; call++ {
				rep, err := term.Call(ctx)
				if err != nil || rep.WordsSent != 3 || rep.WordsVerified != 2 {
					t.Fatalf("%s round %d call %d: %v, %d words sent, %d verified\n%v",
						c.id, round, call, err, rep.WordsSent, rep.WordsVerified, rep.Steps)
				}
			}
		}
	}
	st := sys.Proxy.Handler().Stats()
	for _, r := range []string{"word_missing", "word_malformed", "word_mismatch", "word_replayed"} {
		if st.Reasons[r] != 0 {
			t.Errorf("proxy counted %d %s", st.Reasons[r], r)
		}
	}
	ss := sys.Softswitch.Stats()
	if ss.Invites != 8 || ss.Byes != 8 || waitFor(func() int { return int(sys.Softswitch.Stats().Acks) }, 8) != 8 {
		t.Errorf("softswitch saw %d INVITEs, %d BYEs, %d ACKs; want 8 each",
			ss.Invites, ss.Byes, sys.Softswitch.Stats().Acks)
	}
}

// TestCallWithoutKeyRefused: a terminal registered without a mechanism has no
// words to send; Call says so without sending anything.
func TestCallWithoutKeyRefused(t *testing.T) {
	sys := startSystem(t, Options{Subscribers: []string{"plain"}})
	term, err := terminal.New(terminal.Config{Identity: "plain", Kc: sys.Kc("plain"),
		Proxy: sys.ProxyAddr(), T1: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	if rep, err := term.Register(context.Background()); err != nil || rep.Secured() {
		t.Fatalf("plain registration: %v secured=%v", err, rep.Secured())
	}
	if _, err := term.Call(context.Background()); !errors.Is(err, terminal.ErrNotRegistered) {
		t.Fatal("a call without a key was made")
	}
}
