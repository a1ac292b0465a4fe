package mgcp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// edited applies f to an Editor on a parse of in and returns Append's
// output, which must parse again.
func edited(t *testing.T, in string, f func(e *Editor) error) string {
	t.Helper()
	m := mustParse(t, []byte(in))
	var e Editor
	e.Reset(m)
	if err := f(&e); err != nil {
		t.Fatalf("edit of %q: %v", in, err)
	}
	out, err := e.Append(nil)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	mustParse(t, out)
	return string(out)
}

func TestEditRoundTrips(t *testing.T) {
	rqnt := string(readCorpus(t, "rqnt-offhook"))
	crlf := string(readCorpus(t, "rsip-restart-crlf"))
	cr := string(readCorpus(t, "ntfy-cr-only"))
	crcx := string(readCorpus(t, "crcx-with-sdp"))
	piggy := string(readCorpus(t, "piggyback-response-and-rqnt"))
	for _, c := range []struct {
		name, in string
		f        func(e *Editor) error
		want     string
	}{
		{"none", rqnt, func(e *Editor) error { return nil }, rqnt},
		{"tid", rqnt, func(e *Editor) error { return e.SetTransactionID(999999999) },
			strings.Replace(rqnt, "5102", "999999999", 1)},
		{"value", rqnt, func(e *Editor) error { return e.SetValue(3, []byte("L/dl")) },
			strings.Replace(rqnt, "S: L/rg", "S: L/dl", 1)},
		{"empty value", rqnt, func(e *Editor) error { return e.SetValue(1, nil) },
			strings.Replace(rqnt, "X: 1A2B3C4D", "X: ", 1)},
		{"remove", rqnt, func(e *Editor) error { return e.Remove(0) },
			strings.Replace(rqnt, "N: ca@mgc-01.example.net:2727\n", "", 1)},
		{"remove last, add", rqnt, func(e *Editor) error {
			return errors.Join(e.Add([]byte("K"), []byte("5100-5101")), e.Remove(3),
				e.Add([]byte("S"), []byte("L/bz")))
		}, strings.Replace(rqnt, "S: L/rg\n", "K: 5100-5101\nS: L/bz\n", 1)},
		{"crlf", crlf, func(e *Editor) error {
			return errors.Join(e.SetTransactionID(7), e.Set([]byte("rd"), []byte("30")),
				e.Set([]byte("X-Via"), []byte("proxy-1")))
		}, "RSIP 7 aaln/1@rgw-01.example.net MGCP 1.0\r\nRM: restart\r\nRD: 30\r\n" +
			"X-Via: proxy-1\r\n"},
		{"cr", cr, func(e *Editor) error {
			return errors.Join(e.Remove(1), e.Add([]byte("K"), nil))
		}, "NTFY 7301 aaln/2@rgw-01.example.net MGCP 1.0\rN: ca@mgc-01.example.net:2727\r" +
			"O: L/hu\rK: \r"},
		{"sdp", crcx, func(e *Editor) error { return e.Add([]byte("N"), []byte("ca@x.net")) },
			strings.Replace(crcx, "M: recvonly\n\n", "M: recvonly\nN: ca@x.net\n\n", 1)},
		{"piggy-backed", piggy, func(e *Editor) error { return e.Add([]byte("I"), []byte("1F")) },
			"200 7300 OK\nI: 1F\n"},
	} {
		if got := edited(t, c.in, c.f); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestEditErrors(t *testing.T) {
	rqnt := readCorpus(t, "rqnt-offhook")
	m := mustParse(t, rqnt)
	var e Editor
	check := func(name string, err, want error) {
		t.Helper()
		if err != want {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	if _, err := e.Append(nil); err != ErrStaleMessage {
		t.Errorf("Append before Reset: %v", err)
	}
	check("SetValue before Reset", e.SetValue(0, nil), ErrStaleMessage)
	e.Reset(m)
	check("tid 0", e.SetTransactionID(0), ErrBadTransactionID)
	check("tid too large", e.SetTransactionID(MaxTransactionID+1), ErrBadTransactionID)
	check("value with LF", e.SetValue(0, []byte("a\nK: 1")), ErrBadValue)
	check("value with CR", e.SetValue(0, []byte("a\rb")), ErrBadValue)
	check("value with NUL", e.SetValue(0, []byte("a\x00")), ErrBadValue)
	check("leading space", e.SetValue(0, []byte(" a")), ErrBadValue)
	check("trailing tab", e.SetValue(0, []byte("a\t")), ErrBadValue)
	check("line too long", e.SetValue(0, bytes.Repeat([]byte("a"), MaxLineLength-2)), ErrBadValue)
	check("line at the limit", e.SetValue(0, bytes.Repeat([]byte("a"), MaxLineLength-3)), nil)
	check("index", e.SetValue(4, nil), ErrNoParameter)
	check("remove index", e.Remove(-1), ErrNoParameter)
	check("second value", e.SetValue(0, []byte("b")), ErrEditOverlap)
	check("remove edited", e.Remove(0), ErrEditOverlap)
	check("bad name", e.Add([]byte("X Y"), nil), ErrBadParameter)
	check("empty name", e.Add(nil, nil), ErrBadParameter)
	check("duplicate", e.Add([]byte("x"), []byte("1")), ErrDuplicateParameter)
	check("remove X", e.Remove(1), nil)
	check("add X", e.Add([]byte("x"), []byte("1")), nil)
	check("add X twice", e.Add([]byte("X"), []byte("2")), ErrDuplicateParameter)
	check("repeatable", e.Add([]byte("Z"), []byte("a@b")), nil)
	check("repeatable again", e.Add([]byte("Z"), []byte("c@b")), nil)
	check("tid", e.SetTransactionID(1), nil)
	check("tid twice", e.SetTransactionID(2), ErrEditOverlap)
	out, err := e.Append(make([]byte, 0, 512))
	m2 := mustParse(t, out)
	if err != nil || m2.TransactionID() != 1 || m2.NumParams() != 6 ||
		string(m2.Param(3).Value) != "1" {
		t.Errorf("output %q %v", out, err)
	}
	for e.Len() < MaxEdits {
		check("fill", e.Add([]byte("X-A"), nil), nil)
	}
	check("too many edits", e.Add([]byte("X-A"), nil), ErrTooManyEdits)
	if _, err := m.Parse(rqnt); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Append(nil); err != ErrStaleMessage {
		t.Errorf("Append after a new Parse: %v", err)
	}
	check("Add after a new Parse", e.Add([]byte("K"), nil), ErrStaleMessage)
	check("Set after a new Parse", e.Set([]byte("K"), nil), ErrStaleMessage)
	check("tid after a new Parse", e.SetTransactionID(1), ErrStaleMessage)
	check("Remove after a new Parse", e.Remove(0), ErrStaleMessage)
}

// TestEditLimits checks the parameter count and message size an Editor's
// output may reach.
func TestEditLimits(t *testing.T) {
	full := mustParse(t, []byte(cmdLine+strings.Repeat("X-A: 1\n", MaxParameters-1)))
	var e Editor
	e.Reset(full)
	if err := e.Add([]byte("K"), nil); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	if err := e.Add([]byte("I"), nil); err != ErrTooManyParameters {
		t.Errorf("one past: %v", err)
	}
	if err := e.Remove(0); err != nil || e.Add([]byte("I"), nil) != nil {
		t.Error("a removal makes no room")
	}
	b := []byte(cmdLine + "\n")
	for len(b) < MaxMessageSize-1000 {
		b = append(b, strings.Repeat("a", 999)+"\n"...)
	}
	big := mustParse(t, b)
	e.Reset(big)
	value := bytes.Repeat([]byte("v"), MaxMessageSize-len(b)-len("X: \n"))
	if e.Add([]byte("X"), value) != nil {
		t.Fatal("Add")
	}
	if out, err := e.Append(nil); err != nil || len(out) != MaxMessageSize {
		t.Errorf("at the limit: %d bytes, %v", len(out), err)
	}
	e.Reset(big)
	if e.Add([]byte("X"), append(value, 'v')) != nil {
		t.Fatal("Add")
	}
	dst := []byte("keep")
	if out, err := e.Append(dst); err != ErrMessageTooLarge || string(out) != "keep" {
		t.Errorf("one past: %v, dst %q", err, out[:min(len(out), 8)])
	}
}

func TestAppendHelpers(t *testing.T) {
	m := mustParse(t, readCorpus(t, "rsip-restart-crlf"))
	out, err := m.AppendReply(nil, 200, []byte("OK"))
	if err != nil || string(out) != "200 5106 OK\r\n" {
		t.Errorf("AppendReply %q %v", out, err)
	}
	out, err = AppendResponseLine(out[:0], 0, 7, nil, "\n")
	if err != nil || string(out) != "000 7\n" || !mustParse(t, out).IsResponseAck() {
		t.Errorf("ack %q %v", out, err)
	}
	out, err = AppendParam(out, []byte("K"), []byte("5106"), "\n")
	if err != nil || string(out) != "000 7\nK: 5106\n" {
		t.Errorf("AppendParam %q %v", out, err)
	}
	for _, c := range []struct {
		code int
		tid  uint32
		text string
		eol  string
		want error
	}{
		{-1, 1, "", "\n", ErrBadResponseLine},
		{1000, 1, "", "\n", ErrBadResponseLine},
		{200, 0, "", "\n", ErrBadTransactionID},
		{200, MaxTransactionID + 1, "", "\n", ErrBadTransactionID},
		{200, 1, "/L x", "\n", ErrBadValue},
		{200, 1, " OK", "\n", ErrBadValue},
		{200, 1, "O\nK", "\n", ErrBadValue},
		{200, 1, "OK", "\n\n", ErrBadValue},
		{200, 1, strings.Repeat("t", MaxLineLength-5), "\n", ErrBadValue},
	} {
		out, err := AppendResponseLine([]byte("x"), c.code, c.tid, []byte(c.text), c.eol)
		if err != c.want || string(out) != "x" {
			t.Errorf("%d %d %.20q %q: %.20q %v, want %v", c.code, c.tid, c.text, c.eol, out, err,
				c.want)
		}
	}
	out, err = AppendResponseLine(nil, 200, 1, bytes.Repeat([]byte("t"), MaxLineLength-6), "\n")
	if err != nil || len(out) != MaxLineLength+1 {
		t.Errorf("line at the limit: %v", err)
	}
	if _, err := AppendParam(nil, []byte("K:"), nil, "\n"); err != ErrBadParameter {
		t.Errorf("AppendParam bad name: %v", err)
	}
	if _, err := AppendParam(nil, []byte("K"), []byte("a\r"), "\n"); err != ErrBadValue {
		t.Errorf("AppendParam bad value: %v", err)
	}
	var empty Message
	if _, err := empty.AppendReply(nil, 200, nil); err != ErrStaleMessage {
		t.Errorf("AppendReply without a message: %v", err)
	}
}
