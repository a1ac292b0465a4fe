// Command authcenter runs the sigproxy authentication center (package
// tools/authcenter) and administers its key store.
//
//	authcenter serve --listen 127.0.0.1:8740 --db ac.db --master-key ac-master.key \
//	    --realm sigproxy.test
//	authcenter add-subscriber --identity alice
//	authcenter add-subscriber --count N [--prefix user --start 1] [--export-terminal-keys FILE]
//	authcenter password --identity alice
//	authcenter add-proxy-key --proxy sp1 [--kid 1] [--stage] [--admin URL]
//	authcenter activate-proxy-key --proxy sp1 --kid 2 [--admin URL]
//	authcenter remove-proxy-key --proxy sp1 --kid 1 [--admin URL]
//	authcenter export-proxy-key --proxy sp1 --out sp1.keys --seal-key proxy-master.key
//	authcenter export-proxy-key --proxy sp1 --admin URL
//
// The key commands open the store file themselves, which the running AC
// locks; while it serves, give --admin with its admin API (serve
// --admin-listen) and the AC does the work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: authcenter <command> [flags]
commands: serve, add-subscriber, password, add-proxy-key, activate-proxy-key,
  remove-proxy-key, export-proxy-key
run "authcenter <command> -h" for a command's flags`

// run executes one subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"serve":              serve,
		"add-subscriber":     addSubscriber,
		"password":           password,
		"add-proxy-key":      addProxyKey,
		"activate-proxy-key": activateProxyKey,
		"remove-proxy-key":   removeProxyKey,
		"export-proxy-key":   exportProxyKey,
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "authcenter: unknown command %q\n%s\n", args[0], usage)
		return 2
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "authcenter %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// storeFlags are the flags every store command shares.
type storeFlags struct{ db, masterKey string }

func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *storeFlags) {
	fs := flag.NewFlagSet("authcenter "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := &storeFlags{}
	fs.StringVar(&sf.db, "db", "ac.db", "key store file (bbolt, created 0600)")
	fs.StringVar(&sf.masterKey, "master-key", "ac-master.key",
		"master key file sealing the store (created 0600 when missing)")
	return fs, sf
}

func (sf *storeFlags) open() (keystore.SubscriberStore, error) {
	return authcenter.OpenStore(sf.db, sf.masterKey)
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, sf := newFlagSet("serve", stderr)
	listen := fs.String("listen", "127.0.0.1:8740", "TCP address of the HTTP API")
	realm := fs.String("realm", "sigproxy.test", "digest realm")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	maxVectors := fs.Int("max-vectors", authcenter.DefaultMaxVectors, "outstanding vectors kept")
	adminListen := fs.String("admin-listen", "",
		"TCP address of the key-administration API (empty: off; bind a management address)")
	exportDir := fs.String("export-dir", ".", "directory the admin API writes proxy key files to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(*level, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	store, err := sf.open()
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := authcenter.New(authcenter.Config{Listen: *listen, Store: store, Realm: *realm,
		Logger: log, MaxVectors: *maxVectors})
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "authcenter listening on %s\n", srv.Addr())
	if *adminListen != "" {
		admin, err := authcenter.NewAdmin(store, *exportDir, log.Named("admin"))
		if err != nil {
			return errors.Join(err, srv.Close())
		}
		if err := admin.Start(*adminListen); err != nil {
			return errors.Join(err, srv.Close())
		}
		defer admin.Close()
		fmt.Fprintf(stdout, "admin API listening on %s\n", admin.Addr())
	}
	<-ctx.Done()
	return srv.Close()
}

func newLogger(level string, w io.Writer) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), lvl)), nil
}

func addSubscriber(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs, sf := newFlagSet("add-subscriber", stderr)
	identity := fs.String("identity", "", "identity (digest username) to add")
	count := fs.Int("count", 0, "add N identities <prefix><index> instead")
	prefix := fs.String("prefix", "user", "identity prefix for --count")
	start := fs.Int("start", 1, "first index for --count")
	export := fs.String("export-terminal-keys", "",
		"write the new identities' Kc (base64) to this file, mode 0600, for sigterm --kc-file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ids []string
	switch {
	case *identity != "" && *count > 0:
		return errors.New("give --identity or --count, not both")
	case *identity != "":
		ids = []string{*identity}
	case *count > 0:
		ids = authcenter.SequentialIdentities(*prefix, *start, *count)
	default:
		return errors.New("give --identity or --count")
	}
	store, err := sf.open()
	if err != nil {
		return err
	}
	defer store.Close()
	subs, err := authcenter.AddSubscribers(store, ids, nil)
	if err != nil {
		return err
	}
	if *export != "" {
		if err := authcenter.WriteTerminalKeys(*export, subs); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote terminal keys to %s (secret, mode 0600)\n", *export)
	}
	fmt.Fprintf(stdout, "added %d subscriber(s)\n", len(subs))
	return nil
}

func password(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs, sf := newFlagSet("password", stderr)
	identity := fs.String("identity", "", "identity whose digest password to print")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *identity == "" {
		return errors.New("give --identity")
	}
	store, err := sf.open()
	if err != nil {
		return err
	}
	defer store.Close()
	pw, err := authcenter.SubscriberPassword(store, *identity)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "authcenter: the digest password below is a secret")
	fmt.Fprintln(stdout, pw)
	return nil
}
