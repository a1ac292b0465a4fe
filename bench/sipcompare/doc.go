// Package sipcompare sets sigproxy's SIP codec (codec/sip) beside
// github.com/emiago/sipgo: benchmarks that parse the same bytes with both in
// one run, and a differential fuzz target that checks the two agree on the
// fields a proxy routes by wherever sipgo accepts a message.
//
// It is a module of its own so that sipgo never enters the product's go.mod;
// a replace directive points it at the repository's root module. The package
// has no API: everything is in its tests. README.md gives the commands, the
// latest figures and the intentional differences between the two parsers.
package sipcompare
