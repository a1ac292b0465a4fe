package h248

// Kind is the structural role of a node.
type Kind uint8

// The node kinds. A message is a tree: the root holds transactions (or one
// message-level Error), a transaction holds contexts (actions), a context
// holds commands, a command holds descriptors, and descriptors hold
// parameters and further descriptors.
const (
	KindNone        Kind = iota // the zero Node
	KindMessage                 // the root; its children are the message body
	KindTransaction             // Transaction, Reply, Pending, TransactionResponseAck
	KindContext                 // Context = id { ... } (an action)
	KindCommand                 // Add, Modify, Move, Subtract, AuditValue, ..., ServiceChange
	KindDescriptor              // Media, Events, Services, Local, ... (Error has KindError)
	KindParameter               // a property, parameter, event, signal, statistic or item
	KindError                   // Error = code { "text" }
	KindValue                   // a bare value: an Error's quoted text, a transactionAck
	kindCount
)

var kindNames = [kindCount]string{
	"none", "message", "transaction", "context", "command", "descriptor", "parameter",
	"error", "value",
}

// String returns the kind's name in lower case.
func (k Kind) String() string {
	if k >= kindCount {
		return ""
	}
	return kindNames[k]
}

// ValueForm says how a node's value is written.
type ValueForm uint8

// The value forms of RFC 3525 B.2.
const (
	ValueNone         ValueForm = iota // no value
	ValueScalar                        // 1*SafeChar, such as 9998, Restart, ResGW/1, -
	ValueQuoted                        // quotedString; Value returns the text inside the quotes
	ValueSublist                       // LSBRKT VALUE *(COMMA VALUE) RSBRKT
	ValueRange                         // LSBRKT VALUE COLON VALUE RSBRKT
	ValueAlternatives                  // LBRKT VALUE *(COMMA VALUE) RBRKT
	ValueMID                           // an mId: [IPv4]:port, [IPv6], <domain>:port, MTP{...}, device
	ValueDigitMap                      // a digit map in braces (eventDM), raw
	ValueOctets                        // the SDP of Local or Remote, raw
)

// Node flags.
const (
	fBody      = 1 << iota // has a body in braces (or, leniently, parentheses)
	fParen                 // the body is in parentheses (leniency 1)
	fRaw                   // the body is raw text (Local, Remote, DigitMap)
	fOptional              // command prefixed "O-"
	fWildcard              // command prefixed "W-"
	fTimestamp             // observed event: val holds its TimeStamp
	fInParen               // the node stands in a parenthesised body
)

// node is one item as offsets into the buffer. Nodes are stored in
// pre-order, so a node's subtree is the index range [i+1, end): its first
// child is i+1 when end > i+1, and its next sibling is end when that lies
// inside the parent's range.
type node struct {
	kind         Kind
	tok          Token
	flags        uint8
	form         ValueForm
	op           byte   // '=', '<', '>', '#' or 0
	parent       uint16 // index of the parent; 0 (the root) for the root too
	end          uint16 // one past the last node of the subtree
	name0, name1 uint16 // the name as written, prefixes "O-" "W-" excluded
	val0, val1   uint16 // the value (inside the quotes for ValueQuoted)
	raw0, raw1   uint16 // the whole item, prefixes and timestamp included
	body0, body1 uint16 // inside the braces when fBody
	num          uint32 // the number Parse read: ID, code, RequestID, StreamID
}

// Numbers that stand for the ContextID symbols (RFC 3525 A.2 ContextID, and
// B.2 "The values 0x0, 0xFFFFFFFE and 0xFFFFFFFF are reserved").
const (
	ContextNull   uint32 = 0          // "-"
	ContextChoose uint32 = 0xFFFFFFFE // "$"
	ContextAll    uint32 = 0xFFFFFFFF // "*"
	// RequestAll is the RequestID "*" of an Events or ObservedEvents
	// descriptor (RFC 3525 B.2 RequestID).
	RequestAll uint32 = 0xFFFFFFFF
)

// MIDKind says which form an mId takes (RFC 3525 B.2 mId).
type MIDKind uint8

// The mId forms.
const (
	MIDNone   MIDKind = iota
	MIDIPv4           // [192.0.2.1]:2944
	MIDIPv6           // [2001:db8::1]:2944
	MIDDomain         // <mgc.example.net>:2944
	MIDDevice         // a pathNAME such as gw7/trunk@example
	MIDMTP            // MTP{0A0B0C}
	MIDPort           // a bare portNumber, only in ServiceChangeAddress
)

// Header is the part of a message before its body: the optional
// authentication header, the version and the sender's mId. Its slices are
// views into the parsed buffer (see the package doc on view lifetimes).
type Header struct {
	// Auth reports whether an Authentication (AU) header is present; the
	// fields up to AuthRaw are zero when it is not.
	Auth bool
	// SPI is the SecurityParmIndex and Seq the SequenceNum.
	SPI, Seq uint32
	// AuthData is the AuthData hex digits after "0x", as written. Use
	// Message.AppendAuthData for the octets.
	AuthData []byte
	// AuthRaw is the whole header, from the AU token to the last digit.
	AuthRaw []byte
	// Version is the protocol version, 1 to 99.
	Version int
	// MID is the mId as written, MIDKind its form, Host the address inside
	// the brackets, angle brackets or MTP braces (the device name itself for
	// MIDDevice) and Port the port, 0 when absent.
	MID     []byte
	MIDKind MIDKind
	Host    []byte
	Port    int
	// Start is the offset of the MEGACO (or !) token: everything before it
	// is LWSP and the authentication header.
	Start int
}

