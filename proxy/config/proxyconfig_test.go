package config

import (
	"bytes"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/keystore/skd"
	"github.com/sigproxy/sigproxy/proxy"
)

// TestProxyConfigBuildsAHandler loads a real sealed key file through the
// settings and checks the resulting configuration satisfies the proxy.
func TestProxyConfigBuildsAHandler(t *testing.T) {
	dir := t.TempDir()
	writeKeyFiles(t, dir, "edge-1")
	f, err := Parse([]byte(`proxy_id = "edge-1"
listen = "127.0.0.1:0"
advertise = "192.0.2.10:5060"
[keys]
proxy_key_file = "` + filepath.Join(dir, "p.keys") + `"
master_key_file = "` + filepath.Join(dir, "master.key") + `"
[limits]
pending_capacity = 1000
pending_per_source = 10
session_capacity = 2000`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := s.LoadKeyring()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.ProxyConfig(kr, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Keyring != kr || cfg.PendingPerSource != 10 || cfg.SessionCapacity != 2000 {
		t.Errorf("config: %+v", cfg)
	}
	h, err := proxy.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if h.Addr().String() != "192.0.2.10:5060" {
		t.Errorf("advertised address %v", h.Addr())
	}
}

func TestLoadKeyringWrongProxy(t *testing.T) {
	dir := t.TempDir()
	writeKeyFiles(t, dir, "edge-1")
	s := Settings{ProxyKeyFile: filepath.Join(dir, "p.keys"),
		MasterKeyFile: filepath.Join(dir, "master.key")}
	s.Proxy.ProxyID = "edge-2"
	if _, err := s.LoadKeyring(); !errors.Is(err, keystore.ErrWrongProxy) {
		t.Errorf("LoadKeyring for another proxy id: %v", err)
	}
}

func TestProxyConfigValidatesHandMadeFile(t *testing.T) {
	f := Default()
	f.Limits.EventLoops = 1000
	if _, err := f.ProxyConfig(nil, nil); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("ProxyConfig of an invalid File: %v", err)
	}
}

func TestNewLoggerLevel(t *testing.T) {
	f, err := Parse([]byte("[log]\nlevel = \"warn\"\nformat = \"console\""))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := f.Settings()
	log, err := s.NewLogger()
	if err != nil {
		t.Fatal(err)
	}
	if log.Core().Enabled(zap.InfoLevel) || !log.Core().Enabled(zap.WarnLevel) {
		t.Error("logger level is not warn")
	}
}

// writeKeyFiles writes a master key and a sealed key file for proxyID in dir.
func writeKeyFiles(t *testing.T, dir, proxyID string) {
	t.Helper()
	master, err := keystore.LoadOrCreateMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keystore.NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	ksp := make([]byte, skd.KspSize)
	if _, err := rand.Read(ksp); err != nil {
		t.Fatal(err)
	}
	keys := []keystore.ProxyKey{{KID: "1", Key: bytes.Clone(ksp)}}
	if err := keystore.WriteProxyKeyFile(filepath.Join(dir, "p.keys"), sealer, proxyID,
		keys); err != nil {
		t.Fatal(err)
	}
}
