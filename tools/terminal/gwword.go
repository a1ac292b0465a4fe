package terminal

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/sigproxy/sigproxy/codec/mgcp"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// gatewayWords is a registered gateway's verification-word state (PROTOCOL.md
// §13): the session key and mechanism, the last t2p number sent and the p2t
// window. A new registration replaces it.
type gatewayWords struct {
	sk    []byte
	mech  skd.Mechanism
	out   uint32
	in    skd.Window
	macer *skd.MACer
}

func newGatewayWords(sk []byte, mech skd.Mechanism) *gatewayWords {
	return &gatewayWords{sk: append([]byte(nil), sk...), mech: mech, macer: skd.NewMACer()}
}

// next returns the next t2p number.
func (g *gatewayWords) next() uint32 {
	g.out++
	return g.out
}

// wordSource is a parsed H.248 or MGCP message that builds its §13.3 input.
type wordSource interface {
	AppendWordInput(dst []byte, dir string, seq uint32, identity []byte) ([]byte, error)
}

// sign takes the next t2p number and computes its word over m.
func (g *gatewayWords) sign(m wordSource, identity string) (uint32, []byte, error) {
	seq := g.next()
	in, err := m.AppendWordInput(nil, "t2p", seq, []byte(identity))
	if err != nil {
		return 0, nil, err
	}
	tag, err := g.macer.Word(nil, g.mech, g.sk, in)
	return seq, tag, err
}

// check verifies the p2t word numbered seq of m and takes its number: a
// number seen before, or below the window, fails as a replay does (§13.4).
func (g *gatewayWords) check(m wordSource, identity string, seq uint32, tag []byte) bool {
	in, err := m.AppendWordInput(nil, "p2t", seq, []byte(identity))
	return err == nil && g.macer.VerifyWord(g.mech, g.sk, in, tag) && g.in.Accept(seq)
}

// gwWordNTFY sends one worded NTFY after registration (§13.2, §13.3) and
// checks the p2t word on the call agent's 200. Only with Config.GatewayWords
// and a session key.
func (t *Terminal) gwWordNTFY(ctx context.Context, buf []byte, deadline time.Time,
	rc *recorder) error {
	g := t.gw.words
	if !t.cfg.GatewayWords || g == nil {
		return nil
	}
	tid := t.gw.txnID()
	var b strings.Builder
	t.gw.command(&b, "NTFY", tid)
	param(&b, "X", "7")
	param(&b, "O", "L/hd")
	req, err := t.gwWorded([]byte(b.String()), g)
	return t.wordedExchange(ctx, "worded NTFY", tid, req, err, buf, deadline, rc,
		func(b []byte, werr *error) verdict { return t.judgeWorded(b, tid, g, werr, rc) })
}

// wordedExchange sends a worded request built with err until judge, which
// checks the word of its success into *werr, gives a final verdict.
func (t *Terminal) wordedExchange(ctx context.Context, name string, id uint32, req []byte,
	err error, buf []byte, deadline time.Time, rc *recorder,
	judge func(b []byte, werr *error) verdict) error {
	if err != nil {
		return rc.fail(ErrBadResponse, "word: "+err.Error())
	}
	rc.rep.WordsSent++
	var werr error
	x := exchange{name: name + " " + strconv.FormatUint(uint64(id), 10), req: req,
		judge: func(b []byte) verdict { return judge(b, &werr) }}
	if err := t.run(ctx, x, buf, deadline, rc); err != nil {
		return err
	}
	return werr
}

// gwWorded appends X-SKDMW with the next t2p word to a command.
func (t *Terminal) gwWorded(cmd []byte, g *gatewayWords) ([]byte, error) {
	m := t.gw.msg
	if _, err := m.Parse(cmd); err != nil {
		return nil, err
	}
	seq, tag, err := g.sign(m, t.cfg.Identity)
	if err != nil {
		return nil, err
	}
	v := mgcp.AppendWordValue(nil, seq, []byte(base64.StdEncoding.EncodeToString(tag)))
	return mgcp.AppendParam(cmd, []byte(mgcp.WordParam), v, "\r\n")
}

// judgeWorded finds the response to tid in a datagram and checks its p2t word;
// *werr gets the verdict on the word.
func (t *Terminal) judgeWorded(b []byte, tid uint32, g *gatewayWords, werr *error,
	rc *recorder) verdict {
	var d mgcp.Datagram
	m := t.gw.msg
	for d.Reset(b); d.Next(m); {
		if !m.IsResponse() || m.TransactionID() != tid || m.Code() == 0 {
			continue
		}
		if m.Code() < 200 {
			return provisional
		}
		rc.rep.Status = m.Code()
		*werr = t.checkGWWord(m, g, rc)
		return final
	}
	return ignored
}

// checkGWWord checks the X-SKDMW of a success response (§13.3, §13.4).
func (t *Terminal) checkGWWord(m *mgcp.Message, g *gatewayWords, rc *recorder) error {
	if m.Code() >= 300 {
		return rc.fail(ErrBadResponse, "worded NTFY refused: "+strconv.Itoa(m.Code())+" "+
			string(m.Commentary()))
	}
	i := m.Find(mgcp.WordParam)
	if i < 0 {
		return rc.fail(ErrNoMAC, "no p2t word")
	}
	seq, mac, err := mgcp.ParseWordValue(m.Param(i).Value)
	tag, derr := base64.StdEncoding.DecodeString(string(mac))
	if err != nil || derr != nil {
		return rc.fail(ErrMACMismatch, "malformed p2t word")
	}
	if !g.check(m, t.cfg.Identity, seq, tag) {
		return rc.fail(ErrMACMismatch, "p2t word does not verify")
	}
	rc.rep.WordsVerified++
	rc.step("verified p2t word seq=%d on %d", seq, m.Code())
	return nil
}
