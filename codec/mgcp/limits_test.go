package mgcp

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// parseErr parses b and returns the sentinel error, nil on success.
func parseErr(b []byte) error {
	var m Message
	_, err := m.Parse(b)
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// atLimit checks that build(limit) parses and build(limit+1) fails with
// want.
func atLimit(t *testing.T, name string, limit int, want error, build func(n int) []byte) {
	t.Helper()
	if err := parseErr(build(limit)); err != nil {
		t.Errorf("%s at the limit %d: %v", name, limit, err)
	}
	if err := parseErr(build(limit + 1)); err != want {
		t.Errorf("%s one past the limit: %v, want %v", name, err, want)
	}
}

func TestLimits(t *testing.T) {
	atLimit(t, "message size", MaxMessageSize, ErrMessageTooLarge, func(n int) []byte {
		b := []byte(cmdLine + "\n")
		line := strings.Repeat("a", 1000) + "\n"
		for len(b)+len(line) <= n {
			b = append(b, line...)
		}
		return append(b, strings.Repeat("a", n-len(b))...)
	})
	atLimit(t, "parameter line", MaxLineLength, ErrLineTooLong, func(n int) []byte {
		return []byte(cmdLine + "X: " + strings.Repeat("1", n-3) + "\n")
	})
	atLimit(t, "command line", MaxLineLength, ErrLineTooLong, func(n int) []byte {
		return []byte("RQNT 1 a@b MGCP 1.0 " + strings.Repeat("P", n-20) + "\n")
	})
	atLimit(t, "SDP line", MaxLineLength, ErrLineTooLong, func(n int) []byte {
		return []byte(cmdLine + "\nv=0\n" + strings.Repeat("a", n))
	})
	atLimit(t, "parameters", MaxParameters, ErrTooManyParameters, func(n int) []byte {
		return []byte(cmdLine + strings.Repeat("X-A: 1\n", n))
	})
	atLimit(t, "local name", MaxLocalNameLength, ErrEndpointTooLong, func(n int) []byte {
		return []byte("RQNT 1 aaln/" + strings.Repeat("1", n-5) + "@b MGCP 1.0\n")
	})
	atLimit(t, "domain", MaxDomainLength, ErrEndpointTooLong, func(n int) []byte {
		return []byte("RQNT 1 a@" + strings.Repeat("d", n) + ":2427 MGCP 1.0\n")
	})
	atLimit(t, "parameter name", MaxParamNameLength, ErrBadParameter, func(n int) []byte {
		return []byte(cmdLine + "X-" + strings.Repeat("n", n-2) + ": 1\n")
	})
	atLimit(t, "package name", MaxPackageNameLength, ErrBadResponseLine, func(n int) []byte {
		return []byte("500 1 /" + strings.Repeat("p", n) + " text\n")
	})
	atLimit(t, "transaction id digits", 9, ErrBadTransactionID, func(n int) []byte {
		return []byte("200 " + strings.Repeat("9", n) + "\n")
	})
}

// TestTransactionIDRange checks the values at both ends of 1..999999999.
func TestTransactionIDRange(t *testing.T) {
	for in, want := range map[string]uint32{"1": 1, "000000001": 1, "999999999": MaxTransactionID} {
		m := mustParse(t, []byte("200 "+in+"\n"))
		if m.TransactionID() != want {
			t.Errorf("%s: %d", in, m.TransactionID())
		}
	}
	for _, in := range []string{"0", "000000000", "1000000000"} {
		if err := parseErr([]byte("200 " + in + "\n")); err != ErrBadTransactionID {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func TestPiggybackLimit(t *testing.T) {
	build := func(n int) []byte {
		var b []byte
		for i := range n {
			if i > 0 {
				b = append(b, ".\n"...)
			}
			b = append(b, "200 "+strconv.Itoa(i+1)+" OK\n"...)
		}
		return b
	}
	var d Datagram
	var m Message
	d.Reset(build(MaxPiggyback))
	for d.Next(&m) {
	}
	if d.Err() != nil || d.Count() != MaxPiggyback || m.TransactionID() != MaxPiggyback {
		t.Errorf("at the limit: %v, %d messages", d.Err(), d.Count())
	}
	b := build(MaxPiggyback + 1)
	d.Reset(b)
	for d.Next(&m) {
	}
	var pe *ParseError
	if !errors.As(d.Err(), &pe) || pe.Err != ErrTooManyMessages || d.Count() != MaxPiggyback ||
		!bytes.HasPrefix(b[pe.Offset:], []byte("200 17 OK")) || m.Valid() {
		t.Errorf("one past the limit: %v, %d messages", d.Err(), d.Count())
	}
	d.Reset(make([]byte, MaxMessageSize+1))
	if d.Next(&m) || !errors.Is(d.Err(), ErrMessageTooLarge) {
		t.Errorf("large datagram: %v", d.Err())
	}
	// An error in the second message is reported at its datagram offset.
	d.Reset([]byte("200 1 OK\n.\n200 x\n"))
	for d.Next(&m) {
	}
	if !errors.As(d.Err(), &pe) || pe.Err != ErrBadTransactionID || pe.Offset != 15 {
		t.Errorf("second message error: %v", d.Err())
	}
	d.Reset(nil)
	if d.Next(&m) || !errors.Is(d.Err(), ErrEmptyMessage) {
		t.Errorf("empty datagram: %v", d.Err())
	}
}

func TestListLimit(t *testing.T) {
	for n, want := range map[int]error{MaxListElements: nil, MaxListElements + 1: ErrTooManyElements} {
		it := NewListIter([]byte(strings.Repeat("a,", n-1) + "a"))
		count := 0
		for _, ok := it.Next(); ok; _, ok = it.Next() {
			count++
		}
		if it.Err() != want || count != min(n, MaxListElements) {
			t.Errorf("%d elements: %d read, %v", n, count, it.Err())
		}
	}
}
