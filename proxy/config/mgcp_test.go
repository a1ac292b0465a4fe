package config

import (
	"errors"
	"flag"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/proxy"
)

// TestMGCPKeys maps the MGCP keys onto proxy.Config like the H.248 ones:
// defaults on, off with an empty mgcp_listen_gateways, and each refusal
// named by its key.
func TestMGCPKeys(t *testing.T) {
	s := settingsOf(t, "")
	p := s.Proxy
	if p.MGCPGatewayListen != netip.MustParseAddrPort("127.0.0.1:2727") ||
		p.MGCPCallAgentListen != netip.MustParseAddrPort("127.0.0.1:2427") ||
		p.MGCPCallAgent != netip.MustParseAddrPort("127.0.0.1:2728") ||
		p.MGCPTxnCapacity != proxy.DefaultMGCPTxnCapacity {
		t.Errorf("defaults: %v %v %v %d", p.MGCPGatewayListen, p.MGCPCallAgentListen,
			p.MGCPCallAgent, p.MGCPTxnCapacity)
	}
	s = settingsOf(t, "mgcp_listen_gateways = \"\"\nmgcp_callagent = \"\"")
	if s.Proxy.MGCPGatewayListen.IsValid() || s.Proxy.MGCPCallAgent.IsValid() {
		t.Errorf("MGCP off: %+v", s.Proxy)
	}
	s = settingsOf(t, "mgcp_listen_gateways = \":2727\"\nmgcp_listen_callagent = \"[::]:2427\"\n"+
		"mgcp_callagent = \"192.0.2.7:2727\"\n[limits]\nmgcp_txn_capacity = 8")
	if s.Proxy.MGCPGatewayListen.String() != "0.0.0.0:2727" ||
		s.Proxy.MGCPCallAgent.String() != "192.0.2.7:2727" || s.Proxy.MGCPTxnCapacity != 8 {
		t.Errorf("set: %+v", s.Proxy)
	}
	for _, c := range []struct{ file, want string }{
		{`mgcp_callagent = ""`, "mgcp_callagent: must be set when mgcp_listen_gateways is set"},
		{`mgcp_listen_callagent = ""`, "mgcp_listen_callagent: must be set when"},
		{`mgcp_callagent = "0.0.0.0:2727"`, "mgcp_callagent: must be an IP address"},
		{`mgcp_listen_gateways = "127.0.0.1:5060"`,
			`mgcp_listen_gateways: must be an address no other socket of the proxy has`},
		{`mgcp_listen_callagent = "127.0.0.1:2727"`,
			`mgcp_listen_callagent: must be an address no other socket of the proxy has`},
		{`mgcp_listen_callagent = "127.0.0.1:2944"`, "mgcp_listen_callagent: must be an"},
		{"[limits]\nmgcp_txn_capacity = 7", "limits.mgcp_txn_capacity: must be 8..10000000"},
		{"mgcp_listen_gateways = \"\"\nmgcp_callagent = \"x\"", "mgcp_callagent: must be an IP"},
	} {
		f, err := Parse([]byte(c.file))
		if err == nil {
			_, err = f.Settings()
		}
		if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.file, err, c.want)
		}
	}
}

// TestMGCPFlags: each MGCP flag overrides its key.
func TestMGCPFlags(t *testing.T) {
	fs := flag.NewFlagSet("sigproxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for fl := range FlagKeys() {
		fs.String(fl, "", "")
	}
	if err := fs.Parse([]string{"-mgcp-listen-gateways", "127.0.0.1:3727",
		"-mgcp-listen-callagent", "127.0.0.1:3427", "-mgcp-callagent", "127.0.0.1:3728",
		"-mgcp-txn-capacity", "64"}); err != nil {
		t.Fatal(err)
	}
	f := Default()
	if err := f.ApplyFlags(fs); err != nil {
		t.Fatal(err)
	}
	s, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	p := s.Proxy
	if p.MGCPGatewayListen.Port() != 3727 || p.MGCPCallAgentListen.Port() != 3427 ||
		p.MGCPCallAgent.Port() != 3728 || p.MGCPTxnCapacity != 64 {
		t.Errorf("flags: %v %v %v %d", p.MGCPGatewayListen, p.MGCPCallAgentListen,
			p.MGCPCallAgent, p.MGCPTxnCapacity)
	}
}

func settingsOf(t *testing.T, file string) Settings {
	t.Helper()
	f, err := Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
