package mgcp

import (
	"errors"
	"testing"
)

const cmdLine = "RQNT 1201 aaln/1@gw.example.net MGCP 1.0\n"

func TestParseValid(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"500 1 /L unknown endpoint\n", "500 1 /L unknown endpoint"},
		{"000 7\n", "0 7"},
		{"101 8   queued  \r\n", "101 8 queued"},
		{"200 9 OK\nK:\n", "200 9 OK | K="},
		{"rqnt 1 a@b mgcp 1.0\n", "RQNT 1 a@b"},
		{"XFOO 999999999 a@b MGCP 1.0 NCS 1.0\n", "extension 999999999 a@b profile=NCS 1.0"},
		{"EPCF 2 ds/ds1-[1-8]/$@[192.0.2.1]:2427 MGCP 1.0\n",
			"EPCF 2 ds/ds1-[1-8]/$@[192.0.2.1]:2427 wild"},
		{"AUEP 3 aaln/*@[2001:db8::1] MGCP 1.0\n", "AUEP 3 aaln/*@[2001:db8::1] wild"},
		{"DLCX\t4\ta@b.c\tMGCP\t1.0\t\n", "DLCX 4 a@b.c"},
		{cmdLine + "rm:\trestart \nX-Foo: 1\nx-foo: 2\nvnd/p: 3\n",
			"RQNT 1201 aaln/1@gw.example.net | rm=restart | X-Foo=1 | x-foo=2 | vnd/p=3"},
		{cmdLine + "S: L/ci(10:30, \"Jo\xc3\xab\")\n",
			"RQNT 1201 aaln/1@gw.example.net | S=L/ci(10:30, \"Jo\xc3\xab\")"},
		{cmdLine + "\n", "RQNT 1201 aaln/1@gw.example.net | sdp:0"},
		{cmdLine + "M: sendrecv\n\nv=0\r\nc=IN IP4 192.0.2.1",
			"RQNT 1201 aaln/1@gw.example.net | M=sendrecv | sdp:1"},
		{"200 5 OK\r\nI: 1\r\n\r\nv=0\r\n", "200 5 OK | I=1 | sdp:1"},
	} {
		m := mustParse(t, []byte(c.in))
		if got := summary(m); got != c.want {
			t.Errorf("%q\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestParseAccessors(t *testing.T) {
	b := []byte("EPCF 2 ds/ds1-[1-8]/$@[192.0.2.1]:2427 MGCP 1.0\r\nB: e:mu\r\n")
	m := mustParse(t, b)
	switch {
	case string(m.LocalName()) != "ds/ds1-[1-8]/$", string(m.Domain()) != "[192.0.2.1]",
		string(m.Host()) != "192.0.2.1", m.Port() != 2427, !m.Wildcard(), m.Code() != -1,
		string(m.VerbBytes()) != "EPCF", string(m.TransactionIDBytes()) != "2",
		m.LineEnd() != "\r\n", string(m.FirstLine()) != string(b[:len(b)-11]),
		m.IsResponse() || !m.IsCommand() || m.IsProvisional() || m.IsResponseAck():
		t.Errorf("accessors of %q", b)
	}
	if v, ok := m.Value(ParamBearerInformation); !ok || string(v) != "e:mu" ||
		m.Find("b") != 0 || m.Find("C") != -1 || m.Index(ParamCallID) != -1 {
		t.Errorf("B %q %v", v, ok)
	}
	if p := m.Param(1); p.Name != nil || m.Param(-1).Value != nil {
		t.Error("Param out of range not zero")
	}
	v := m.Param(0).Value
	if cap(v) != len(v) || !inside(b, v) {
		t.Error("value view not capped or not a view")
	}
	m = mustParse(t, []byte("100 3 /X pending\n"))
	if !m.IsProvisional() || m.IsResponseAck() || m.Verb() != VerbNone || m.Endpoint() != nil ||
		string(m.PackageName()) != "X" || string(m.Commentary()) != "pending" ||
		m.Version() != nil || m.Profile() != nil || m.VerbBytes() != nil || m.Domain() != nil {
		t.Errorf("response accessors")
	}
	if !mustParse(t, []byte("000 3\n")).IsResponseAck() {
		t.Error("000 not a response acknowledgement")
	}
}

// TestParseErrors gives every sentinel Parse returns at least one input,
// and checks the offset where it is telling.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		in  string
		err error
		off int // -1: not checked
	}{
		{"", ErrEmptyMessage, 0},
		{"\n", ErrBadCommandLine, 0},
		{"RQN 1 a@b MGCP 1.0\n", ErrBadCommandLine, 0},
		{"RQNTX 1 a@b MGCP 1.0\n", ErrBadCommandLine, 0},
		{"R-NT 1 a@b MGCP 1.0\n", ErrBadCommandLine, 0},
		{"-RQNT 1 a@b MGCP 1.0\n", ErrBadCommandLine, 0},
		{"RQNT 0 a@b MGCP 1.0\n", ErrBadTransactionID, 5},
		{"RQNT 1234567890 a@b MGCP 1.0\n", ErrBadTransactionID, 5},
		{"RQNT 12a a@b MGCP 1.0\n", ErrBadTransactionID, 5},
		{"RQNT a@b MGCP 1.0\n", ErrBadTransactionID, 5},
		{"RQNT 1\n", ErrBadEndpoint, 6},
		{"RQNT 1 ab MGCP 1.0\n", ErrBadEndpoint, 9},
		{"RQNT 1 a//b@c MGCP 1.0\n", ErrBadEndpoint, 9},
		{"RQNT 1 /a@c MGCP 1.0\n", ErrBadEndpoint, 7},
		{"RQNT 1 a*@c MGCP 1.0\n", ErrBadEndpoint, 8},
		{"RQNT 1 a[1-2@c MGCP 1.0\n", ErrBadEndpoint, -1},
		{"RQNT 1 a]@c MGCP 1.0\n", ErrBadEndpoint, 8},
		{"RQNT 1 a[]@c MGCP 1.0\n", ErrBadEndpoint, -1},
		{"RQNT 1 a@ MGCP 1.0\n", ErrBadEndpoint, 9},
		{"RQNT 1 a@b_c MGCP 1.0\n", ErrBadEndpoint, 10},
		{"RQNT 1 a@[192.0.2.256] MGCP 1.0\n", ErrBadEndpoint, 9},
		{"RQNT 1 a@[192.0.2] MGCP 1.0\n", ErrBadEndpoint, 9},
		{"RQNT 1 a@[2001:db8:::1] MGCP 1.0\n", ErrBadEndpoint, 9},
		{"RQNT 1 a@[1:2:3:4:5:6:7:8:9] MGCP 1.0\n", ErrBadEndpoint, 9},
		{"RQNT 1 a@[192.0.2.1 MGCP 1.0\n", ErrBadEndpoint, 9},
		{"RQNT 1 a@b:0 MGCP 1.0\n", ErrBadEndpoint, 11},
		{"RQNT 1 a@b:65536 MGCP 1.0\n", ErrBadEndpoint, 11},
		{"RQNT 1 a@b:x MGCP 1.0\n", ErrBadEndpoint, 11},
		{"RQNT 1 a@b\n", ErrBadVersion, 10},
		{"RQNT 1 a@b MGCP 2.0\n", ErrBadVersion, 16},
		{"RQNT 1 a@b MGCP 1.01\n", ErrBadVersion, 16},
		{"RQNT 1 a@b MGCP1.0\n", ErrBadVersion, 15},
		{"RQNT 1 a@b MGCX 1.0\n", ErrBadVersion, 11},
		{"RQNT 1 a@b MGCP 1.0 NCS \xc3\xab\n", ErrBadVersion, 24},
		{cmdLine + "X 1\n", ErrBadParameter, len(cmdLine) + 1},
		{cmdLine + " X: 1\n", ErrBadParameter, len(cmdLine)},
		{cmdLine + "X : 1\n", ErrBadParameter, len(cmdLine) + 1},
		{cmdLine + "-X: 1\n", ErrBadParameter, len(cmdLine)},
		{cmdLine + "X=1\n", ErrBadParameter, len(cmdLine) + 1},
		{cmdLine + "X: 1\nx: 2\n", ErrDuplicateParameter, len(cmdLine) + 5},
		{cmdLine + "RM: a\nrm: b\n", ErrDuplicateParameter, len(cmdLine) + 6},
		{cmdLine + "X: 1", ErrTruncated, len(cmdLine) + 4},
		{"RQNT 1 a@b MGCP 1.0", ErrTruncated, 19},
		{"RQNT 1 a@b MGCP 1.0\r\nX: 1\rY: 2\r\n", ErrBadLineEnd, 25},
		{"RQNT 1 a@b MGCP 1.0\rX: 1\nY: 2\r", ErrBadLineEnd, 24},
		{"RQNT 1 a@b MGCP 1.0\rX: 1\r\n", ErrBadLineEnd, 25},
		{"RQNT 1 a@b MGCP 1.0\n\nv=0\rc=x\n", ErrBadLineEnd, 24},
		{cmdLine + "X: 1\x002\n", ErrBadCharacter, len(cmdLine) + 4},
		{cmdLine + "X: 1\x7f\n", ErrBadCharacter, len(cmdLine) + 4},
		{cmdLine + "\nv=0\x01\n", ErrBadCharacter, len(cmdLine) + 4},
		{"RQNT 1 a@b\x00 MGCP 1.0\n", ErrBadCharacter, 10},
		{"200 1 OK\n.\n", ErrEmptyMessage, 11},
		{"200 1 OK\n.", ErrTruncated, 10},
		{"200 1 OK\n\nv=0\n.", ErrTruncated, 15},
		{"20 1 OK\n", ErrBadResponseLine, 0},
		{"2000 1 OK\n", ErrBadResponseLine, 0},
		{"2x0 1 OK\n", ErrBadResponseLine, 0},
		{"200 1 /\n", ErrBadResponseLine, 6},
		{"200 1 /L: text\n", ErrBadResponseLine, 6},
		{"200\n", ErrBadTransactionID, 3},
		{"200 \n", ErrBadTransactionID, 4},
		{"200 0 OK\n", ErrBadTransactionID, 4},
		{"200 1x OK\n", ErrBadTransactionID, 4},
	} {
		var m Message
		_, err := m.Parse([]byte(c.in))
		var pe *ParseError
		switch {
		case !errors.Is(err, c.err):
			t.Errorf("%q: %v, want %v", c.in, err, c.err)
		case !errors.As(err, &pe):
			t.Errorf("%q: %T is not a *ParseError", c.in, err)
		case c.off >= 0 && pe.Offset != c.off:
			t.Errorf("%q: offset %d, want %d", c.in, pe.Offset, c.off)
		case m.Valid() || m.Bytes() != nil || m.TransactionID() != 0 || m.Verb() != VerbNone:
			t.Errorf("%q: failed Parse left a message behind", c.in)
		}
	}
}

