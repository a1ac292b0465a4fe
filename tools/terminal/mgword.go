package terminal

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/sigproxy/sigproxy/codec/h248"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// mgWordNotify sends one worded Notify after registration (§13.2, §13.3) and
// checks the p2t word on the MGC's Reply. Only with Config.GatewayWords and
// a session key.
func (t *Terminal) mgWordNotify(ctx context.Context, buf []byte, deadline time.Time,
	rc *recorder) error {
	g := t.mg.words
	if !t.cfg.GatewayWords || g == nil {
		return nil
	}
	id := t.mg.txnID()
	body := fmt.Sprintf("MEGACO/1 %s\r\nTransaction = %d { Context = - { Notify = ROOT { "+
		"ObservedEvents = 7 { al/of } } } }\r\n", t.mg.mid, id)
	req, err := t.mgWorded([]byte(body), g)
	return t.wordedExchange(ctx, "worded Notify", id, req, err, buf, deadline, rc,
		func(b []byte, werr *error) verdict { return t.judgeMGWorded(b, id, g, werr, rc) })
}

// mgWorded puts the next t2p word in an authentication header before msg.
func (t *Terminal) mgWorded(msg []byte, g *gatewayWords) ([]byte, error) {
	m := t.mg.msg
	if err := m.Parse(msg); err != nil {
		return nil, err
	}
	seq, tag, err := g.sign(m, t.cfg.Identity)
	if err != nil {
		return nil, err
	}
	spi, err := skd.H248SPI(g.sk)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("Authentication = 0x%08x:0x%08x:0x%s\r\n", spi, seq, hex.EncodeToString(tag))
	return append([]byte(head), msg...), nil
}

// judgeMGWorded finds the Reply to id in a message and checks its p2t word.
func (t *Terminal) judgeMGWorded(b []byte, id uint32, g *gatewayWords, werr *error,
	rc *recorder) verdict {
	m := t.mg.msg
	if m.Parse(b) != nil {
		return ignored
	}
	for tx := m.Root().FirstChild(); tx.Valid(); tx = tx.Next() {
		switch {
		case tx.ID() != id:
		case tx.Token() == h248.TokPending:
			return provisional
		case tx.Token() == h248.TokReply:
			*werr = t.checkMGWord(m, tx, g, rc)
			return final
		}
	}
	return ignored
}

// checkMGWord checks the authentication header of a Reply (§13.3, §13.4):
// SPI naming SK, a fresh SeqNum, the tag over the body.
func (t *Terminal) checkMGWord(m *h248.Message, tx h248.Node, g *gatewayWords,
	rc *recorder) error {
	if e := tx.Find(h248.TokError); e.Valid() {
		rc.rep.Status = int(e.ID())
		return rc.fail(ErrBadResponse, fmt.Sprintf("worded Notify refused: %d %s", e.ID(),
			e.ErrorText()))
	}
	hdr := m.Header()
	if !hdr.Auth {
		return rc.fail(ErrNoMAC, "no p2t word")
	}
	spi, err := skd.H248SPI(g.sk)
	if err != nil || hdr.SPI != spi || !g.check(m, t.cfg.Identity, hdr.Seq, m.AppendAuthData(nil)) {
		return rc.fail(ErrMACMismatch, "p2t word does not verify")
	}
	rc.rep.WordsVerified++
	rc.step("verified p2t word seq=%d", hdr.Seq)
	return nil
}
