package terminal

import (
	"fmt"
	"strings"
)

// branchMagic starts every branch this terminal makes (RFC 3261 §8.1.1.7).
const branchMagic = "z9hG4bK"

// txn is one REGISTER transaction: the request bytes and what identifies its responses.
type txn struct {
	cseq   uint32
	branch string
	req    []byte
}

// newTxn builds the next REGISTER. ch is nil for the first one; auth is its
// Authorization value (empty: the identity-only header of PROTOCOL.md §5.1).
func (t *Terminal) newTxn(ch *challenge, auth string) *txn {
	t.cseq++
	tx := &txn{cseq: t.cseq, branch: branchMagic + "." + randomHex(8)}
	tx.req = t.buildRegister(tx, ch, auth)
	return tx
}

// buildRegister writes the REGISTER of PROTOCOL.md §5.1 (first) or §5.3 (second).
func (t *Terminal) buildRegister(tx *txn, ch *challenge, auth string) []byte {
	c := &t.cfg
	aor := "sip:" + c.Identity + "@" + c.Realm
	var b strings.Builder
	b.Grow(768)
	fmt.Fprintf(&b, "REGISTER sip:%s SIP/2.0\r\n", c.Realm)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n", t.host, tx.branch)
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <%s>;tag=%s\r\n", aor, t.fromTag)
	fmt.Fprintf(&b, "To: <%s>\r\n", aor)
	fmt.Fprintf(&b, "Call-ID: %s\r\n", t.callID)
	fmt.Fprintf(&b, "CSeq: %d REGISTER\r\n", tx.cseq)
	fmt.Fprintf(&b, "Contact: <sip:%s@%s>\r\n", c.Identity, t.host)
	expires := c.Expires
	if t.deregistering {
		expires = 0
	}
	fmt.Fprintf(&b, "Expires: %d\r\n", expires)
	if len(c.Offer) > 0 {
		b.WriteString("Require: sec-agree\r\nProxy-Require: sec-agree\r\n")
		fmt.Fprintf(&b, "Security-Client: %s\r\n", strings.Join(c.Offer, ", "))
		if ch != nil && len(ch.server) > 0 {
			fmt.Fprintf(&b, "Security-Verify: %s\r\n", strings.Join(ch.server, ", "))
		}
	}
	if auth == "" {
		auth = fmt.Sprintf(`Digest username="%s", realm="%s", nonce="", uri="sip:%s", response=""`,
			c.Identity, c.Realm, c.Realm)
	}
	fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
	b.WriteString("User-Agent: sigterm\r\nContent-Length: 0\r\n\r\n")
	return []byte(b.String())
}
