package main

// calls reports whether the mix's terminals make a call after registering,
// register again and call again (PROTOCOL.md §13): SIP terminals secured
// through the proxy, the ones that share a key with it. terminal.RunAndCall turns a call whose words fail into
// a failed outcome, which check reports as a mismatch.
func (m mix) calls() bool {
	return m.proto == "" && !m.direct && m.wantSecured
}
