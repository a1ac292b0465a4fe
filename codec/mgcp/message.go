package mgcp

// Verb is a command's verb (RFC 3435 §3.2.1.1).
type Verb uint8

// The verbs of RFC 3435. VerbExtension is any other verb the grammar allows
// (extensionVerb: a letter and three letters or digits; experimental ones
// start with X); Message.VerbBytes gives it as written.
const (
	VerbNone      Verb = iota // a response, or no message
	VerbEPCF                  // EndpointConfiguration
	VerbCRCX                  // CreateConnection
	VerbMDCX                  // ModifyConnection
	VerbDLCX                  // DeleteConnection
	VerbRQNT                  // NotificationRequest
	VerbNTFY                  // Notify
	VerbAUEP                  // AuditEndpoint
	VerbAUCX                  // AuditConnection
	VerbRSIP                  // RestartInProgress
	VerbExtension             // any other verb
	verbCount
)

var verbNames = [verbCount]string{"", "EPCF", "CRCX", "MDCX", "DLCX", "RQNT", "NTFY", "AUEP",
	"AUCX", "RSIP", "extension"}

// String returns the verb in upper case, "extension" for VerbExtension and
// "" for VerbNone.
func (v Verb) String() string {
	if v >= verbCount {
		return ""
	}
	return verbNames[v]
}

// lookupVerb returns the verb of the four bytes b, compared without regard
// to case (RFC 3435 §3.1: the protocol is case-insensitive but for SDP).
func lookupVerb(b []byte) Verb {
	k := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) &^ 0x20202020
	for v, key := range verbKeys {
		if k == key {
			return Verb(v)
		}
	}
	return VerbExtension
}

// verbKeys holds each verb's four letters as one word, indexed by Verb; the
// entries that are not verbs hold a word no four letters fold to.
var verbKeys = func() (t [VerbExtension]uint32) {
	t[VerbNone] = 0xFFFFFFFF
	for v := VerbEPCF; v < VerbExtension; v++ {
		n := verbNames[v]
		t[v] = uint32(n[0])<<24 | uint32(n[1])<<16 | uint32(n[2])<<8 | uint32(n[3])
	}
	return t
}()

// Message is one parsed MGCP message, a command or a response: offsets
// into the caller's buffer, no copies. Views returned by it alias that
// buffer and stay valid until the buffer is modified or Parse is called
// again (see the package doc on view lifetimes).
//
// A Message is usable as a zero value and meant to be reused (Parse resets
// it), for example one per event loop; it is about 1.7 KiB. It is not safe
// for concurrent use.
type Message struct {
	_ noCopy
	head
	perr   ParseError
	params [MaxParameters]param
}

// head is what Parse sets besides the parameter table; Reset clears it
// alone, so that a Parse does not clear the whole table.
type head struct {
	buf   []byte // the message, its piggy-backed successors excluded
	ok    bool
	gen   uint32
	resp  bool
	verb  Verb
	style uint8 // eolLF or eolCR
	crlf  bool  // the first line ends in CRLF
	wild  bool  // the endpoint name holds a wildcard
	sdp   bool  // an empty line ends the parameters (SDP may follow)
	code  uint16
	port  uint16
	tid   uint32
	np    int

	tid0, tid1   uint16
	ep0, ep1, at uint16 // endpoint name, its "@"
	host0, host1 uint16 // inside the brackets of an address literal, else the domain
	dom1         uint16 // end of the domain, before ":port"
	txt0, txt1   uint16 // command: "MGCP 1.0" and profile; response: package and text
	prof0, prof1 uint16 // command: the profile; response: the commentary
	line1        uint16 // end of the first line, its line end excluded
	hdrEnd       uint16 // end of the last parameter line, its line end included
	body0, body1 uint16 // the SDP, between the empty line and the end
	end          uint16 // end of the message, before a separator line
	seen         uint64 // parameter codes already met, for ErrDuplicateParameter
}

// param is one parameter line as offsets: the name starts the line.
type param struct {
	line0, name1 uint16 // the name
	val0, val1   uint16 // the value, white space around it excluded
	next         uint16 // the start of the next line
	code         ParamCode
}

// noCopy makes go vet's copylocks check report copies of a Message, which
// would detach Editors from it.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// Reset empties the message and drops its reference to the last buffer.
func (m *Message) Reset() {
	m.head = head{gen: m.gen + 1}
}

// Valid reports whether the last Parse succeeded.
func (m *Message) Valid() bool { return m.ok }

// Bytes returns the message as parsed: the buffer given to Parse up to the
// message's end, without a piggy-back separator and what follows; nil after
// a failed Parse.
func (m *Message) Bytes() []byte { return m.buf }

