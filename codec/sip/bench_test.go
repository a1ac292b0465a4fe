package sip

import "testing"

func benchParse(b *testing.B, msg []byte) {
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := m.Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRegister parses the ~550-byte REGISTER with Security-Client
// and Authorization.
func BenchmarkParseRegister(b *testing.B) { benchParse(b, benchRegister) }

// BenchmarkParse200KeyDistribution parses a 200 OK with two Vias and
// Key-Distribution.
func BenchmarkParse200KeyDistribution(b *testing.B) { benchParse(b, bench200) }

// BenchmarkRegisterProxyWork is what the proxy reads of a first REGISTER:
// parse, the top Via, From tag and CSeq Parse decoded, every Security-Client
// entry, the digest username.
func BenchmarkRegisterProxyWork(b *testing.B) {
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRegister)))
	for b.Loop() {
		if err := m.Parse(benchRegister); err != nil {
			b.Fatal(err)
		}
		if len(m.TopVia().Branch) == 0 || len(m.FromTag()) == 0 {
			b.Fatal("no branch or tag")
		}
		if n, _ := m.CSeq(); n == 0 {
			b.Fatal("no CSeq")
		}
		it := m.List(HdrSecurityClient)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			if _, err := ParseMechanism(e); err != nil {
				b.Fatal(err)
			}
		}
		auth, _ := m.Get(HdrAuthorization)
		if _, ok := AuthParam(auth, "username"); !ok {
			b.Fatal("no username")
		}
	}
}

func BenchmarkListIter(b *testing.B) {
	var m Message
	if err := m.Parse(benchRegister); err != nil {
		b.Fatal(err)
	}
	v, _ := m.Get(HdrSecurityClient)
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		it := m.List(HdrSecurityClient)
		n := 0
		for _, ok := it.Next(); ok; _, ok = it.Next() {
			n++
		}
		if n != 2 {
			b.Fatal(n)
		}
	}
}

func BenchmarkParam(b *testing.B) {
	elem := []byte("SIP/2.0/UDP 127.0.0.1:40001;rport;received=127.0.0.1;branch=z9hG4bK.t1")
	b.ReportAllocs()
	b.SetBytes(int64(len(elem)))
	for b.Loop() {
		if v, _ := Param(elem, "branch"); len(v) == 0 {
			b.Fatal("no branch")
		}
	}
}

func BenchmarkParseVia(b *testing.B) {
	elem := []byte("SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bK.t1;rport;received=192.0.2.1")
	b.ReportAllocs()
	b.SetBytes(int64(len(elem)))
	for b.Loop() {
		if _, err := ParseVia(elem); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMechanism(b *testing.B) {
	elem := []byte("ascon128a-v12;q=0.9;alg=x;mod=trans")
	b.ReportAllocs()
	b.SetBytes(int64(len(elem)))
	for b.Loop() {
		if _, err := ParseMechanism(elem); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthParam(b *testing.B) {
	v := []byte(`Digest username="alice", realm="sigproxy.test", nonce="abc", ` +
		`uri="sip:sigproxy.test", response="0123456789abcdef", algorithm=MD5`)
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if _, ok := AuthParam(v, "response"); !ok {
			b.Fatal("no response")
		}
	}
}

func BenchmarkParseURI(b *testing.B) {
	u := []byte("sip:sp1@127.0.0.1:5060;lr;wrap=ascon128a-v12")
	b.ReportAllocs()
	b.SetBytes(int64(len(u)))
	for b.Loop() {
		if _, err := ParseURI(u); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendList(b *testing.B) {
	v := []byte("sec-agree, path, 100rel, timer")
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		dst = AppendList(dst[:0], "Require", v, func(e []byte) bool {
			return eqLower(e, "sec-agree")
		})
	}
}

// BenchmarkFrameRegister times the header pass alone on the REGISTER:
// lines delimited, names identified, values trimmed.
func BenchmarkFrameRegister(b *testing.B) {
	var m Message
	m.buf = benchRegister
	pos, err := m.parseStartLine()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRegister) - pos))
	for b.Loop() {
		m.first = [firstLen]uint8{}
		if _, err := m.frameHeaders(pos); err != nil {
			b.Fatal(err)
		}
	}
}