// TestParseReuse checks that a Message parsed again, after a success or a
// failure, holds nothing of the previous message.
func TestParseReuse(t *testing.T) {
	var m Message
	if _, err := m.Parse([]byte(cmdLine + "X: 1\nR: L/hd\n\nv=0\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Parse([]byte("200 5 OK\n")); err != nil {
		t.Fatal(err)
	}
	if m.NumParams() != 0 || m.HasSDP() || m.Index(ParamRequestIdentifier) != -1 ||
		m.Wildcard() || m.Verb() != VerbNone {
		t.Errorf("state of the first message left: %s", summary(&m))
	}
	if _, err := m.Parse([]byte("RQNT 1 *@b MGCP 1.0\nX: 1\nX: 2\n")); err == nil {
		t.Fatal("duplicate accepted")
	}
	if _, err := m.Parse([]byte("RQNT 2 a@b MGCP 1.0\nX: 3\n")); err != nil || m.Wildcard() {
		t.Fatalf("after failure: %v, wildcard %v", err, m.Wildcard())
	}
}

func TestParseEndpoint(t *testing.T) {
	ep, err := ParseEndpoint([]byte("aaln/[1-4]@[2001:db8::192.0.2.1]:2427"))
	if err != nil || string(ep.Local) != "aaln/[1-4]" || string(ep.Host) != "2001:db8::192.0.2.1" ||
		string(ep.Domain) != "[2001:db8::192.0.2.1]" || ep.Port != 2427 || !ep.Wildcard {
		t.Errorf("%+v %v", ep, err)
	}
	for _, s := range []string{"a@[::]", "a@[::1]", "a@[1::]", "a@[1:2:3:4:5:6:7:8]",
		"a@[1:2:3:4:5:6::8]", "a@[::ffff:192.0.2.1]", "a@gw-1.example.net"} {
		if _, err := ParseEndpoint([]byte(s)); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"a@[1:2:3:4:5:6:7:8::]", "a@[1:2:3:4:5:6:7]", "a@[1:]",
		"a@[:1]", "a@[12345::]", "a@[::1.2.3]", "a@[1::2::3]", "a@[g::]", "a@b ", "@b",
		"a@b:", "a@b:123456", "a@[1.2.3.4]x", "a$@b", "a"} {
		if _, err := ParseEndpoint([]byte(s)); !errors.Is(err, ErrBadEndpoint) {
			t.Errorf("%s: %v, want ErrBadEndpoint", s, err)
		}
	}
}

func TestLookupParam(t *testing.T) {
	for name, want := range map[string]ParamCode{"k": ParamResponseAck, "Z2": ParamSecondEndpointID,
		"z2": ParamSecondEndpointID, "rm": ParamRestartMethod, "Rd": ParamRestartDelay,
		"zn": ParamNumEndpoints, "X-Foo": ParamExtension, "x+1": ParamExtension,
		"pkg/name": ParamExtension, "Y": ParamOther, "XY": ParamOther, "": ParamOther,
		"RMX": ParamOther} {
		if got := LookupParam([]byte(name)); got != want {
			t.Errorf("%q: %v, want %v", name, got, want)
		}
	}
	for c := ParamResponseAck; c < ParamExtension; c++ {
		if LookupParam([]byte(c.String())) != c {
			t.Errorf("%v does not look itself up", c)
		}
	}
	if ParamCode(200).String() != "" || Verb(200).String() != "" || VerbRSIP.String() != "RSIP" {
		t.Error("String out of range")
	}
}

func TestListIter(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  error
	}{
		{"", nil, nil},
		{"  ", nil, nil},
		{"L/hd(N), L/hu(N)", []string{"L/hd(N)", "L/hu(N)"}, nil},
		{"D/[0-9,#](D) ,x", []string{"D/[0-9,#](D)", "x"}, nil},
		{`L/ci(10:30,"A, B)")`, []string{`L/ci(10:30,"A, B)")`}, nil},
		{"a,,b", []string{"a"}, ErrBadList},
		{"a,", []string{"a"}, ErrBadList},
		{"a(,b", nil, ErrBadList},
		{"a),b", nil, ErrBadList},
		{`a"b`, nil, ErrBadList},
		{"a],b", nil, ErrBadList},
	} {
		it := NewListIter([]byte(c.in))
		var got []string
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			got = append(got, string(e))
		}
		if len(got) != len(c.want) || it.Err() != c.err {
			t.Errorf("%q: %q %v, want %q %v", c.in, got, it.Err(), c.want, c.err)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: %q, want %q", c.in, got, c.want)
			}
		}
	}
}

func TestAckIter(t *testing.T) {
	it := NewAckIter([]byte("6234-6255, 6257 ,19030 - 19044"))
	var got [][2]uint32
	for a, b, ok := it.Next(); ok; a, b, ok = it.Next() {
		got = append(got, [2]uint32{a, b})
	}
	if it.Err() != nil || len(got) != 3 || got[0] != [2]uint32{6234, 6255} ||
		got[1] != [2]uint32{6257, 6257} || got[2] != [2]uint32{19030, 19044} {
		t.Errorf("%v %v", got, it.Err())
	}
	for _, s := range []string{"5-4", "0", "1-", "-1", "1x", "1234567890", "1 2", "1,,2"} {
		it := NewAckIter([]byte(s))
		for _, _, ok := it.Next(); ok; _, _, ok = it.Next() {
		}
		if it.Err() == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestParseErrorText(t *testing.T) {
	var m Message
	_, err := m.Parse([]byte("RQNT 1 a@b MGCP 2.0\n"))
	if err == nil || err.Error() != "mgcp: bad protocol version at offset 16" {
		t.Errorf("error text %v", err)
	}
}
