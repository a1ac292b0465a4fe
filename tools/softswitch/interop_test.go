package softswitch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sigproxy/sigproxy/tools/terminal"
)

// TestTerminalInterop registers the project's terminal simulator directly with the
// registrar: in direct mode its SK must open and its MAC verify.
func TestTerminalInterop(t *testing.T) {
	e := newEnv(t, Config{})
	cases := []struct {
		offer   []string
		digest  []string
		secured bool
	}{
		{[]string{"ascon128a-v12;q=0.9", "hmac-sha256;q=0.5"}, []string{"SHA-256"}, true},
		{[]string{"hmac-sha256", "ascon128a-v12;q=0.1"}, []string{"MD5"}, true},
		{nil, nil, false},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(c.offer), func(t *testing.T) {
			user := fmt.Sprint("term", i)
			kc := e.ac.addSubscriber(t, user)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rep := terminal.Run(ctx, terminal.Config{Identity: user, Kc: kc,
				Proxy: e.srv.Addr(), Offer: c.offer, DigestAlg: c.digest})
			if !rep.Registered() || rep.Secured() != c.secured {
				t.Fatalf("report %s (secured %v), want secured %v; steps:\n%v", rep.Outcome,
					rep.Secured(), c.secured, rep.Steps)
			}
		})
	}
}
