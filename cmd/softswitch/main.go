// Command softswitch runs the reference SIP registrar, H.248 media gateway controller
// and MGCP call agent (package tools/softswitch) until SIGINT or SIGTERM. The call
// agent listens on 127.0.0.1:2728 by default, because sigproxy's gateway-facing MGCP
// socket holds the customary 2727; -mgcp-gateways names sigproxy's call-agent-facing
// socket (127.0.0.1:2427), where the CA sends what it writes for gateways registering
// through the proxy.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sigproxy/sigproxy/tools/softswitch"
)

func main() {
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "softswitch:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("softswitch", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:5070", "UDP address to listen on")
	h248Listen := fs.String("h248-listen", "127.0.0.1:"+strconv.Itoa(softswitch.DefaultH248Port),
		"UDP address of the H.248 MGC role; empty disables it")
	mgcpListen := fs.String("mgcp-listen", "127.0.0.1:"+strconv.Itoa(softswitch.DefaultMGCPPort),
		"UDP address of the MGCP call-agent role; empty disables it")
	mgcpGateways := fs.String("mgcp-gateways",
		"127.0.0.1:"+strconv.Itoa(softswitch.DefaultMGCPGatewayPort),
		"sigproxy's call-agent-facing MGCP socket, for gateways behind it; empty: reply to "+
			"the source address")
	ac := fs.String("ac", "http://127.0.0.1:8740", "authentication center base URL")
	realm := fs.String("realm", softswitch.DefaultRealm, "digest realm")
	digest := fs.String("digest", "SHA-256,MD5",
		"digest algorithms offered, in order (SIPp 3.6 needs MD5)")
	mechs := fs.String("mechanisms", "hmac-sha256,ascon128a-v12",
		"RFC 3329 mechanisms supported in direct mode")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(*level)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	supported, err := softswitch.ParseMechanisms(*mechs)
	if err != nil {
		return err
	}
	srv, err := softswitch.New(softswitch.Config{
		Listen: *listen, H248Listen: *h248Listen, MGCPListen: *mgcpListen,
		MGCPGateways: *mgcpGateways, ACURL: *ac, Realm: *realm,
		DigestAlgorithms: strings.Split(*digest, ","), Mechanisms: supported, Logger: log,
	})
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	log.Info("stopping", zap.Any("stats", srv.Stats()))
	return srv.Close()
}

func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	return cfg.Build()
}
