package h248

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The benchmark messages live in testdata/bench so that other decoders
// (bench/megaco runs Erlang/OTP's) can be measured on the same bytes:
//   - servicechange.txt: a MG's registration, a ServiceChange Restart on ROOT
//     as in RFC 3525 A.1 step 1, with Version, Reason and a TimeStamp;
//   - modify.txt: a controller's Modify carrying a handful of properties in
//     LocalControl (two of a project package), events and a signal;
//   - modify-keys.txt: the registration success of PROTOCOL.md §11.5, a
//     Reply and a Modify with both wrapped session keys.
var (
	benchServiceChange = readBench("servicechange.txt")
	benchModify        = readBench("modify.txt")
	benchModifyKeys    = readBench("modify-keys.txt")
)

func readBench(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "bench", name))
	if err != nil {
		panic(err) // the files are part of the package's test data
	}
	return b
}

func benchParse(b *testing.B, msg []byte) {
	m := new(Message)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := m.Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseServiceChange parses the ~250-byte ServiceChange.
func BenchmarkParseServiceChange(b *testing.B) { benchParse(b, benchServiceChange) }

// BenchmarkParseModify parses the Modify with six properties.
func BenchmarkParseModify(b *testing.B) { benchParse(b, benchModify) }

// BenchmarkParseModifyKeys parses the registration success with wrapped keys.
func BenchmarkParseModifyKeys(b *testing.B) { benchParse(b, benchModifyKeys) }

// BenchmarkParseSDP parses RFC 3525 A.1 step 13, a Reply with SDP.
func BenchmarkParseSDP(b *testing.B) {
	benchParse(b, readCorpus(b, "rfc3525", "a1-13-mg1-add-reply-sdp.txt"))
}

// BenchmarkServiceChangeProxyWork is what a proxy does with a
// registration: parse, read the header, walk to the ServiceChange and read
// its Method and Profile.
func BenchmarkServiceChangeProxyWork(b *testing.B) {
	m := new(Message)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchServiceChange)))
	for b.Loop() {
		if err := m.Parse(benchServiceChange); err != nil {
			b.Fatal(err)
		}
		if m.Header().Version != 1 {
			b.Fatal("version")
		}
		w := m.Walker()
		w.Transaction()
		w.Context()
		cmd, err := w.Command()
		if err != nil || cmd.Token() != TokServiceChange {
			b.Fatal("no ServiceChange")
		}
		svc := cmd.Child(TokServices)
		if LookupToken(svc.Child(TokMethod).Value()) != TokRestart ||
			len(svc.Child(TokProfile).Value()) == 0 {
			b.Fatal("method")
		}
	}
}

// BenchmarkEditModify replaces one property, removes another, inserts a
// third and adds the authentication header to the Modify.
func BenchmarkEditModify(b *testing.B) {
	m := new(Message)
	if err := m.Parse(benchModify); err != nil {
		b.Fatal(err)
	}
	var e Editor
	header, _ := AppendAuthHeader(nil, 0xA001, 7, bytes.Repeat([]byte{0x5A}, 16))
	lc := m.Root().Find(TokLocalControl)
	kw, kid := lc.FindParam("skd", "kw"), lc.FindParam("skd", "kid")
	two, mac := []byte("2"), []byte(`skd/mac="0123456789ABCDEF"`)
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchModify)))
	for b.Loop() {
		e.Reset(m)
		if e.SetValue(kid, two) != nil || e.Remove(kw) != nil ||
			e.Insert(lc, mac) != nil || e.SetAuth(header) != nil {
			b.Fatal("edit")
		}
		var err error
		if dst, err = e.Append(dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendAuthHeader builds a header with 16 octets of AuthData.
func BenchmarkAppendAuthHeader(b *testing.B) {
	data := bytes.Repeat([]byte{0x5A}, 16)
	dst := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = AppendAuthHeader(dst[:0], 0xA001, 7, data)
	}
}
