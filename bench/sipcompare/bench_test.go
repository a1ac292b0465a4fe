package sipcompare

import (
	"os"
	"path/filepath"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
	"github.com/sigproxy/sigproxy/codec/sip"
)

// benchMessages are the datagrams both parsers are timed on, read from
// testdata so the README can point at the exact bytes.
var benchMessages = []string{"register", "ok200"}

func readMessage(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".sip"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkParse times, per message, what the proxy needs from it
// (sigproxy=proxy), every header delimited and the common ones decoded
// (sigproxy=full), sipgo's parser alone (sipgo=parse) and sipgo's parser
// followed by reading the same fields as the proxy view (sipgo=proxy).
// Name the columns with benchstat -col /parser.
func BenchmarkParse(b *testing.B) {
	for _, name := range benchMessages {
		msg := readMessage(b, name)
		for _, p := range []struct {
			name string
			run  func(b *testing.B, msg []byte)
		}{
			{"sigproxy-proxy", benchOursProxy},
			{"sigproxy-full", benchOursFull},
			{"sipgo-parse", benchSipgoParse},
			{"sipgo-proxy", benchSipgoProxy},
		} {
			b.Run("msg="+name+"/parser="+p.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(msg)))
				p.run(b, msg)
			})
		}
	}
}

func benchOursProxy(b *testing.B, msg []byte) {
	var m sip.Message
	var v view
	for b.Loop() {
		if err := proxyView(&m, msg, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOursFull(b *testing.B, msg []byte) {
	var m sip.Message
	for b.Loop() {
		if err := fullParse(&m, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSipgoParse(b *testing.B, msg []byte) {
	p := sipgo.NewParser()
	for b.Loop() {
		if _, err := p.ParseSIP(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSipgoProxy(b *testing.B, msg []byte) {
	p := sipgo.NewParser()
	var v sipgoView
	for b.Loop() {
		if err := sipgoProxyView(p, msg, &v); err != nil {
			b.Fatal(err)
		}
	}
}
