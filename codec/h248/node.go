package h248

// Node is a handle on one item of a parsed Message: a pointer to the
// Message and an index into its node table. It is a small value, cheap to
// copy and compare. The zero Node is invalid: its methods return zero
// values, and navigation from it returns the zero Node. A Node, and every
// view it returns, is valid until the Message is parsed again (see the
// package doc on view lifetimes).
type Node struct {
	m *Message
	i uint16
}

func (n Node) nd() *node { return &n.m.nodes[n.i] }

// Valid reports whether n refers to a node.
func (n Node) Valid() bool { return n.m != nil }

// Index returns n's position in pre-order (0 for the root), as accepted by
// Message.Node; -1 for the zero Node.
func (n Node) Index() int {
	if n.m == nil {
		return -1
	}
	return int(n.i)
}

// Kind returns n's structural role.
func (n Node) Kind() Kind {
	if n.m == nil {
		return KindNone
	}
	return n.nd().kind
}

// Token returns the keyword n's name spells in long or short form; TokNone
// for a package-qualified name, a TerminationID in a topology, a bare value.
// Transactions distinguish themselves by token (TokTransaction, TokReply,
// TokPending, TokResponseAck).
func (n Node) Token() Token {
	if n.m == nil {
		return TokNone
	}
	return n.nd().tok
}

func (n Node) span(a, b uint16) []byte {
	if n.m == nil {
		return nil
	}
	return n.m.buf[a:b]
}

// Name returns n's name as written, without an "O-"/"W-" prefix or an
// observed event's TimeStamp; empty for a bare quoted value.
func (n Node) Name() []byte {
	if n.m == nil {
		return nil
	}
	d := n.nd()
	return n.span(d.name0, d.name1)
}

// Package returns the PackageName of a pkgdName ("al" for al/of); nil when
// the name has no '/'.
func (n Node) Package() []byte {
	name := n.Name()
	for i, c := range name {
		if c == '/' {
			return name[:i]
		}
	}
	return nil
}

// Item returns the ItemID of a pkgdName ("of" for al/of), or the whole name
// when it has no '/'.
func (n Node) Item() []byte {
	name := n.Name()
	for i, c := range name {
		if c == '/' {
			return name[i+1:]
		}
	}
	return name
}

// IsExtension reports whether n's name is an extensionParameter, "X-" or
// "X+" followed by letters and digits (RFC 3525 B.2), such as a
// ServiceChange extension.
func (n Node) IsExtension() bool {
	name := n.Name()
	return len(name) > 2 && lower(name[0]) == 'x' && (name[1] == '-' || name[1] == '+') &&
		allClass(name[2:], cAlpha|cDigit)
}

// Op returns the operator between name and value: '=', or for a property
// the INEQUAL '<', '>' or '#'; 0 when there is none.
func (n Node) Op() byte {
	if n.m == nil {
		return 0
	}
	return n.nd().op
}

// ValueForm returns how n's value is written.
func (n Node) ValueForm() ValueForm {
	if n.m == nil {
		return ValueNone
	}
	return n.nd().form
}

// Value returns n's value: for a quotedString the text inside the quotes,
// for Local and Remote the SDP with the white space around it trimmed, for
// lists the text with its brackets, else the value as written. It returns
// nil when n has no value; TransactionID, ContextID, TerminationID and error
// codes are values.
func (n Node) Value() []byte {
	if n.m == nil {
		return nil
	}
	d := n.nd()
	if d.form == ValueNone {
		return nil
	}
	return n.span(d.val0, d.val1)
}

// RawValue returns n's value as written: with the quotes of a quotedString,
// for Local and Remote the bytes between the braces. nil when n has no
// value.
func (n Node) RawValue() []byte {
	if n.m == nil {
		return nil
	}
	d := n.nd()
	switch d.form {
	case ValueNone:
		return nil
	case ValueQuoted:
		return n.span(d.val0-1, d.val1+1)
	case ValueOctets:
		return n.span(d.body0, d.body1)
	}
	return n.span(d.val0, d.val1)
}

