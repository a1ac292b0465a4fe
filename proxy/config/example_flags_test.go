package config_test

import (
	"flag"
	"fmt"

	"github.com/sigproxy/sigproxy/proxy/config"
)

// The file sets the pending TTL and the event loops; the command line sets
// the TTL again and leaves -loops at its default, so the flag wins for the
// TTL and the file keeps the loops.
func ExampleFile_ApplyFlags() {
	f, err := config.Parse([]byte("[limits]\npending_ttl = \"30s\"\nevent_loops = 4\n"))
	if err != nil {
		panic(err)
	}
	fs := flag.NewFlagSet("sigproxy", flag.ContinueOnError)
	fs.Duration("pending-ttl", 0, "")
	fs.Int("loops", 1, "")
	if err := fs.Parse([]string{"-pending-ttl", "45s"}); err != nil {
		panic(err)
	}
	if err := f.ApplyFlags(fs); err != nil {
		panic(err)
	}
	s, _ := f.Settings()
	fmt.Println(s.Proxy.PendingTTL, s.Proxy.EventLoops)
	// Output: 45s 4
}
