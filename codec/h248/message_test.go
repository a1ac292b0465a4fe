package h248

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// hdr is the header the unit tests put before a body.
const hdr = "MEGACO/1 [192.0.2.10]:2944\n"

// sc is a ServiceChange body wrapped around Services parameters.
func sc(params string) string {
	return "T=1{C=-{SC=ROOT{SV{" + params + "}}}}"
}

// mf is a Modify of termination A wrapped around descriptors.
func mf(desc string) string {
	return "T=1{C=-{MF=A{" + desc + "}}}"
}

func TestParseErrors(t *testing.T) {
	deep := hdr + mf(strings.Repeat("M{", 14)+strings.Repeat("}", 14))
	wide := hdr + mf("E=1{"+strings.Repeat("a/b,", MaxNodes)+"a/b}")
	cases := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrBadVersion},
		{"only LWSP", " \n;c\n", ErrBadVersion},
		{"no version", "Transaction = 1 {}", ErrBadVersion},
		{"version x", "MEGACO/x [1.2.3.4] " + mf(""), ErrBadVersion},
		{"version 0", "MEGACO/0 [1.2.3.4] " + mf(""), ErrBadVersion},
		{"version 3 digits", "MEGACO/100 [1.2.3.4] " + mf(""), ErrBadVersion},
		{"version no SEP", "MEGACO/1[1.2.3.4] " + mf(""), ErrBadVersion},
		{"version no slash", "MEGACO 1 [1.2.3.4] " + mf(""), ErrBadVersion},
		{"version only", "MEGACO/1", ErrTruncated},
		{"version and LWSP", "!/2 \n", ErrTruncated},
		{"ipv4 short", "!/1 [1.2.3] " + mf(""), ErrBadMID},
		{"ipv4 256", "!/1 [1.2.3.256] " + mf(""), ErrBadMID},
		{"ipv6 two ::", "!/1 [1::2::3] " + mf(""), ErrBadMID},
		{"ipv6 nine groups", "!/1 [1:2:3:4:5:6:7:8:9] " + mf(""), ErrBadMID},
		{"ipv6 group of 5", "!/1 [12345::1] " + mf(""), ErrBadMID},
		{"address unclosed", "!/1 [1.2.3.4 " + mf(""), ErrBadMID},
		{"port empty", "!/1 [1.2.3.4]: " + mf(""), ErrBadMID},
		{"port too large", "!/1 [1.2.3.4]:65536 " + mf(""), ErrNumberTooLarge},
		{"mid no SEP", "!/1 [1.2.3.4]" + mf(""), ErrBadMID},
		{"domain bad start", "!/1 <.mg> " + mf(""), ErrBadMID},
		{"domain unclosed", "!/1 <mg.example " + mf(""), ErrBadMID},
		{"domain too long", "!/1 <" + strings.Repeat("a", 65) + "> " + mf(""), ErrBadMID},
		{"mtp short", "!/1 MTP{12} " + mf(""), ErrBadMID},
		{"mtp unclosed", "!/1 MTP{1234 " + mf(""), ErrBadMID},
		{"device digit", "!/1 1gw " + mf(""), ErrBadMID},
		{"device too long", "!/1 " + strings.Repeat("g", 65) + " " + mf(""), ErrNameTooLong},
		{"header only", hdr, ErrNoBody},
		{"comment only", ";", ErrBadVersion},
		{"comment after version", "MEGACO/1;", ErrTruncated},
		{"comment after mid", "MEGACO/1 [1.2.3.4];", ErrNoBody},
		{"comment in value", hdr + "T=1{C=-{MF=;", ErrUnbalancedBraces},
		{"header comment only", hdr + "; nothing\n", ErrNoBody},
		{"auth no equal", "AU 0x01020304:0x00000001:0x" + strings.Repeat("ab", 12) + " " + hdr,
			ErrBadAuth},
		{"auth short spi", "AU=0x0102030:0x00000001:0x" + strings.Repeat("ab", 12) + " " + hdr,
			ErrBadAuth},
		{"auth no 0x", "AU=01020304:0x00000001:0x" + strings.Repeat("ab", 12) + " " + hdr,
			ErrBadAuth},
		{"auth bad seq", "AU=0x01020304:0x0000000g:0x" + strings.Repeat("ab", 12) + " " + hdr,
			ErrBadAuth},
		{"auth data odd", "AU=0x01020304:0x00000001:0x" + strings.Repeat("a", 25) + " " + hdr,
			ErrBadAuth},
		{"auth data 66", "AU=0x01020304:0x00000001:0x" + strings.Repeat("ab", 33) + " " + hdr,
			ErrBadAuth},
		{"auth no SEP", "AU=0x01020304:0x00000001:0x" + strings.Repeat("ab", 12) + hdr,
			ErrBadAuth},
		{"auth space before colon", "AU=0x01020304 :0x00000001:0x" + strings.Repeat("ab", 12) +
			" " + hdr, ErrBadAuth},
		{"top-level stranger", hdr + "Foo = 1 {}", ErrUnexpectedToken},
		{"top-level comma", hdr + mf("") + "," + mf(""), ErrSyntax},
		{"top-level brace", hdr + "}", ErrUnbalancedBraces},
		{"extra brace", hdr + mf("") + "}", ErrUnbalancedBraces},
		{"garbage after", hdr + mf("") + " #", ErrSyntax},
		{"transaction no value", hdr + "T = ", ErrTruncated},
		{"transaction no body", hdr + "T = 1", ErrMissing},
		{"transaction bare", hdr + "T", ErrMissing},
		{"transaction no id", hdr + "T{C=-{MF=A}}", ErrMissing},
		{"transaction empty", hdr + "T=1{}", ErrMissing},
		{"transaction id x", hdr + "T=x{C=-{MF=A}}", ErrBadNumber},
		{"transaction id quoted", hdr + `T="1"{C=-{MF=A}}`, ErrBadValue},
		{"transaction id 11 digits", hdr + "T=00000000001{C=-{MF=A}}", ErrNumberTooLarge},
		{"transaction inequal", hdr + "T>1{C=-{MF=A}}", ErrSyntax},
		{"transaction holds command", hdr + "T=1{MF=A}", ErrUnexpectedToken},
		{"unclosed", hdr + "T=1{C=-{MF=A}", ErrUnbalancedBraces},
		{"unclosed after comma", hdr + "T=1{C=-{MF=A},", ErrUnbalancedBraces},
		{"wrong closer", hdr + "T=1{C=-{MF=A{E=1{a/b(x=1}}}}", ErrUnbalancedBraces},
		{"missing comma", hdr + "T=1{C=-{MF=A MF=B}}", ErrSyntax},
		{"context empty", hdr + "T=1{C=-{}}", ErrMissing},
		{"context no body", hdr + "T=1{C=-}", ErrMissing},
		{"context no id", hdr + "T=1{C{MF=A}}", ErrMissing},
		{"context id x", hdr + "T=1{C=x{MF=A}}", ErrBadNumber},
		{"context id too large", hdr + "T=1{C=4294967296{MF=A}}", ErrNumberTooLarge},
		{"context stranger", hdr + "T=1{C=-{Foo=A}}", ErrUnexpectedToken},
		{"optional priority", hdr + "T=1{C=-{O-PR=1,MF=A}}", ErrUnexpectedToken},
		{"command no termination", hdr + "T=1{C=-{MF}}", ErrMissing},
		{"command quoted termination", hdr + `T=1{C=-{MF="A"}}`, ErrBadValue},
		{"command bad termination", hdr + "T=1{C=-{MF=A/(b)}}", ErrBadValue},
		{"command long termination", hdr + "T=1{C=-{MF=" + strings.Repeat("a", 65) + "}}",
			ErrNameTooLong},
		{"command holds property", hdr + mf("Mode=SR"), ErrUnexpectedToken},
		{"stream too large", hdr + mf("M{ST=65536{O{MO=SR}}}"), ErrNumberTooLarge},
		{"stream x", hdr + mf("M{ST=x{O{MO=SR}}}"), ErrBadNumber},
		{"request id too large", hdr + mf("E=4294967296{a/b}"), ErrNumberTooLarge},
		{"observed events no id", hdr + "T=1{C=-{N=A{OE{a/b}}}}", ErrMissing},
		{"timestamp in events", hdr + mf("E=1{19990729T22000000:a/b}"), ErrUnexpectedToken},
		{"empty value", hdr + mf("E=1{a/b{x=}}"), ErrBadValue},
		{"value at end", hdr + "T=1{C=-{MF=A{E=1{a/b{x=", ErrUnbalancedBraces},
		{"bad value char", hdr + mf("E=1{a/b{x=:}}"), ErrBadValue},
		{"empty list", hdr + mf("E=1{a/b{x=[]}}"), ErrBadValue},
		{"list trailing comma", hdr + mf("E=1{a/b{x=[a,]}}"), ErrBadValue},
		{"range of three", hdr + mf("E=1{a/b{x=[a:b,c]}}"), ErrBadValue},
		{"colon in braces", hdr + mf("E=1{a/b{x={a:b}}}"), ErrBadValue},
		{"list unclosed", hdr + "T=1{C=-{MF=A{E=1{a/b{x=[a", ErrUnbalancedBraces},
		{"quote over EOL", hdr + mf("E=1{a/b{x=\"a\nb\"}}"), ErrUnterminatedString},
		{"quote to end", hdr + mf("E=1{a/b{x=\"ab"), ErrUnterminatedString},
		{"control in quote", hdr + mf("E=1{a/b{x=\"a\x01b\"}}"), ErrBadValue},
		{"quoted item", hdr + mf(`SG{"x"}`), ErrUnexpectedToken},
		{"sdp NUL", hdr + mf("M{L{v=0\x00}}"), ErrBadValue},
		{"sdp unclosed", hdr + mf("M{L{v=0 \\}"), ErrUnbalancedBraces},
		{"digit map brace", hdr + mf("DM=d{(1|2){}"), ErrSyntax},
		{"digit map unclosed", hdr + mf("DM=d{(1|2)"), ErrUnbalancedBraces},
		{"digit map NUL", hdr + mf("DM=d{(1|\x00)}"), ErrBadValue},
		{"service address", hdr + sc("MT=RS,AD=[1.2.3]"), ErrBadMID},
		{"service port", hdr + sc("MT=RS,AD=70000"), ErrNumberTooLarge},
		{"mgc id port", hdr + sc("MT=RS,MG=2944"), ErrBadMID},
		{"mgc id inequal", hdr + sc("MT=RS,MG>x"), ErrSyntax},
		{"service version", hdr + sc("MT=RS,V=100"), ErrNumberTooLarge},
		{"service version x", hdr + sc("MT=RS,V=x"), ErrBadNumber},
		{"service delay", hdr + sc("MT=RS,DL=4294967296"), ErrNumberTooLarge},
		{"reply error and context", hdr + `P=1{ER=400{"a"},C=-{MF=A}}`, ErrUnexpectedToken},
		{"reply two errors", hdr + `P=1{ER=400{"a"},ER=401{}}`, ErrUnexpectedToken},
		{"reply ack late", hdr + "P=1{C=-{MF=A},IA}", ErrUnexpectedToken},
		{"reply ack only", hdr + "P=1{IA}", ErrMissing},
		{"reply empty", hdr + "P=1{}", ErrMissing},
		{"pending with body", hdr + "PN=1{C=-{MF=A}}", ErrUnexpectedToken},
		{"pending no body", hdr + "PN=1", ErrMissing},
		{"ack empty", hdr + "K{}", ErrMissing},
		{"ack bad", hdr + "K{1-x}", ErrBadNumber},
		{"ack too large", hdr + "K{1-4294967296}", ErrNumberTooLarge},
		{"ack with id", hdr + "K=1{1}", ErrSyntax},
		{"ack with value", hdr + "K{1=2}", ErrSyntax},
		{"error code too large", hdr + `P=1{ER=65536{"a"}}`, ErrNumberTooLarge},
		{"error no body", hdr + "P=1{ER=400}", ErrMissing},
		{"error two texts", hdr + `P=1{ER=400{"a","b"}}`, ErrUnexpectedToken},
		{"error name text", hdr + "P=1{ER=400{a}}", ErrUnexpectedToken},
		{"message error not alone", hdr + `ER=400{"a"} ` + mf(""), ErrUnexpectedToken},
		{"descriptor inequal", hdr + mf("M>1"), ErrSyntax},
		{"descriptor less", hdr + mf("M<1"), ErrSyntax},
		{"descriptor not equal", hdr + mf("M#000,  "), ErrSyntax},
		{"transaction not equal", hdr + "T#1{C=-{MF=A}}", ErrSyntax},
		{"ack not equal", hdr + "K{0#0}", ErrSyntax},
		{"too deep", deep, ErrTooDeep},
		{"too many nodes", wide, ErrTooManyElements},
		{"name too long", hdr + mf("E=1{"+strings.Repeat("a", 130)+"}"), ErrNameTooLong},
		{"too large", hdr + mf("M{L{"+strings.Repeat("v", MaxMessageSize)+"}}"),
			ErrMessageTooLarge},
	}
	var m Message
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := m.Parse([]byte(c.in))
			if !errors.Is(err, c.want) {
				t.Fatalf("Parse = %v, want %v\n%s", err, c.want, c.in)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(c.in) {
				t.Fatalf("error %#v has no offset inside the input", err)
			}
			if !strings.HasPrefix(err.Error(), c.want.Error()+" at offset ") {
				t.Fatalf("error text %q", err)
			}
			if m.NumNodes() != 0 || m.Root().Valid() || m.Bytes() != nil || m.Body() != nil {
				t.Fatal("failed Parse left a message behind")
			}
		})
	}
}