// Values returns an iterator over the elements of n's value: the VALUEs of
// a sublist, range or alternatives list (unquoted), or the value itself for
// scalars and quoted strings; nothing for other forms.
func (n Node) Values() ValueIter {
	switch n.ValueForm() {
	case ValueSublist, ValueRange, ValueAlternatives:
		v := n.Value()
		return ValueIter{v: v[1 : len(v)-1]}
	case ValueScalar, ValueQuoted:
		return ValueIter{v: n.Value(), single: true}
	}
	return ValueIter{}
}

// ID returns the number Parse read for n: the TransactionID of a
// transaction (0 for TransactionResponseAck), the ContextID of a context
// (ContextNull, ContextChoose, ContextAll for "-", "$", "*"), the RequestID
// of Events and ObservedEvents (RequestAll for "*"), the StreamID of a
// Stream, the code of an Error, the first ID of a transactionAck, the value
// of Priority, SignalList, Duration, and in Services of Delay and Version.
// It returns 0 for other nodes.
func (n Node) ID() uint32 {
	if n.m == nil {
		return 0
	}
	return n.nd().num
}

// AckRange returns the first and last TransactionID of a transactionAck,
// a child of TransactionResponseAck ("5" gives 5, 5; "3-7" gives 3, 7);
// ok false for other nodes.
func (n Node) AckRange() (first, last uint32, ok bool) {
	if n.Kind() != KindValue || n.nd().form == ValueQuoted {
		return 0, 0, false
	}
	first, last, err := ackRange(n.Name())
	return first, last, err == nil
}

// ErrorText returns the text of an Error node's quotedString, nil when it
// has none or n is no Error.
func (n Node) ErrorText() []byte {
	if n.Kind() != KindError {
		return nil
	}
	return n.FirstChild().Value()
}

// Optional reports whether a command carries the "O-" prefix.
func (n Node) Optional() bool { return n.flags()&fOptional != 0 }

// Wildcard reports whether a command carries the "W-" prefix.
func (n Node) Wildcard() bool { return n.flags()&fWildcard != 0 }

func (n Node) flags() uint8 {
	if n.m == nil {
		return 0
	}
	return n.nd().flags
}

// Timestamp returns an observed event's TimeStamp (yyyymmddThhmmssss);
// nil when it has none.
func (n Node) Timestamp() []byte {
	if n.flags()&fTimestamp == 0 {
		return nil
	}
	d := n.nd()
	return n.span(d.val0, d.val1)
}

// HasBody reports whether n has a body in braces (or, for an event written
// leniently, parentheses), even an empty one.
func (n Node) HasBody() bool { return n.flags()&fBody != 0 }

// Body returns the bytes between n's braces: raw SDP for Local and Remote,
// the digit map of a DigitMap, the items otherwise. nil when n has no body.
func (n Node) Body() []byte {
	if n.flags()&fBody == 0 {
		return nil
	}
	d := n.nd()
	return n.span(d.body0, d.body1)
}

// Raw returns the whole item as written, from its prefix or name to the end
// of its value or closing brace.
func (n Node) Raw() []byte {
	if n.m == nil {
		return nil
	}
	d := n.nd()
	return n.span(d.raw0, d.raw1)
}

// Parent returns n's parent; the zero Node for the root.
func (n Node) Parent() Node {
	if n.m == nil || n.i == 0 {
		return Node{}
	}
	return Node{m: n.m, i: n.nd().parent}
}

// FirstChild returns n's first child, the zero Node when it has none.
func (n Node) FirstChild() Node {
	if n.m == nil || n.nd().end == n.i+1 {
		return Node{}
	}
	return Node{m: n.m, i: n.i + 1}
}

// Next returns n's next sibling, the zero Node after the last.
func (n Node) Next() Node {
	if n.m == nil || n.i == 0 {
		return Node{}
	}
	d := n.nd()
	if d.end >= n.m.nodes[d.parent].end {
		return Node{}
	}
	return Node{m: n.m, i: d.end}
}

