package terminal

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// OutcomeCalled is the Outcome of a Call that completed.
const OutcomeCalled = "call completed"

// callSDP is the offer of a Call: no media flows, the softswitch is the far end.
const callSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n" +
	"t=0 0\r\nm=audio 9 RTP/AVP 0\r\n"

// call is one dialog's identifiers.
type call struct {
	callID, fromTag, toTag, target string
}

// Call makes one call to the softswitch after a secured registration:
// INVITE, 200, ACK, then BYE and its 200 (PROTOCOL.md §13). Every request
// carries a t2p word, numbered on from the registration; every 2xx must carry
// a p2t word that verifies, with a number not seen before. Report counts the
// words sent and verified; the error is nil exactly when the call completed,
// and otherwise matches ErrNotRegistered, ErrNoWord, ErrWordMismatch,
// ErrWordReplayed, ErrForbidden (the proxy refused a word), ErrStatus,
// ErrTimeout or ErrCanceled. Calls and Register are serialized.
func (t *Terminal) Call(ctx context.Context) (Report, error) {
	return t.runLocked(ctx, t.call, func(rc *recorder) {
		rc.rep.Outcome = OutcomeCalled
		rc.step("call completed words_sent=%d words_verified=%d",
			rc.rep.WordsSent, rc.rep.WordsVerified)
	})
}

func (t *Terminal) call(ctx context.Context, rc *recorder) error {
	if t.words == nil || t.cfg.Protocol != ProtocolSIP {
		return rc.fail(ErrNotRegistered, "not registered with a mechanism")
	}
	rc.rep.Mechanism = t.words.mech.String()
	deadline, bufp, release := t.begin(ctx, rc)
	defer release()

	c := &call{callID: randomHex(8) + "@" + t.LocalAddr().IP.String(), fromTag: randomHex(6),
		target: "sip:softswitch@" + t.cfg.Realm}
	if err := t.dialogRequest(ctx, c, "INVITE", 1, *bufp, deadline, rc); err != nil {
		return err
	}
	ack, err := t.sign(t.buildDialogRequest(c, "ACK", 1, branchMagic+"."+randomHex(8)))
	if err != nil {
		return rc.fail(err, "word for ACK")
	}
	rc.rep.WordsSent++
	if err := t.send(ack, rc); err != nil {
		return err
	}
	rc.step("sent ACK")
	return t.dialogRequest(ctx, c, "BYE", 2, *bufp, deadline, rc)
}

// dialogRequest sends a worded request until a final response arrives and
// judges it: a 2xx must carry a valid word.
func (t *Terminal) dialogRequest(ctx context.Context, c *call, method string, cseq uint32,
	buf []byte, deadline time.Time, rc *recorder) error {
	branch := branchMagic + "." + randomHex(8)
	req, err := t.sign(t.buildDialogRequest(c, method, cseq, branch))
	if err != nil {
		return rc.fail(err, "word for "+method)
	}
	rc.rep.WordsSent++
	x := exchange{name: fmt.Sprintf("%s cseq=%d", method, cseq), req: req,
		judge: func(b []byte) verdict { return t.judgeDialog(b, c, branch, method, cseq, rc) }}
	if err := t.run(ctx, x, buf, deadline, rc); err != nil {
		return err
	}
	m := &t.msg
	rc.rep.Status = m.StatusCode()
	switch code := m.StatusCode(); {
	case code == 403:
		warn, _ := m.Get(sip.LookupHeader([]byte("Warning")))
		return rc.fail(ErrForbidden, fmt.Sprintf("%s refused: %s", method, warn))
	case code < 200 || code > 299:
		return rc.fail(ErrStatus, fmt.Sprintf("%s answered %d", method, code))
	}
	if err := t.checkWord(m); err != nil {
		return rc.fail(err, method+" 2xx: "+strings.TrimPrefix(err.Error(), "terminal: "))
	}
	rc.rep.WordsVerified++
	if method == "INVITE" {
		to, _ := m.Get(sip.HdrTo)
		c.toTag = string(sip.Tag(to))
	}
	rc.step("received %d to %s, word verified", m.StatusCode(), method)
	return nil
}

