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

// transact sends tx.req and waits for its final response, retransmitting after T1,
// 2*T1, ... capped at T2 (RFC 3261 §17.1.2.2) until deadline. Datagrams that are not a
// response to tx are ignored. The returned message is a view into buf, valid until the
// next transact.
func (t *Terminal) transact(ctx context.Context, tx *txn, buf []byte, deadline time.Time,
	rc *recorder) (*sip.Message, error) {
	if err := t.send(tx, rc); err != nil {
		return nil, err
	}
	rc.step("sent REGISTER cseq=%d", tx.cseq)
	interval := t.cfg.T1
	next := time.Now().Add(interval)
	for {
		n, err := t.readUntil(ctx, buf, minTime(next, deadline))
		if err != nil {
			if !isTimeout(err) || ctx.Err() != nil {
				return nil, t.readFailure(ctx, err, rc)
			}
			if !time.Now().Before(deadline) {
				return nil, rc.fail(ErrTimeout, "timeout")
			}
			interval = min(2*interval, t2)
			next = time.Now().Add(interval)
			rc.rep.Retransmissions++
			if err := t.send(tx, rc); err != nil {
				return nil, err
			}
			rc.step("retransmitted REGISTER cseq=%d", tx.cseq)
			continue
		}
		if !t.accept(buf[:n], tx, rc) {
			continue
		}
		if code := t.msg.StatusCode(); code >= 200 {
			return &t.msg, nil
		}
		// A provisional response: the request arrived; keep waiting at the T2 pace.
		interval = t2
		next = time.Now().Add(interval)
		rc.step("received %d", t.msg.StatusCode())
	}
}

// send writes the request once.
func (t *Terminal) send(tx *txn, rc *recorder) error {
	if _, err := t.conn.WriteToUDP(tx.req, t.cfg.Proxy); err != nil {
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