func TestParseErrorOffset(t *testing.T) {
	in := hdr + "T=1{C=-{MF=A MF=B}}"
	var m Message
	err := m.Parse([]byte(in))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Offset != strings.Index(in, "MF=B") {
		t.Fatalf("error %v, want ErrSyntax at %d", err, strings.Index(in, "MF=B"))
	}
}

// TestParseErrorInequal checks that every INEQUAL on an item that is no
// parameter is ErrSyntax at the item's name.
func TestParseErrorInequal(t *testing.T) {
	for _, op := range []string{"#", "<", ">"} {
		in := hdr + "K{0" + op + "0}"
		var m Message
		var pe *ParseError
		if err := m.Parse([]byte(in)); !errors.As(err, &pe) || pe.Err != ErrSyntax ||
			pe.Offset != strings.Index(in, "0"+op) {
			t.Errorf("%q: error %v, want ErrSyntax at %d", in, err, strings.Index(in, "0"+op))
		}
	}
}

func TestParseValid(t *testing.T) {
	cases := []struct {
		name, in, want string // want: the dump of the tree
	}{
		{"short tokens any case", "!/1 <mg.example.net>:2944\nt=1{c=-{mf=A{m{o{mo=sr}}}}}",
			`transaction Transaction "t" = "1"
  context Context "c" = "-"
    command Modify "mf" = "A"
      descriptor Media "m"
        descriptor LocalControl "o"
          parameter Mode "mo" = "sr"
`},
		{"comments", "; lead\nMEGACO/1 ; c1\n[1.2.3.4] ; c2\nT=1 ; c3\n{ ; c4 {\n" +
			"C = - {MF = A} ; c5 }\n} ; no EOL at the end",
			`transaction Transaction "T" = "1"
  context Context "C" = "-"
    command Modify "MF" = "A"
`},
		{"bare CR line ends", "MEGACO/1\r[1.2.3.4]\rT=1\r{C=-{MF=A}}\r",
			`transaction Transaction "T" = "1"
  context Context "C" = "-"
    command Modify "MF" = "A"
`},
		{"pending ack reply error", hdr + "PN=5{} K{1, 3-7} P=9{IA, ER=400{\"Syntax error\"}}",
			`transaction Pending "PN" = "5"
transaction TransactionResponseAck "K"
  value "1"
  value "3-7"
transaction Reply "P" = "9"
  parameter ImmAckRequired "IA"
  error Error "ER" = "400"
    value ""
`},
		{"message error", hdr + `ER=401{"Bad auth"}`, `error Error "ER" = "401"
  value ""
`},
		{"prefixes", hdr + "T=1{C=-{O-W-MF=A, W-S=*, o-a=$}}",
			`transaction Transaction "T" = "1"
  context Context "C" = "-"
    command Modify "MF" = "A" optional wildcard
    command Subtract "S" = "*" wildcard
    command Add "a" = "$" optional
`},
		{"context properties", hdr + "T=1{C=7{TP{A,B,isolate}, PR=3, EG, MF=A}}",
			`transaction Transaction "T" = "1"
  context Context "C" = "7"
    descriptor Topology "TP"
      parameter Add "A"
      parameter "B"
      parameter Isolate "isolate"
    parameter Priority "PR" = "3"
    parameter Emergency "EG"
    command Modify "MF" = "A"
`},
		{"values", hdr + mf(`M{O{a/b>5, a/c<-3, a/d#4, a/e=[1,2, 3], a/f=[1:9], a/g={x,"y z"},`+
			` a/h="", SV=X-2}}`),
			`transaction Transaction "T" = "1"
  context Context "C" = "-"
    command Modify "MF" = "A"
      descriptor Media "M"
        descriptor LocalControl "O"
          parameter "a/b" > "5"
          parameter "a/c" < "-3"
          parameter "a/d" # "4"
          parameter "a/e" = "[1,2, 3]"
          parameter "a/f" = "[1:9]"
          parameter "a/g" = "{x,\"y z\"}"
          parameter "a/h" = ""
          parameter Services "SV" = "X-2"
`},
		{"signals and events", hdr + mf(`SG{cg/rt{SY=BR, DR=30, NC={TO,IBE}}, SL=2{a/b, a/c}},`+
			`E=1{dd/ce{DM={(1|2x)}, ST=2, EM{SG{a/x}, E=2{a/y}}}}`),
			`transaction Transaction "T" = "1"
  context Context "C" = "-"
    command Modify "MF" = "A"
      descriptor Signals "SG"
        parameter "cg/rt"
          parameter SignalType "SY" = "BR"
          parameter Duration "DR" = "30"
          parameter NotifyCompletion "NC" = "{TO,IBE}"
        descriptor SignalList "SL" = "2"
          parameter "a/b"
          parameter "a/c"
      descriptor Events "E" = "1"
        parameter "dd/ce"
          parameter DigitMap "DM" = "{(1|2x)}"
          parameter Stream "ST" = "2"
          descriptor Embed "EM"
            descriptor Signals "SG"
              parameter "a/x"
            descriptor Events "E" = "2"
              parameter "a/y"
`},
		{"modem mux", hdr + mf("MD[V18,V22]{a/b=1}, MX=H221{T1, T2}"),
			`transaction Transaction "T" = "1"
  context Context "C" = "-"
    command Modify "MF" = "A"
      descriptor Modem "MD"
        parameter "a/b" = "1"
      descriptor Mux "MX" = "H221"
        parameter "T1"
        parameter "T2"
`},
		{"sdp escape", hdr + mf("M{ST=1{L{\n v=0\na=x:\\}y \n},R{}}}"),
			`transaction Transaction "T" = "1"
  context Context "C" = "-"
    command Modify "MF" = "A"
      descriptor Media "M"
        descriptor Stream "ST" = "1"
          descriptor Local "L" sdp="v=0\na=x:\\}y"
          descriptor Remote "R" sdp=""
`},
		{"service change", hdr + sc(`MT=HO, AD=<mg.example>:2944, MG=MTP{0A0B0C}, PF=ResGW/1,`+
			` V=2, DL=10, RE="903 MGC Directed Change", 20240101T10000000, X-Foo=bar,`+
			` X+a1="q"`), `transaction Transaction "T" = "1"
  context Context "C" = "-"
    command ServiceChange "SC" = "ROOT"
      descriptor Services "SV"
        parameter Method "MT" = "HO"
        parameter ServiceChangeAddress "AD" = "<mg.example>:2944"
        parameter MgcIdToTry "MG" = "MTP{0A0B0C}"
        parameter Profile "PF" = "ResGW/1"
        parameter Version "V" = "2"
        parameter Delay "DL" = "10"
        parameter Reason "RE" = "903 MGC Directed Change"
        parameter "20240101T10000000"
        parameter "X-Foo" = "bar"
        parameter "X+a1" = "q"
`},
		{"trailing comma", hdr + mf("E=1{a/b{x=1,}, }"), `transaction Transaction "T" = "1"
  context Context "C" = "-"
    command Modify "MF" = "A"
      descriptor Events "E" = "1"
        parameter "a/b"
          parameter "x" = "1"
`},
		{"utf-8 and semicolon in quotes", hdr + sc("RE=\"901 r\xc3\xa9boot; c\""),
			`transaction Transaction "T" = "1"
  context Context "C" = "-"
    command ServiceChange "SC" = "ROOT"
      descriptor Services "SV"
        parameter Reason "RE" = "901 réboot; c"
`},
		{"audit and observed", hdr + "T=1{C=*{AC=A{AT{M,E,SG}}, N=*{OE=*{20240101T10000000 :" +
			" a/b, a/c}}}}", `transaction Transaction "T" = "1"
  context Context "C" = "*"
    command AuditCapability "AC" = "A"
      descriptor Audit "AT"
        parameter Media "M"
        parameter Events "E"
        parameter Signals "SG"
    command Notify "N" = "*"
      descriptor ObservedEvents "OE" = "*"
        parameter "a/b" ts=20240101T10000000
        parameter "a/c"
`},
		{"depth limit", hdr + mf(strings.Repeat("M{", 12)+strings.Repeat("}", 12)), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mustParse(t, []byte(c.in))
			checkTree(t, m)
			if c.want == "" {
				return
			}
			if got := dump(m); got != c.want {
				t.Fatalf("tree\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	data := strings.Repeat("0aF1", 8)
	cases := []struct {
		in   string
		want Header // AuthRaw, MID and Start are checked by hand below
	}{
		{"MEGACO/1 [192.0.2.10]:2944\n", Header{Version: 1, MIDKind: MIDIPv4,
			Host: []byte("192.0.2.10"), Port: 2944}},
		{"!/2 [2001:db8::1]:2944 ", Header{Version: 2, MIDKind: MIDIPv6,
			Host: []byte("2001:db8::1"), Port: 2944}},
		{"megaco/3 [::ffff:192.0.2.1]\t", Header{Version: 3, MIDKind: MIDIPv6,
			Host: []byte("::ffff:192.0.2.1")}},
		{"MEGACO/1 <mgc.example.net> ", Header{Version: 1, MIDKind: MIDDomain,
			Host: []byte("mgc.example.net")}},
		{"MEGACO/1 <mgc-1.example.net>:55555 ", Header{Version: 1, MIDKind: MIDDomain,
			Host: []byte("mgc-1.example.net"), Port: 55555}},
		{"MEGACO/1 MTP { 0A0B0c0D } ", Header{Version: 1, MIDKind: MIDMTP,
			Host: []byte("0A0B0c0D")}},
		{"MEGACO/1 gw7/trunk_1@mg.example ", Header{Version: 1, MIDKind: MIDDevice,
			Host: []byte("gw7/trunk_1@mg.example")}},
		{"MEGACO/99 MTPgw ", Header{Version: 99, MIDKind: MIDDevice, Host: []byte("MTPgw")}},
		{"\n; c\nAU=0x0102030A:0xFFFFFFFE:0x" + data + "\nMEGACO/1 [1.2.3.4] ",
			Header{Auth: true, SPI: 0x0102030A, Seq: 0xFFFFFFFE, AuthData: []byte(data),
				Version: 1, MIDKind: MIDIPv4, Host: []byte("1.2.3.4")}},
		{"Authentication = 0X0102030a:0x00000001:0x" + strings.Repeat("ab", 12) +
			" ;c\n!/1 [1.2.3.4] ", Header{Auth: true, SPI: 0x0102030a, Seq: 1,
			AuthData: []byte(strings.Repeat("ab", 12)), Version: 1, MIDKind: MIDIPv4,
			Host: []byte("1.2.3.4")}},
	}
	for _, c := range cases {
		in := []byte(c.in + "T=7{C=-{MF=A}}")
		m := mustParse(t, in)
		h := m.Header()
		w := c.want
		if h.Auth != w.Auth || h.SPI != w.SPI || h.Seq != w.Seq ||
			!bytes.Equal(h.AuthData, w.AuthData) || h.Version != w.Version ||
			h.MIDKind != w.MIDKind || !bytes.Equal(h.Host, w.Host) || h.Port != w.Port {
			t.Errorf("%q: header %+v", c.in, h)
		}
		if start := bytes.Index(in, []byte("/")) - 1; h.Start != start && h.Start != start-5 {
			t.Errorf("%q: Start %d", c.in, h.Start)
		}
		if !bytes.HasPrefix(in[h.Start:], []byte("!")) && !bytes.HasPrefix(
			bytes.ToUpper(in[h.Start:]), []byte("MEGACO")) {
			t.Errorf("%q: Start %d is not the MEGACO token", c.in, h.Start)
		}
		if w := m.Walker(); w.Header().Version != h.Version {
			t.Errorf("%q: Walker.Header differs", c.in)
		}
		if string(m.Body()) != "T=7{C=-{MF=A}}" {
			t.Errorf("%q: Body %q", c.in, m.Body())
		}
		if h.Auth != (len(h.AuthRaw) > 0) || h.Auth && (!bytes.HasSuffix(h.AuthRaw, h.AuthData) ||
			!bytes.HasPrefix(bytes.ToUpper(h.AuthRaw), []byte("AU"))) {
			t.Errorf("%q: AuthRaw %q", c.in, h.AuthRaw)
		}
		mid := in[bytes.Index(in, h.MID):]
		if !bytes.Contains(mid, h.Host) || len(h.MID) == 0 {
			t.Errorf("%q: MID %q", c.in, h.MID)
		}
	}
}

func TestAppendAuthData(t *testing.T) {
	in := "AU=0x01020304:0x00000005:0x00112233445566778899aAbBcCdDeEfF\n" + hdr + mf("")
	m := mustParse(t, []byte(in))
	got := m.AppendAuthData([]byte{0xee})
	want := []byte{0xee, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0xcc, 0xdd, 0xee, 0xff}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendAuthData = %x", got)
	}
	m = mustParse(t, []byte(hdr+mf("")))
	if got := m.AppendAuthData([]byte{1}); !bytes.Equal(got, []byte{1}) {
		t.Fatalf("no header: AppendAuthData = %x", got)
	}
	var empty Message
	if empty.AppendAuthData(nil) != nil || empty.Header().Version != 0 || empty.Body() != nil {
		t.Fatal("zero Message returned data")
	}
}

func TestReset(t *testing.T) {
	m := mustParse(t, []byte(hdr+mf("")))
	m.Reset()
	if m.NumNodes() != 0 || m.Bytes() != nil || m.Root().Valid() || m.Node(0).Valid() {
		t.Fatal("Reset kept the message")
	}
	if m.Node(-1).Valid() {
		t.Fatal("Node(-1) is valid")
	}
}

func TestParseMID(t *testing.T) {
	cases := []struct {
		in   string
		kind MIDKind
		host string
		port int
		err  error
	}{
		{"[192.0.2.1]:2944", MIDIPv4, "192.0.2.1", 2944, nil},
		{"[0.0.0.0]", MIDIPv4, "0.0.0.0", 0, nil},
		{"[::]", MIDIPv6, "::", 0, nil},
		{"[1::]:1", MIDIPv6, "1::", 1, nil},
		{"[1:2:3:4:5:6:7:8]", MIDIPv6, "1:2:3:4:5:6:7:8", 0, nil},
		{"[1:2:3:4:5:6:1.2.3.4]", MIDIPv6, "1:2:3:4:5:6:1.2.3.4", 0, nil},
		{"<a>", MIDDomain, "a", 0, nil},
		{"MTP{1234}", MIDMTP, "1234", 0, nil},
		{"*gw/*@*.example", MIDDevice, "*gw/*@*.example", 0, nil},
		{"2944", MIDPort, "", 2944, nil},
		{"65536", 0, "", 0, ErrNumberTooLarge},
		{"[1:2:3:4:5:6:7]", 0, "", 0, ErrBadMID},
		{"[1:2:3:4:5:6:7:1.2.3.4]", 0, "", 0, ErrBadMID},
		{"[:1]", 0, "", 0, ErrBadMID},
		{"[1:]", 0, "", 0, ErrBadMID},
		{"[:::]", 0, "", 0, ErrBadMID},
		{"[1.2.3.4.5]", 0, "", 0, ErrBadMID},
		{"[1..3.4]", 0, "", 0, ErrBadMID},
		{"[1.2.3.4]x", 0, "", 0, ErrBadMID},
		{"MTP{123456789}", 0, "", 0, ErrBadMID},
		{"gw@", 0, "", 0, ErrBadMID},
		{"", 0, "", 0, ErrBadMID},
		{"*", 0, "", 0, ErrBadMID},
	}
	for _, c := range cases {
		m, err := ParseMID([]byte(c.in))
		if !errors.Is(err, c.err) || err == nil && (m.Kind != c.kind ||
			string(m.Host) != c.host || m.Port != c.port) {
			t.Errorf("ParseMID(%q) = %+v, %v", c.in, m, err)
		}
	}
}

func TestLookupToken(t *testing.T) {
	for tok := TokAdd; tok < tokCount; tok++ {
		long, short := tokenNames[tok][0], tokenNames[tok][1]
		for _, s := range []string{long, short, strings.ToUpper(long), strings.ToLower(long),
			strings.ToLower(short)} {
			if s != "" && LookupToken([]byte(s)) != tok {
				t.Errorf("LookupToken(%q) = %v, want %v", s, LookupToken([]byte(s)), tok)
			}
		}
		if tok.String() != long || short != "" && tok.Short() != short ||
			short == "" && tok.Short() != long {
			t.Errorf("%d: String %q Short %q", tok, tok.String(), tok.Short())
		}
	}
	for _, s := range []string{"", "Modif", "Modifyy", "al/of", "X", "Q", "ROOT",
		strings.Repeat("a", 30), "TransactionResponseAcK"[:21], "ServiceChangeXddress",
		"ServiceChangeAddresX", "TransactionResponseAcX", "ServiceChangf", "TransactioX"} {
		if tok := LookupToken([]byte(s)); tok != TokNone {
			t.Errorf("LookupToken(%q) = %v", s, tok)
		}
	}
	// In a message the name is followed by more bytes, which must not count.
	b := []byte("{SERVICECHANGEADDRESS=TransactionResponseAck}")
	if lookupName(b, 1, 21) != TokServiceChangeAddress || lookupName(b, 1, 14) != TokServiceChange ||
		lookupName(b, 22, 44) != TokResponseAck || lookupName(b, 22, 33) != TokTransaction ||
		lookupName(b, 1, 20) != TokNone {
		t.Error("lookupName of a name inside a message")
	}
	if TokNone.String() != "" || tokCount.String() != "" || tokCount.Short() != "" {
		t.Error("String of TokNone or an unknown token is not empty")
	}
}

func TestKindString(t *testing.T) {
	if KindCommand.String() != "command" || KindNone.String() != "none" || kindCount.String() != "" {
		t.Error("Kind.String")
	}
}

// TestLimitBoundaries parses inputs exactly at each limit, and one past it.
func TestLimitBoundaries(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("M{", n) + strings.Repeat("}", n) }
	name := func(n int) string { return mf("E=1{" + strings.Repeat("a", n) + "}") }
	// Transaction, Context and Modify are depths 1 to 3.
	atDepth, pastDepth := hdr+mf(nest(MaxDepth-3)), hdr+mf(nest(MaxDepth-2))
	// Root, Transaction, Context, Modify and Events are 5 nodes.
	events := func(n int) string {
		return hdr + mf("E=1{"+strings.Repeat("a/b,", n-1)+"a/b}")
	}
	pad := func(n int) string {
		base := hdr + mf("M{L{}}")
		return hdr + mf("M{L{"+strings.Repeat("v", n-len(base))+"}}")
	}
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"depth at limit", atDepth, nil},
		{"depth past limit", pastDepth, ErrTooDeep},
		{"name at limit", hdr + name(MaxNameLength), nil},
		{"name past limit", hdr + name(MaxNameLength+1), ErrNameTooLong},
		{"nodes at limit", events(MaxNodes - 5), nil},
		{"nodes past limit", events(MaxNodes - 4), ErrTooManyElements},
		{"size at limit", pad(MaxMessageSize), nil},
		{"size past limit", pad(MaxMessageSize + 1), ErrMessageTooLarge},
		{"termination at limit", hdr + "T=1{C=-{MF=" + strings.Repeat("a", 64) + "}}", nil},
		{"transaction at limit", hdr + "T=4294967295{C=4294967295{MF=A}}", nil},
		{"stream at limit", hdr + mf("M{ST=65535{}}"), nil},
		{"version at limit", "MEGACO/99 [1.2.3.4] " + mf(""), nil},
	}
	var m Message
	for _, c := range cases {
		if err := m.Parse([]byte(c.in)); !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
			t.Errorf("%s: Parse = %v, want %v", c.name, err, c.want)
		}
	}
	if err := m.Parse([]byte(events(MaxNodes - 5))); err != nil || m.NumNodes() != MaxNodes {
		t.Errorf("nodes at limit: %d nodes, %v", m.NumNodes(), err)
	}
	if err := m.Parse([]byte(pad(MaxMessageSize))); err != nil || len(m.Bytes()) != MaxMessageSize {
		t.Errorf("size at limit: %d bytes, %v", len(m.Bytes()), err)
	}
}
