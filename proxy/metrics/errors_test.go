package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestNewServerRefuses(t *testing.T) {
	_, err := NewServer(netip.MustParseAddrPort("0.0.0.0:0"), &fakeSource{},
		Options{Pprof: true})
	if !errors.Is(err, ErrPprofNotLoopback) {
		t.Errorf("pprof on a wildcard address: %v", err)
	}
	if _, err := NewServer(netip.AddrPort{}, &fakeSource{}, Options{}); !errors.Is(err,
		ErrNoAddress) {
		t.Errorf("no address: %v", err)
	}
}

func TestNewServerPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	reg := prometheus.NewRegistry()
	addr := netip.MustParseAddrPort(ln.Addr().String())
	if _, err := NewServer(addr, &fakeSource{}, Options{Registry: reg}); err == nil {
		t.Fatal("bound a port already in use")
	}
	// The failed attempt must not leave its collector registered.
	if err := reg.Register(NewCollector(&fakeSource{})); err != nil {
		t.Errorf("collector left registered: %v", err)
	}
}

func TestShutdownStopsServing(t *testing.T) {
	srv, err := NewServer(loopback, &fakeSource{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + srv.Addr().String() + "/healthz"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Error("server still answers after Shutdown")
	}
}
