package softswitch

import (
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// TestCallAnswered: INVITE gets 200 with a To tag and a Contact, ACK is
// counted without an answer, BYE gets 200; a retransmitted INVITE is answered
// from the transaction, not counted again.
func TestCallAnswered(t *testing.T) {
	e := newEnv(t, Config{})
	invite := strings.Replace(e.build(reg{user: "x", callID: "call1"}), "REGISTER", "INVITE", -1)
	e.send(invite)
	m := e.recv()
	to := get(m, sip.HdrTo)
	if m.StatusCode() != 200 || sip.Tag([]byte(to)) == nil || get(m, sip.HdrContact) == "" {
		t.Fatalf("INVITE answered:\n%s", m.Bytes())
	}
	e.send(invite)
	if again := e.recv(); again.StatusCode() != 200 || get(again, sip.HdrTo) != to {
		t.Fatalf("retransmitted INVITE answered differently:\n%s", again.Bytes())
	}
	e.send(strings.Replace(invite, "INVITE", "ACK", -1))
	e.send(strings.Replace(strings.Replace(invite, "INVITE", "BYE", -1), "CSeq: 1", "CSeq: 2", 1))
	if bye := e.recv(); bye.StatusCode() != 200 || !strings.HasSuffix(get(bye, sip.HdrCSeq), "BYE") {
		t.Fatalf("BYE answered:\n%s", bye.Bytes())
	}
	waitFor(t, "call counters", func() bool {
		st := e.srv.Stats()
		return st.Invites == 1 && st.Acks == 1 && st.Byes == 1 && st.Retransmissions == 1
	})
}