// judgeDialog reads a datagram as a response to the request: its top Via
// branch, Call-ID and CSeq must match.
func (t *Terminal) judgeDialog(b []byte, c *call, branch, method string, cseq uint32,
	rc *recorder) verdict {
	m := &t.msg
	if err := m.Parse(b); err != nil || m.IsRequest() {
		rc.step("ignored a datagram that is not a response")
		return ignored
	}
	v := m.TopVia()
	callID, _ := m.Get(sip.HdrCallID)
	num, meth := m.CSeq()
	if string(v.Branch) != branch || string(callID) != c.callID || num != cseq ||
		!bytes.Equal(meth, []byte(method)) {
		rc.step("ignored response of another transaction")
		return ignored
	}
	if m.StatusCode() < 200 {
		rc.step("received %d", m.StatusCode())
		return provisional
	}
	return final
}

// buildDialogRequest writes a request of the call; the INVITE carries the SDP offer.
func (t *Terminal) buildDialogRequest(c *call, method string, cseq uint32, branch string) []byte {
	cf := &t.cfg
	aor := "sip:" + cf.Identity + "@" + cf.Realm
	var b strings.Builder
	b.Grow(768)
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", method, c.target)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n", t.host, branch)
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <%s>;tag=%s\r\n", aor, c.fromTag)
	if c.toTag != "" {
		fmt.Fprintf(&b, "To: <%s>;tag=%s\r\n", c.target, c.toTag)
	} else {
		fmt.Fprintf(&b, "To: <%s>\r\n", c.target)
	}
	fmt.Fprintf(&b, "Call-ID: %s\r\n", c.callID)
	fmt.Fprintf(&b, "CSeq: %d %s\r\n", cseq, method)
	body := ""
	if method == "INVITE" {
		fmt.Fprintf(&b, "Contact: <sip:%s@%s>\r\n", cf.Identity, t.host)
		b.WriteString("Content-Type: application/sdp\r\n")
		body = callSDP
	}
	fmt.Fprintf(&b, "User-Agent: sigterm\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	return []byte(b.String())
}

// OutcomeDeregistered is the Outcome of a Deregister that the registrar took.
const OutcomeDeregistered = "deregistered"

// Deregister removes the terminal's binding (PROTOCOL.md §9): the same two
// REGISTER transactions as Register, with Expires: 0, and a 200 that carries no
// key. The key of the last registration, and its words, end as it starts.
// Errors as Register's.
func (t *Terminal) Deregister(ctx context.Context) (Report, error) {
	return t.runLocked(ctx, func(ctx context.Context, rc *recorder) error {
		t.deregistering = true
		defer func() { t.deregistering = false }()
		return t.register(ctx, rc)
	}, func(rc *recorder) {
		rc.rep.Outcome = OutcomeDeregistered
		rc.step("deregistered")
	})
}

// RunAndCall registers one terminal built from cfg and, when the
// registration is secured, makes a call, registers again (a refresh: a new
// SK, new word counters, PROTOCOL.md §13.1) and makes a second call under the
// new key; then it closes the terminal. The Report is the first
// registration's, with both calls' word counts and steps added; a failed
// call or refresh makes it a failure with that step's reason.
func RunAndCall(ctx context.Context, cfg Config) Report {
	t, err := New(cfg)
	if err != nil {
		return Run(ctx, cfg) // the same "bad config" report
	}
	defer t.Close()
	rep, err := t.Register(ctx)
	if err != nil || !rep.Secured() {
		return rep
	}
	for round := 0; round < 2; round++ {
		if round == 1 {
			again, err := t.Register(ctx)
			rep.Steps = append(rep.Steps, again.Steps...)
			rep.Elapsed += again.Elapsed
			if err != nil || !again.Secured() {
				rep.Outcome = again.Outcome
				return rep
			}
		}
		call, _ := t.Call(ctx)
		rep.WordsSent += call.WordsSent
		rep.WordsVerified += call.WordsVerified
		rep.Retransmissions += call.Retransmissions
		rep.Steps = append(rep.Steps, call.Steps...)
		rep.Elapsed += call.Elapsed
		if call.Outcome != OutcomeCalled {
			rep.Outcome = call.Outcome
			return rep
		}
	}
	return rep
}