// IsResponse reports whether the message is a response; false for a
// command and after a failed Parse.
func (m *Message) IsResponse() bool { return m.ok && m.resp }

// IsCommand reports whether the message is a command.
func (m *Message) IsCommand() bool { return m.ok && !m.resp }

// Verb returns a command's verb; VerbNone for a response.
func (m *Message) Verb() Verb { return m.verb }

// VerbBytes returns a command's verb as written; nil for a response.
func (m *Message) VerbBytes() []byte {
	if !m.IsCommand() {
		return nil
	}
	return m.buf[:4:4]
}

// TransactionID returns the transaction id, 1 to 999999999 (0 after a
// failed Parse).
func (m *Message) TransactionID() uint32 { return m.tid }

// TransactionIDBytes returns the transaction id as written.
func (m *Message) TransactionIDBytes() []byte { return m.span(m.tid0, m.tid1) }

// Endpoint returns a command's endpoint name, local@domain[:port], as
// written; nil for a response.
func (m *Message) Endpoint() []byte { return m.span(m.ep0, m.ep1) }

// LocalName returns the part of the endpoint name before "@".
func (m *Message) LocalName() []byte { return m.span(m.ep0, m.at) }

// Domain returns the endpoint's domain as written, brackets included and
// ":port" excluded.
func (m *Message) Domain() []byte {
	if !m.IsCommand() {
		return nil
	}
	return m.span(m.at+1, m.dom1)
}

// Host returns the endpoint's host: the address inside the brackets of
// [IPv4] or [IPv6], else the host name.
func (m *Message) Host() []byte { return m.span(m.host0, m.host1) }

// Port returns the endpoint name's port, 0 when it has none.
func (m *Message) Port() int { return int(m.port) }

// Wildcard reports whether the endpoint's local name holds a wildcard: a
// name part "*" (all) or "$" (any), or a range in brackets.
func (m *Message) Wildcard() bool { return m.wild }

// Version returns a command's "MGCP 1.0" and profile as written, such as
// "MGCP 1.0 NCS 1.0"; nil for a response.
func (m *Message) Version() []byte {
	if !m.IsCommand() {
		return nil
	}
	return m.span(m.txt0, m.txt1)
}

// Profile returns the profile name after "MGCP 1.0", such as "NCS 1.0";
// nil when there is none, and for a response.
func (m *Message) Profile() []byte {
	if !m.IsCommand() {
		return nil
	}
	return m.span(m.prof0, m.prof1)
}

// Code returns a response's code, 0 to 999; -1 for a command and after a
// failed Parse.
func (m *Message) Code() int {
	if !m.IsResponse() {
		return -1
	}
	return int(m.code)
}

// IsProvisional reports whether the message is a provisional response
// (code 100 to 199).
func (m *Message) IsProvisional() bool { return m.IsResponse() && m.code/100 == 1 }

// IsResponseAck reports whether the message is a response acknowledgement
// (code 000), which confirms a final response sent after a provisional one.
func (m *Message) IsResponseAck() bool { return m.IsResponse() && m.code == 0 }

// PackageName returns the package name a response code is qualified with,
// "/" excluded (RFC 3435 packageName after the transaction id); nil when
// there is none, and for a command.
func (m *Message) PackageName() []byte {
	if !m.IsResponse() {
		return nil
	}
	return m.span(m.txt0, m.txt1)
}

// Commentary returns a response's text after the code, transaction id and
// package name, such as "OK"; nil when there is none, and for a command.
func (m *Message) Commentary() []byte {
	if !m.IsResponse() {
		return nil
	}
	return m.span(m.prof0, m.prof1)
}

// FirstLine returns the command or response line without its line end.
func (m *Message) FirstLine() []byte { return m.span(0, m.line1) }

// LineEnd returns the first line's line end: "\r\n", "\n" or "\r".
func (m *Message) LineEnd() string {
	if !m.ok {
		return ""
	}
	return eolText(m.style, m.crlf)
}

// HasSDP reports whether an empty line ends the parameters; the SDP after
// it may be empty.
func (m *Message) HasSDP() bool { return m.sdp }

// SDP returns the session description after the empty line, line ends
// included; nil when there is none.
func (m *Message) SDP() []byte {
	if !m.sdp {
		return nil
	}
	return m.buf[m.body0:m.body1:m.body1]
}

// span returns buf[a:b], nil when the span is empty or the message invalid.
func (m *Message) span(a, b uint16) []byte {
	if !m.ok || a >= b {
		return nil
	}
	return m.buf[a:b:b]
}
