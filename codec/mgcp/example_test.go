package mgcp_test

import (
	"fmt"

	"github.com/sigproxy/sigproxy/codec/mgcp"
)

// A datagram holding a response and a piggy-backed command.
func ExampleDatagram() {
	datagram := []byte("200 7300 OK\n.\nRQNT 5104 aaln/1@gw.example.net MGCP 1.0\n" +
		"X: 1A2B\nR: L/hu(N), D/[0-9#*T](D)\n")
	var m mgcp.Message
	var d mgcp.Datagram
	d.Reset(datagram)
	for d.Next(&m) {
		if m.IsResponse() {
			fmt.Println(m.Code(), m.TransactionID(), string(m.Commentary()))
			continue
		}
		fmt.Println(m.Verb(), m.TransactionID(), string(m.Endpoint()))
		r, _ := m.Value(mgcp.ParamRequestedEvents)
		it := mgcp.NewListIter(r)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			fmt.Println(" event", string(e))
		}
	}
	fmt.Println(d.Err())
	// Output:
	// 200 7300 OK
	// RQNT 5104 aaln/1@gw.example.net
	//  event L/hu(N)
	//  event D/[0-9#*T](D)
	// <nil>
}

// A proxy rewrites the transaction id and the notified entity of a command
// and answers another.
func ExampleEditor() {
	var m mgcp.Message
	if _, err := m.Parse([]byte("NTFY 7300 aaln/1@gw.example.net MGCP 1.0\r\n" +
		"N: ca@mgc.example.net:2727\r\nX: 1A2B\r\nO: L/hd\r\n")); err != nil {
		fmt.Println(err)
		return
	}
	var ed mgcp.Editor
	ed.Reset(&m)
	if err := ed.SetTransactionID(41); err != nil {
		fmt.Println(err)
	}
	if err := ed.Set([]byte("N"), []byte("ca@proxy.example.net:2727")); err != nil {
		fmt.Println(err)
	}
	out, err := ed.Append(nil)
	fmt.Printf("%q %v\n", out, err)
	reply, err := m.AppendReply(nil, 200, []byte("OK"))
	fmt.Printf("%q %v\n", reply, err)
	// Output:
	// "NTFY 41 aaln/1@gw.example.net MGCP 1.0\r\nN: ca@proxy.example.net:2727\r\nX: 1A2B\r\nO: L/hd\r\n" <nil>
	// "200 7300 OK\r\n" <nil>
}