// Message is a parsed H.248 text message: a table of nodes holding offsets
// into the caller's buffer, no copies. Views returned by it and by its Nodes
// alias that buffer and stay valid until the buffer is modified or Parse is
// called again.
//
// A Message is usable as a zero value and meant to be reused (Parse resets
// it), for example one per event loop; it is about 32 KiB, so keep it off
// the goroutine stack of a hot loop. It is not safe for concurrent use.
type Message struct {
	_    noCopy
	buf  []byte
	n    int // nodes in use, the root included; 0 before a successful Parse
	gen  uint32
	hdr  hdrOffsets
	perr ParseError

	nodes [MaxNodes]node
}

// hdrOffsets is the Header as offsets.
type hdrOffsets struct {
	auth         bool
	spi, seq     uint32
	ad0, ad1     uint16 // AuthData hex digits
	au0, au1     uint16 // whole authentication header
	version      uint8
	mid0, mid1   uint16
	midKind      MIDKind
	host0, host1 uint16
	port         uint16
	start        uint16
}

// noCopy makes go vet's copylocks check report copies of a Message, which
// would detach Nodes and Editors from it.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// Reset empties the message and drops its reference to the last buffer.
func (m *Message) Reset() {
	m.buf = nil
	m.n = 0
	m.gen++
	m.hdr = hdrOffsets{}
}

// Parse parses buf, one complete message (RFC 3525 B.2 megacoMessage), in
// place. It keeps buf; see the Message doc for how long views stay valid.
//
// On failure it returns a *ParseError wrapping one of the package's
// sentinel errors (test with errors.Is) and the Message holds nothing. The
// *ParseError is part of the Message and is overwritten by the next Parse.
// Parse does not allocate, on success or error.
func (m *Message) Parse(buf []byte) error {
	m.Reset()
	if len(buf) > MaxMessageSize {
		return m.fail(0, ErrMessageTooLarge)
	}
	p := parser{buf: buf, nodes: m.nodes[:]}
	i, err := p.header(&m.hdr)
	if err == nil {
		err = p.body(i)
	}
	if err != nil {
		return m.fail(p.pos, err)
	}
	m.buf = buf
	m.n = p.n
	return nil
}

func (m *Message) fail(off int, err error) error {
	m.perr = ParseError{Offset: off, Err: err}
	return &m.perr
}

// Bytes returns the buffer given to the last successful Parse; nil after a
// failed one.
func (m *Message) Bytes() []byte { return m.buf }

// Header returns the authentication header, version and mId.
func (m *Message) Header() Header {
	if m.n == 0 {
		return Header{}
	}
	h := &m.hdr
	out := Header{
		Version: int(h.version),
		MID:     m.buf[h.mid0:h.mid1],
		MIDKind: h.midKind,
		Host:    m.buf[h.host0:h.host1],
		Port:    int(h.port),
		Start:   int(h.start),
	}
	if h.auth {
		out.Auth = true
		out.SPI, out.Seq = h.spi, h.seq
		out.AuthData = m.buf[h.ad0:h.ad1]
		out.AuthRaw = m.buf[h.au0:h.au1]
	}
	return out
}

// AppendAuthData appends the octets of the AuthData (decoded from hex) to dst
// and returns it; dst unchanged when there is no authentication header. It
// allocates only when dst lacks capacity.
func (m *Message) AppendAuthData(dst []byte) []byte {
	if m.n == 0 || !m.hdr.auth {
		return dst
	}
	hex := m.buf[m.hdr.ad0:m.hdr.ad1]
	for i := 0; i+1 < len(hex); i += 2 {
		dst = append(dst, hexVal(hex[i])<<4|hexVal(hex[i+1]))
	}
	return dst
}

// Body returns the messageBody: from the first transaction (or the
// message-level Error) to the end of the last one, without the LWSP around.
// RFC 3525 §10.2 computes the interim AH integrity check over the
// transactions of the message; each transaction's own bytes are its Raw.
func (m *Message) Body() []byte {
	if m.n == 0 {
		return nil
	}
	r := &m.nodes[0]
	return m.buf[r.raw0:r.raw1]
}

// Root returns the root node, whose children are the transactions (or the
// message-level Error); the zero Node before a successful Parse.
func (m *Message) Root() Node {
	if m.n == 0 {
		return Node{}
	}
	return Node{m: m, i: 0}
}

// NumNodes returns the number of nodes, the root included; 0 before a
// successful Parse.
func (m *Message) NumNodes() int { return m.n }

// Node returns node i in pre-order (0 is the root); the zero Node when i is
// out of range.
func (m *Message) Node(i int) Node {
	if i < 0 || i >= m.n {
		return Node{}
	}
	return Node{m: m, i: uint16(i)}
}
