//go:build !race

package sip

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
	var m Message
	for name, msg := range map[string][]byte{"register": benchRegister, "200": bench200} {
		assertNoAllocs(t, "Parse "+name, func() {
			if err := m.Parse(msg); err != nil {
				t.Fatal(err)
			}
		})
	}
	bad := minimal([]string{"Contact: <sip:a@b>;;"}, "")
	assertNoAllocs(t, "Parse error", func() {
		if m.Parse(bad) == nil {
			t.Fatal("accepted")
		}
	})
	missing := []byte("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n")
	assertNoAllocs(t, "Parse missing header", func() {
		if m.Parse(missing) == nil {
			t.Fatal("accepted")
		}
	})
}

func TestHelpersNoAllocs(t *testing.T) {
	var m Message
	if err := m.Parse(benchRegister); err != nil {
		t.Fatal(err)
	}
	via, _ := m.Get(HdrVia)
	from, _ := m.Get(HdrFrom)
	cseq, _ := m.Get(HdrCSeq)
	auth, _ := m.Get(HdrAuthorization)
	require, _ := m.Get(HdrRequire)
	uri := m.RequestURI()
	dst := make([]byte, 0, 1024)
	funcs := map[string]func(){
		"TopVia/CSeq/FromTag/ToTag": func() {
			_, _ = m.TopVia(), m.FromTag()
			_, _ = m.CSeq()
			_ = m.ToTag()
		},
		"Get/Index/Count/Header": func() {
			_, _ = m.Get(HdrContact)
			_ = m.Index(HdrVia, 0) + m.Count(HdrVia)
			_ = m.Header(3)
		},
		"ListIter": func() {
			it := m.List(HdrSecurityClient)
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				if _, err := ParseMechanism(e); err != nil {
					t.Fatal(err)
				}
			}
		},
		"ParseVia": func() {
			if _, err := ParseVia(via); err != nil {
				t.Fatal(err)
			}
		},
		"Param":     func() { _, _ = Param(via, "branch") },
		"Tag":       func() { _ = Tag(from) },
		"ParseCSeq": func() { _, _, _ = ParseCSeq(cseq) },
		"ParseURI": func() {
			if _, err := ParseURI(uri); err != nil {
				t.Fatal(err)
			}
		},
		"NameAddrURI": func() { _ = NameAddrURI(from) },
		"AuthParam": func() {
			_ = AuthScheme(auth)
			_, _ = AuthParam(auth, "username")
			_, _ = ListParam(auth, "realm")
		},
		"ParseMechanism bad q": func() { _, _ = ParseMechanism([]byte("x;q=2")) },
		"AppendHeader": func() {
			dst = AppendHeader(dst[:0], "Security-Server", via)
		},
		"AppendList": func() {
			dst = AppendList(dst[:0], "Require", require, func(e []byte) bool {
				return eqLower(e, "sec-agree")
			})
		},
		"AppendViaReceived": func() {
			dst = AppendViaReceived(dst[:0], via, []byte("192.0.2.1"), 40001)
		},
		"DropFirstElement": func() { _ = DropFirstElement(via) },
		"LookupHeader/IsToken": func() {
			_ = LookupHeader([]byte("Security-Client"))
			_ = IsToken(via)
		},
		"ParseMaxForwards": func() { _, _ = ParseMaxForwards([]byte("70")) },
		"CheckAuth": func() {
			if err := CheckAuth(auth); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, f := range funcs {
		assertNoAllocs(t, name, f)
	}
}

// TestWordZeroAlloc guards the verification word helpers: parse, input and
// header writing allocate nothing when the buffers have room.
func TestWordZeroAlloc(t *testing.T) {
	var m Message
	if err := m.Parse(wordInvite); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	aor := []byte("sip:alice@sigproxy.test")
	tag := make([]byte, 32)
	checks := map[string]func(){
		"AppendWordInput": func() { _, _ = AppendWordInput(buf[:0], &m, WordT2P, 77, aor) },
		"ParseWord":       func() { _, _, _ = ParseWord([]byte(`seq=1, mac="AAAA"`)) },
		"Message.Word":    func() { m.Word() },
		"AppendWord":      func() { _ = AppendWord(buf[:0], 12345, tag) },
	}
	for name, fn := range checks {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s: %.1f allocations", name, n)
		}
	}
}