// NumChildren returns how many children n has.
func (n Node) NumChildren() int {
	c := 0
	for ch := n.FirstChild(); ch.Valid(); ch = ch.Next() {
		c++
	}
	return c
}

// Child returns n's first child with token tok, the zero Node when none.
func (n Node) Child(tok Token) Node {
	for ch := n.FirstChild(); ch.Valid(); ch = ch.Next() {
		if ch.nd().tok == tok {
			return ch
		}
	}
	return Node{}
}

// Find returns the first node with token tok in n's subtree (n excluded),
// in document order; the zero Node when none. Long and short forms match
// alike.
func (n Node) Find(tok Token) Node {
	if n.m == nil || tok == TokNone {
		return Node{}
	}
	for i := n.i + 1; i < n.nd().end; i++ {
		if n.m.nodes[i].tok == tok {
			return Node{m: n.m, i: i}
		}
	}
	return Node{}
}

// FindParam returns the first node in n's subtree (n excluded) named
// pkg/name, or name when pkg is empty, comparing without regard to case;
// the zero Node when none. Names are compared as written, so FindParam("",
// "Method") does not find "MT": use Find with a Token for keywords.
func (n Node) FindParam(pkg, name string) Node {
	if n.m == nil {
		return Node{}
	}
	for i := n.i + 1; i < n.nd().end; i++ {
		d := &n.m.nodes[i]
		if nameIs(n.m.buf[d.name0:d.name1], pkg, name) {
			return Node{m: n.m, i: i}
		}
	}
	return Node{}
}

// FindNext returns the first node after n in document order that has the
// same name as n (compared without regard to case) and lies in the subtree
// of within; the zero Node when none. With FindParam it visits every
// occurrence of a parameter.
func (n Node) FindNext(within Node) Node {
	if n.m == nil || within.m != n.m {
		return Node{}
	}
	name := n.Name()
	for i := n.i + 1; i < within.nd().end; i++ {
		d := &n.m.nodes[i]
		if d.name1 > d.name0 && eqFoldBytes(n.m.buf[d.name0:d.name1], name) {
			return Node{m: n.m, i: i}
		}
	}
	return Node{}
}

// nameIs reports whether b is pkg "/" name (or name alone when pkg is
// empty), ignoring case.
func nameIs(b []byte, pkg, name string) bool {
	if pkg == "" {
		return eqFold(b, name)
	}
	return len(b) == len(pkg)+1+len(name) && b[len(pkg)] == '/' &&
		eqFold(b[:len(pkg)], pkg) && eqFold(b[len(pkg)+1:], name)
}

// eqFoldBytes reports whether a equals b ignoring ASCII case.
func eqFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// ValueIter walks the elements of a value list; see Node.Values. The zero
// ValueIter yields nothing.
type ValueIter struct {
	v      []byte
	i      int
	single bool
}

// Next returns the next element, unquoted and trimmed of LWSP, and true; or
// nil and false after the last.
func (it *ValueIter) Next() ([]byte, bool) {
	if it.single {
		if it.i > 0 {
			return nil, false
		}
		it.i = 1
		return it.v, true
	}
	v := it.v
	i := skipLWSP(v, it.i)
	if i >= len(v) {
		it.i = len(v)
		return nil, false
	}
	var elem []byte
	if v[i] == '"' {
		j := i + 1
		for j < len(v) && v[j] != '"' {
			j++
		}
		elem = v[i+1 : j]
		i = min(j+1, len(v))
	} else {
		j := skipClass(v, i, cSafe)
		elem = v[i:j]
		i = j
	}
	i = skipLWSP(v, i)
	if i < len(v) && (v[i] == ',' || v[i] == ':') {
		i++
	}
	if i == it.i {
		// No progress: not a list Parse produced. Stop rather than loop.
		it.i = len(v)
		return nil, false
	}
	it.i = i
	return elem, true
}
