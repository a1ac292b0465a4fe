// Package config reads sigproxy's configuration file (TOML) and turns it into
// a proxy.Config and the settings around it: logging, key files and the admin
// HTTP server. docs/sigproxy.example.toml lists every key with its default
// and allowed range; docs/OPERATIONS.md is the operator's guide.
//
// # Use
//
//	f := config.Default()          // no file: the built-in defaults
//	f, err := config.Load(path)    // or: the file, over the defaults
//	err = f.ApplyFlags(flagSet)    // flags the operator set win
//	s, err := f.Settings()         // typed, validated
//	log, err := s.NewLogger()
//	kr, err := s.LoadKeyring()
//	cfg, err := f.ProxyConfig(kr, log)
//
// # Precedence
//
// Built-in defaults, then the file, then the command-line flags the operator
// set explicitly. A flag left at its default never overrides the file: only
// flags that flag.FlagSet.Visit reports (those set on the command line) are
// applied, so "-pending-ttl 30s" wins over the file and an absent -pending-ttl
// does not. FlagKeys lists which flag overrides which key.
//
// # Validation
//
// Unknown keys are errors (a misspelt limit must not silently keep its
// default), and every value is checked against its allowed form or range. All
// problems are reported at once, one line each, in the form
//
//	config: limits.pending_capacity: must be 1..10000000, got 0
//
// Each line matches ErrUnknownKey or ErrInvalidValue with errors.Is; a value
// set by a flag names the flag too. Relative key file paths in a file are
// relative to the file's directory; flag values are used as given.
//
// The file never holds key material, only the paths of the sealed key file
// and the master key file, so errors may quote any value.
package config
