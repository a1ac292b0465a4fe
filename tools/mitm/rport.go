package mitm

import "regexp"

// topViaSentBy finds the first Via's sent-by and the ';' that follows it.
var topViaSentBy = regexp.MustCompile(
	`(?m)\A((?:[^\n]*\n)*?Via: SIP/2\.0/UDP [0-9.]+:[0-9]+)(;)`)

// AddRPort adds rport (RFC 3581) to the top Via of a SIP request, so that the
// server answers the relay it came from rather than the sent-by the Via
// names: what a relay between proxy and softswitch needs to see the answers.
func AddRPort(pkt []byte) []byte { return topViaSentBy.ReplaceAll(pkt, []byte("$1;rport$2")) }
