package mgcp

import "testing"

// benchRSIP is a gateway's restart: the 66-byte RestartInProgress of the
// corpus, with CRLF line ends.
var benchRSIP = []byte("RSIP 5106 aaln/1@rgw-01.example.net MGCP 1.0\r\n" +
	"RM: restart\r\nRD: 0\r\n")

// benchRQNT is a Call Agent's NotificationRequest with seven parameters:
// notified entity, request id, requested events with actions, signals,
// digit map, quarantine handling and an extension.
var benchRQNT = []byte("RQNT 1202 aaln/1@rgw-01.example.net MGCP 1.0\r\n" +
	"N: ca@mgc-01.example.net:2727\r\n" +
	"X: 0123456789AB\r\n" +
	"R: L/hu(N), L/hf(S,N), D/[0-9#*T](D)\r\n" +
	"S: L/dl\r\n" +
	"D: (0T|00T|[1-7]xxx|8xxxxxxx|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)\r\n" +
	"Q: process,loop\r\n" +
	"X-Trace: 7f3a\r\n")

// benchNTFY is a gateway's Notify of an off-hook and seven digits.
var benchNTFY = []byte("NTFY 7300 aaln/1@rgw-01.example.net MGCP 1.0\r\n" +
	"N: ca@mgc-01.example.net:2727\r\n" +
	"X: 0123456789AB\r\n" +
	"O: L/hd,D/5,D/5,D/5,D/0,D/1,D/0,D/0\r\n")

// benchResponse is a bare success response.
var benchResponse = []byte("200 1202 OK\r\n")

func benchParse(b *testing.B, msg []byte) {
	m := new(Message)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := m.Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRSIP parses the 66-byte RestartInProgress.
func BenchmarkParseRSIP(b *testing.B) { benchParse(b, benchRSIP) }

// BenchmarkParseRQNT parses the NotificationRequest with seven parameters.
func BenchmarkParseRQNT(b *testing.B) { benchParse(b, benchRQNT) }

// BenchmarkParseNTFY parses the Notify.
func BenchmarkParseNTFY(b *testing.B) { benchParse(b, benchNTFY) }

// BenchmarkParseResponse parses "200 1202 OK".
func BenchmarkParseResponse(b *testing.B) { benchParse(b, benchResponse) }

// BenchmarkRQNTProxyWork is what a proxy does with a command: parse, read
// the endpoint's domain and the notified entity, and split the requested
// events.
func BenchmarkRQNTProxyWork(b *testing.B) {
	m := new(Message)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRQNT)))
	for b.Loop() {
		if _, err := m.Parse(benchRQNT); err != nil {
			b.Fatal(err)
		}
		n, ok := m.Value(ParamNotifiedEntity)
		if len(m.Domain()) == 0 || !ok || len(n) == 0 {
			b.Fatal("fields")
		}
		r, _ := m.Value(ParamRequestedEvents)
		it := NewListIter(r)
		count := 0
		for _, ok := it.Next(); ok; _, ok = it.Next() {
			count++
		}
		if count != 3 {
			b.Fatal("events")
		}
	}
}

// BenchmarkEditRQNT rewrites the transaction id and the notified entity,
// removes the extension and adds a ResponseAck.
func BenchmarkEditRQNT(b *testing.B) {
	m := new(Message)
	if _, err := m.Parse(benchRQNT); err != nil {
		b.Fatal(err)
	}
	var e Editor
	n, name, k := []byte("ca@proxy.example.net:2727"), []byte("N"), []byte("K")
	ack := []byte("1190-1201")
	ext := m.Find("X-Trace")
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRQNT)))
	for b.Loop() {
		e.Reset(m)
		if e.SetTransactionID(4711) != nil || e.Set(name, n) != nil || e.Remove(ext) != nil ||
			e.Add(k, ack) != nil {
			b.Fatal("edit")
		}
		var err error
		if dst, err = e.Append(dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
