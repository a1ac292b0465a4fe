package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/sigproxy/sigproxy/keystore"
	"github.com/sigproxy/sigproxy/tools/authcenter"
)

// keyAdmin is what the key commands do, either on the store file (the AC is
// stopped) or through a running AC's admin API.
type keyAdmin interface {
	add(ctx context.Context, proxyID, kid string, stage bool) (string, error)
	activate(ctx context.Context, proxyID, kid string) error
	remove(ctx context.Context, proxyID, kid string) error
	close() error
}

// keyFlags are the flags of every key command.
type keyFlags struct {
	fs           *flag.FlagSet
	store        *storeFlags
	proxy, admin string
}

func newKeyFlags(name string, stderr io.Writer) *keyFlags {
	fs, sf := newFlagSet(name, stderr)
	kf := &keyFlags{fs: fs, store: sf}
	fs.StringVar(&kf.proxy, "proxy", "", "proxy id (the user part of the proxy's Path URI)")
	fs.StringVar(&kf.admin, "admin", "",
		"URL of a running AC's admin API, e.g. http://127.0.0.1:8741 (default: open --db)")
	return kf
}

// open returns the admin the flags name.
func (kf *keyFlags) open() (keyAdmin, error) {
	if kf.proxy == "" {
		return nil, errors.New("give --proxy")
	}
	if kf.admin != "" {
		return apiAdmin{&authcenter.AdminClient{BaseURL: kf.admin}}, nil
	}
	store, err := kf.store.open()
	if err != nil {
		return nil, err
	}
	return storeAdmin{store}, nil
}

func addProxyKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kf := newKeyFlags("add-proxy-key", stderr)
	kid := kf.fs.String("kid", "", "key id (default: highest numeric kid + 1)")
	stage := kf.fs.Bool("stage", false,
		"keep the current key current: export to the proxies first, then activate-proxy-key")
	if err := kf.fs.Parse(args); err != nil {
		return err
	}
	ka, err := kf.open()
	if err != nil {
		return err
	}
	defer ka.close()
	got, err := ka.add(ctx, kf.proxy, *kid, *stage)
	if err != nil {
		return err
	}
	state := "now current"
	if *stage {
		state = "staged; current unchanged unless it is the first"
	}
	fmt.Fprintf(stdout, "proxy %s: added kid %s (%s)\n", kf.proxy, got, state)
	return nil
}

func activateProxyKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return kidCommand(ctx, "activate-proxy-key", args, stdout, stderr,
		keyAdmin.activate, "is now current")
}

func removeProxyKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return kidCommand(ctx, "remove-proxy-key", args, stdout, stderr,
		keyAdmin.remove, "removed")
}

// kidCommand runs a command that acts on one --kid.
func kidCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer,
	do func(keyAdmin, context.Context, string, string) error, done string) error {
	kf := newKeyFlags(name, stderr)
	kid := kf.fs.String("kid", "", "key id")
	if err := kf.fs.Parse(args); err != nil {
		return err
	}
	if *kid == "" {
		return errors.New("give --kid")
	}
	ka, err := kf.open()
	if err != nil {
		return err
	}
	defer ka.close()
	if err := do(ka, ctx, kf.proxy, *kid); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "proxy %s: kid %s %s\n", kf.proxy, *kid, done)
	return nil
}

func exportProxyKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kf := newKeyFlags("export-proxy-key", stderr)
	out := kf.fs.String("out", "", "proxy key file to write (mode 0600); not with --admin")
	sealKey := kf.fs.String("seal-key", "",
		"the proxy's master key file sealing the output (created 0600 when missing)")
	if err := kf.fs.Parse(args); err != nil {
		return err
	}
	if kf.proxy == "" {
		return errors.New("give --proxy")
	}
	if kf.admin != "" {
		if *out != "" || *sealKey != "" {
			return errors.New("with --admin the AC writes into its --export-dir: drop --out and --seal-key")
		}
		ans, err := (&authcenter.AdminClient{BaseURL: kf.admin}).ExportProxyKeys(ctx, kf.proxy)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "the AC wrote %d key(s) of proxy %s to %s (sealed by %s)\n",
			ans.Keys, kf.proxy, ans.KeyFile, ans.MasterKey)
		return nil
	}
	if *out == "" || *sealKey == "" {
		return errors.New("give --out and --seal-key (or --admin)")
	}
	store, err := kf.store.open()
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := authcenter.ExportProxyKeys(store, kf.proxy, *out, *sealKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d key(s) of proxy %s to %s\n", n, kf.proxy, *out)
	return nil
}

// storeAdmin works on the store file directly.
type storeAdmin struct{ store keystore.SubscriberStore }

func (s storeAdmin) add(_ context.Context, proxyID, kid string, stage bool) (string, error) {
	if stage {
		return authcenter.StageProxyKey(s.store, proxyID, kid, nil)
	}
	return authcenter.AddProxyKey(s.store, proxyID, kid, nil)
}

func (s storeAdmin) activate(_ context.Context, proxyID, kid string) error {
	return s.store.SetCurrentProxyKey(proxyID, kid)
}

func (s storeAdmin) remove(_ context.Context, proxyID, kid string) error {
	return s.store.RemoveProxyKey(proxyID, kid)
}

func (s storeAdmin) close() error { return s.store.Close() }

// apiAdmin works through a running AC's admin API.
type apiAdmin struct{ c *authcenter.AdminClient }

func (a apiAdmin) add(ctx context.Context, proxyID, kid string, stage bool) (string, error) {
	return a.c.AddProxyKey(ctx, proxyID, kid, stage)
}

func (a apiAdmin) activate(ctx context.Context, proxyID, kid string) error {
	return a.c.SetCurrentProxyKey(ctx, proxyID, kid)
}

func (a apiAdmin) remove(ctx context.Context, proxyID, kid string) error {
	return a.c.RemoveProxyKey(ctx, proxyID, kid)
}

func (a apiAdmin) close() error { return nil }
