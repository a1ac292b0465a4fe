package terminal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/sigproxy/sigproxy/codec/sip"
)

// verdict is what an exchange's judge makes of one datagram.
type verdict uint8

const (
	ignored     verdict = iota // not an answer to the request
	provisional                // the request arrived; the answer follows
	final                      // the answer
)

// exchange is one request sent until answered: what to call it in the steps, its
// bytes, and the judge of each datagram received meanwhile.
type exchange struct {
	name  string
	req   []byte
	judge func(b []byte) verdict
}

// run sends x.req and waits for a final verdict, retransmitting after T1, 2*T1, ...
// capped at T2 (RFC 3261 §17.1.2.2; RFC 3525 §D.1.3 leaves the schedule to the sender
// and this one serves both) until deadline. A provisional verdict keeps the wait at
// the T2 pace. The judged datagram is a view into buf, valid until the next run.
func (t *Terminal) run(ctx context.Context, x exchange, buf []byte, deadline time.Time,
	rc *recorder) error {
	if err := t.send(x.req, rc); err != nil {
		return err
	}
	rc.step("sent %s", x.name)
	interval := t.cfg.T1
	next := time.Now().Add(interval)
	for {
		n, err := t.readUntil(ctx, buf, minTime(next, deadline))
		if err != nil {
			if !isTimeout(err) || ctx.Err() != nil {
				return t.readFailure(ctx, err, rc)
			}
			if !time.Now().Before(deadline) {
				return rc.fail(ErrTimeout, "timeout")
			}
			interval = min(2*interval, t2)
			next = time.Now().Add(interval)
			rc.rep.Retransmissions++
			if err := t.send(x.req, rc); err != nil {
				return err
			}
			rc.step("retransmitted %s", x.name)
			continue
		}
		switch x.judge(buf[:n]) {
		case final:
			return nil
		case provisional:
			interval = t2
			next = time.Now().Add(interval)
		}
	}
}

// transact sends tx.req and waits for its final response. Datagrams that are not a
// response to tx are ignored. The returned message is a view into buf, valid until
// the next transact.
func (t *Terminal) transact(ctx context.Context, tx *txn, buf []byte, deadline time.Time,
	rc *recorder) (*sip.Message, error) {
	x := exchange{name: fmt.Sprintf("REGISTER cseq=%d", tx.cseq), req: tx.req,
		judge: func(b []byte) verdict {
			if !t.accept(b, tx, rc) {
				return ignored
			}
			if code := t.msg.StatusCode(); code < 200 {
				rc.step("received %d", code)
				return provisional
			}
			return final
		}}
	if err := t.run(ctx, x, buf, deadline, rc); err != nil {
		return nil, err
	}
	return &t.msg, nil
}

// send writes the request once.
func (t *Terminal) send(req []byte, rc *recorder) error {
	if _, err := t.conn.WriteToUDP(req, t.cfg.Proxy); err != nil {
		return rc.fail(fmt.Errorf("terminal: send: %w", err), "send error")
	}
	return nil
}

// readUntil reads one datagram, giving up at d. The context check after setting the
// deadline pairs with the AfterFunc in register: a cancel either happened before the
// check or its deadline reset comes after ours.
func (t *Terminal) readUntil(ctx context.Context, buf []byte, d time.Time) (int, error) {
	if err := t.conn.SetReadDeadline(d); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, _, err := t.conn.ReadFromUDP(buf)
	return n, err
}

// readFailure turns a read error into the verdict: canceled, timed out, or socket error.
func (t *Terminal) readFailure(ctx context.Context, err error, rc *recorder) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return rc.fail(ErrTimeout, "timeout")
	case ctx.Err() != nil:
		return rc.fail(ErrCanceled, "canceled")
	case errors.Is(err, net.ErrClosed):
		return rc.fail(fmt.Errorf("terminal: receive: %w", err), "closed")
	}
	return rc.fail(fmt.Errorf("terminal: receive: %w", err), "receive error")
}

// accept parses a datagram into t.msg and reports whether it answers tx: a response
// whose top Via branch, Call-ID and CSeq are tx's.
func (t *Terminal) accept(b []byte, tx *txn, rc *recorder) bool {
	m := &t.msg
	if err := m.Parse(b); err != nil {
		rc.step("ignored malformed datagram: %v", err)
		return false
	}
	if m.IsRequest() {
		rc.step("ignored request %s", m.Method())
		return false
	}
	via, _ := m.Get(sip.HdrVia)
	top, _ := sip.NextElement(via, 0)
	v, err := sip.ParseVia(top)
	if err != nil || string(v.Branch) != tx.branch {
		rc.step("ignored response of another transaction")
		return false
	}
	callID, _ := m.Get(sip.HdrCallID)
	cseq, _ := m.Get(sip.HdrCSeq)
	num, method, err := sip.ParseCSeq(cseq)
	if string(callID) != t.callID || err != nil || num != tx.cseq ||
		!bytes.Equal(method, []byte("REGISTER")) {
		rc.step("ignored response with a foreign call-id or cseq")
		return false
	}
	return true
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
