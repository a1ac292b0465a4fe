//go:build !race

package mgcp

import "testing"

// assertNoAllocs fails when f allocates; the race detector allocates, hence
// the build tag.
func assertNoAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%s: %.1f allocs per run, want 0", name, n)
	}
}

func TestParseNoAllocs(t *testing.T) {
	m := new(Message)
	msgs := map[string][]byte{"rsip": benchRSIP, "rqnt": benchRQNT, "ntfy": benchNTFY,
		"response": benchResponse, "sdp": readCorpus(t, "crcx-with-sdp"),
		"cr": readCorpus(t, "ntfy-cr-only")}
	for name, msg := range msgs {
		assertNoAllocs(t, "Parse "+name, func() {
			if _, err := m.Parse(msg); err != nil {
				t.Fatal(err)
			}
		})
	}
	for name, msg := range map[string][]byte{
		"truncated": readCorpus(t, "auep-truncated"),
		"endpoint":  []byte("RQNT 1 a@[1.2.3.4 MGCP 1.0\n"),
		"duplicate": []byte(cmdLine + "X: 1\nX: 2\n"),
		"line end":  []byte(cmdLine + "X: 1\rY: 2\n"),
	} {
		assertNoAllocs(t, "Parse error "+name, func() {
			if _, err := m.Parse(msg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	var d Datagram
	piggy := readCorpus(t, "piggyback-response-and-rqnt")
	assertNoAllocs(t, "Datagram", func() {
		d.Reset(piggy)
		for d.Next(m) {
		}
		if d.Err() != nil || d.Count() != 2 {
			t.Fatal(d.Err())
		}
	})
}

func TestReadNoAllocs(t *testing.T) {
	m := mustParse(t, benchRQNT)
	sink := 0
	acks, ep := []byte("6234-6255, 6257"), []byte("aaln/*@[2001:db8::1]:2427")
	rm := []byte("RM")
	assertNoAllocs(t, "accessors", func() {
		sink += len(m.Endpoint()) + len(m.Domain()) + len(m.Host()) + m.Port() +
			int(m.TransactionID()) + len(m.VerbBytes()) + len(m.Version()) + len(m.SDP())
		v, _ := m.Value(ParamRequestedEvents)
		it := NewListIter(v)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			sink += len(e)
		}
		sink += m.Find("x-trace") + len(m.Param(2).Value)
		ack := NewAckIter(acks)
		for a, _, ok := ack.Next(); ok; a, _, ok = ack.Next() {
			sink += int(a)
		}
		e, _ := ParseEndpoint(ep)
		sink += e.Port + int(LookupParam(rm))
	})
	if sink == 0 {
		t.Fatal("nothing read")
	}
}

func TestEditNoAllocs(t *testing.T) {
	m := mustParse(t, benchRQNT)
	var e Editor
	x, n, bad := []byte("X"), []byte("ca@proxy.example.net:2727"), []byte("a\nb")
	nName, k, ack, ok, i, cid := []byte("N"), []byte("K"), []byte("4700"), []byte("OK"),
		[]byte("I"), []byte("1F3")
	dst := make([]byte, 0, 1024)
	assertNoAllocs(t, "Editor", func() {
		e.Reset(m)
		if e.SetTransactionID(4711) != nil || e.Set(nName, n) != nil ||
			e.Remove(m.Index(ParamSignalRequests)) != nil ||
			e.Add(k, ack) != nil || e.SetValue(1, bad) == nil ||
			e.Add(x, nil) == nil {
			t.Fatal("edit")
		}
		var err error
		if dst, err = e.Append(dst[:0]); err != nil {
			t.Fatal(err)
		}
	})
	assertNoAllocs(t, "AppendReply", func() {
		dst, _ = m.AppendReply(dst[:0], 200, ok)
		dst, _ = AppendParam(dst, i, cid, "\r\n")
	})
}
