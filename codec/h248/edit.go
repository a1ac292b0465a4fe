package h248

import "bytes"

// Editor records edits to a parsed Message and writes the edited message
// into a buffer the caller owns: everything is copied as it was except the
// edited spans. It holds at most MaxEdits edits in a fixed array and
// allocates nothing (Append grows dst only when it lacks capacity).
//
// Each edit is checked when it is recorded, with the parser's own rules in
// the edited place: a value must be a value the grammar accepts there, an
// inserted item a well-formed item its parent may hold, a header a
// well-formed authentication header. Bytes passed to an Editor are
// referenced, not copied: keep them unchanged until Append returns.
//
// An Editor works on one parse of one Message: Reset it on the Message
// after Parse; a later Parse of that Message makes Append fail with
// ErrStaleNode. An Editor is not safe for concurrent use.
type Editor struct {
	m     *Message
	gen   uint32
	n     int
	eol   string // line end written after an inserted authentication header
	edits [MaxEdits]edit
}

// editKind says what an edit does.
type editKind uint8

// The edit kinds, in the order they are written when several stand at the
// same offset for the same node.
const (
	editReplace    editKind = iota // repl over [off0, off1)
	editSetOp                      // "=" repl at off0, after a name without value
	editInsert                     // repl as a new child of node; place resolved by Append
	editRemove                     // delete node and its separator; span resolved by Append
	editAuthInsert                 // repl and a line end at off0, before MEGACO
)

// Where Append places an inserted item.
const (
	placeAfter = iota // ", " item after the last kept child
	placeFirst        // item as the first child (later ones in the run get ", ")
	placeOpen         // " {" item "}" after a node without body
)

// edit is one recorded change.
type edit struct {
	kind       editKind
	auth       bool   // changes the authentication header
	place      uint8  // for editInsert, resolved by Append
	seq        uint8  // order of recording, for ties
	node       uint16 // the node edited, removed, or inserted into
	off0, off1 uint16 // the span replaced; resolved by Append for inserts and removals
	repl       []byte
}

// Reset empties the Editor and binds it to m, which must hold a successful
// Parse.
func (e *Editor) Reset(m *Message) {
	e.m = m
	e.gen = m.gen
	e.n = 0
	e.eol = ""
}

// Len returns the number of recorded edits.
func (e *Editor) Len() int { return e.n }

// check reports ErrStaleNode unless n is a node of the Editor's Message in
// the parse the Editor was reset on.
func (e *Editor) check(n Node) error {
	if e.m == nil || n.m != e.m || e.m.gen != e.gen || e.m.n == 0 || int(n.i) >= e.m.n {
		return ErrStaleNode
	}
	return nil
}

func (e *Editor) add(ed edit) error {
	if e.n == MaxEdits {
		return ErrTooManyEdits
	}
	if ed.kind == editReplace || ed.kind == editSetOp {
		// A second value for one node, or a second header change, would
		// be written twice where the spans are empty.
		for i := range e.edits[:e.n] {
			old := &e.edits[i]
			if ed.auth && old.auth || !ed.auth && !old.auth && old.node == ed.node &&
				(old.kind == editReplace || old.kind == editSetOp) {
				return ErrEditOverlap
			}
		}
	}
	ed.seq = uint8(e.n)
	e.edits[e.n] = ed
	e.n++
	return nil
}

// SetValue replaces n's value with value, written as given: quote it
// (AppendQuoted) where a quotedString is wanted. A second SetValue on the
// same node is ErrEditOverlap. For a quotedString the
// quotes are replaced too; for Local and Remote the SDP between the white
// space that surrounds it. A parameter without value and without body gets
// "=value" after its name. It returns ErrNotEditable for a node with no
// value that cannot take one (descriptors, observed events, a bracketed
// Modem list), and the parser's error when value is not acceptable there
// (ErrBadValue, ErrBadNumber, ErrNumberTooLarge, ErrBadMID, ...). A
// descriptor keyword without braces (an audit item such as Events) is held
// to the rules of the descriptor an Insert would make of it.
func (e *Editor) SetValue(n Node, value []byte) error {
	if err := e.check(n); err != nil {
		return err
	}
	d := n.nd()
	switch {
	case d.form == ValueOctets:
		if !validOctets(value) {
			return ErrBadValue
		}
		return e.add(edit{kind: editReplace, node: n.i, off0: d.val0, off1: d.val1, repl: value})
	case d.kind == KindValue && d.form == ValueQuoted:
		if p := (parser{buf: value}); len(value) == 0 || value[0] != '"' {
			return ErrBadValue
		} else if end, err := p.quoted(0, 2); err != nil || end != len(value) {
			return ErrBadValue
		}
		return e.add(edit{kind: editReplace, node: n.i, off0: d.val0 - 1, off1: d.val1 + 1,
			repl: value})
	case d.op != 0:
		if err := e.checkValue(n, value); err != nil {
			return err
		}
		v0, v1 := d.val0, d.val1
		if d.form == ValueQuoted {
			v0, v1 = v0-1, v1+1
		}
		return e.add(edit{kind: editReplace, node: n.i, off0: v0, off1: v1, repl: value})
	case d.kind == KindParameter && d.form == ValueNone && d.flags&(fBody|fTimestamp) == 0:
		if err := e.checkValue(n, value); err != nil {
			return err
		}
		return e.add(edit{kind: editSetOp, node: n.i, off0: d.name1, off1: d.name1, repl: value})
	}
	return ErrNotEditable
}

// checkValue parses value as the value of n would be parsed, in a scratch
// table, and applies the same checks.
func (e *Editor) checkValue(n Node, value []byte) error {
	d := n.nd()
	var scratch [2]node
	scratch[0] = e.m.nodes[d.parent]
	scratch[1] = node{kind: d.kind, tok: d.tok, flags: d.flags, op: d.op}
	if scratch[1].op == 0 {
		scratch[1].op = '='
	}
	closer := byte('}')
	if d.flags&fInParen != 0 {
		closer = ')'
	}
	if len(value) == 0 {
		return ErrBadValue
	}
	p := parser{buf: value, nodes: scratch[:]}
	end, err := p.value(&scratch[1], 0, 2, closer)
	if err != nil {
		return p.truncated(err)
	}
	if end != len(value) {
		return ErrBadValue
	}
	if err := p.checkItem(&scratch[1], d.flags&fBody != 0); err != nil || !mayOpen(d) {
		return err
	}
	// An Insert may give the node braces and make it a descriptor: the
	// value must do for that too, whichever edit comes first.
	return p.checkAsDescriptor(&scratch[1])
}

// mayOpen reports whether an Insert into d would turn it from a parameter
// into a descriptor: a descriptor keyword standing without braces, such as
// an audit item.
func mayOpen(d *node) bool {
	return d.kind == KindParameter && d.flags&fBody == 0 && isDescriptor(d.tok)
}

// checkAsDescriptor classifies and checks nd, in p's table, as it would be
// with a body.
func (p *parser) checkAsDescriptor(nd *node) error {
	if err := p.classify(nd, true); err != nil {
		return err
	}
	return p.checkItem(nd, true)
}

// truncated turns the error for an edit that ends inside its own brackets
// into ErrTruncated: the Message's braces are not the edit's concern.
func (p *parser) truncated(err error) error {
	if err == ErrUnbalancedBraces && p.pos == len(p.buf) {
		return ErrTruncated
	}
	return err
}

// validOctets reports whether v may stand as the SDP of Local or Remote:
// no NUL, every '}' escaped as "\}", and no final '\' that would escape the
// closing brace (RFC 3525 B.2 octetString).
func validOctets(v []byte) bool {
	if bytes.IndexByte(v, 0) >= 0 || len(v) > 0 && v[len(v)-1] == '\\' {
		return false
	}
	for i, c := range v {
		if c == '}' && (i == 0 || v[i-1] != '\\') {
			return false
		}
	}
	return true
}

// Remove deletes n with the comma that separates it from its siblings: the
// one before it, or after it when it comes first. Removing all children of
// a node leaves its braces empty, which some items do not allow (a
// Transaction needs a Context); Remove does not check that. It returns
// ErrNotEditable for the root.
func (e *Editor) Remove(n Node) error {
	if err := e.check(n); err != nil {
		return err
	}
	if n.i == 0 {
		return ErrNotEditable
	}
	return e.add(edit{kind: editRemove, node: n.i})
}

// Insert adds item, one whole item such as `skd/mac="..."` or
// `Signals{cg/rt}`, as the last child of parent, separated by a comma; a
// parent without braces gets them. item is checked as Parse would check it
// there (ErrSyntax, ErrUnexpectedToken, ErrTooDeep, ...), and must hold at
// most 63 nodes. Parent must be a context, command, descriptor or parameter
// or a Transaction request; ErrNotEditable for the root, a Reply, Pending or
// TransactionResponseAck, an Error, Local, Remote and DigitMap, and for a
// descriptor keyword without braces whose value or operator the descriptor
// it would become does not allow.
func (e *Editor) Insert(parent Node, item []byte) error {
	if err := e.check(parent); err != nil {
		return err
	}
	d := parent.nd()
	switch {
	case d.kind == KindMessage, d.kind == KindError, d.kind == KindValue,
		d.kind == KindTransaction && d.tok != TokTransaction,
		d.tok == TokLocal, d.tok == TokRemote, d.tok == TokDigitMap:
		return ErrNotEditable
	}
	if err := checkInsert(parent, item); err != nil {
		return err
	}
	if mayOpen(d) {
		var scratch [2]node
		scratch[0], scratch[1] = e.m.nodes[d.parent], *d
		scratch[1].parent = 0
		p := parser{buf: e.m.buf, nodes: scratch[:]}
		if p.checkAsDescriptor(&scratch[1]) != nil {
			return ErrNotEditable
		}
	}
	return e.add(edit{kind: editInsert, node: parent.i, repl: item})
}

// checkInsert parses item as a child of parent, in a scratch table on the
// stack.
func checkInsert(parent Node, item []byte) error {
	if len(item) == 0 {
		return ErrSyntax
	}
	depth := 1
	for a := parent; a.i != 0; a = a.Parent() {
		depth++
	}
	var scratch [maxInsertNodes]node
	scratch[0] = *parent.nd()
	closer := byte('}')
	if scratch[0].flags&fParen != 0 {
		closer = ')'
	}
	p := parser{buf: item, nodes: scratch[:], n: 1}
	if _, err := p.item(0, 0, depth, closer); err != nil {
		return p.truncated(err)
	}
	if int(scratch[1].raw1) != len(item) {
		return ErrSyntax
	}
	return nil
}

// SetAuth writes header, an authentication header as AppendAuthHeader makes
// it, in place of the message's one, or before the MEGACO token when it has
// none, followed by the line end the message's first line uses. It returns
// ErrBadAuth when header is not a well-formed authentication header, and
// ErrEditOverlap when SetAuth or RemoveAuth was called before.
func (e *Editor) SetAuth(header []byte) error {
	if e.m == nil || e.m.gen != e.gen || e.m.n == 0 {
		return ErrStaleNode
	}
	if !validAuthHeader(header) {
		return ErrBadAuth
	}
	h := &e.m.hdr
	if h.auth {
		return e.add(edit{kind: editReplace, auth: true, off0: h.au0, off1: h.au1, repl: header})
	}
	for i := range e.edits[:e.n] {
		if e.edits[i].auth {
			return ErrEditOverlap
		}
	}
	e.eol = lineEnd(e.m.buf[h.start:])
	return e.add(edit{kind: editAuthInsert, auth: true, off0: h.start, off1: h.start,
		repl: header})
}

// validAuthHeader reports whether h is exactly one authentication header.
func validAuthHeader(h []byte) bool {
	j := skipClass(h, 0, cName)
	if LookupToken(h[:j]) != TokAuthentication {
		return false
	}
	p := parser{buf: h}
	var tmp hdrOffsets
	end, err := p.auth(&tmp, 0, j)
	return err == nil && end == len(h)
}

// lineEnd returns the first line end of b ("\r\n", "\n" or "\r"), or a
// space when b is one line.
func lineEnd(b []byte) string {
	for i, c := range b {
		switch {
		case c == '\n':
			return "\n"
		case c == '\r' && i+1 < len(b) && b[i+1] == '\n':
			return "\r\n"
		case c == '\r':
			return "\r"
		}
	}
	return " "
}

// RemoveAuth deletes the authentication header and the white space after it,
// so that the output starts with the message's leading LWSP and the MEGACO
// token. Without a header it records nothing. After SetAuth it returns
// ErrEditOverlap.
func (e *Editor) RemoveAuth() error {
	if e.m == nil || e.m.gen != e.gen || e.m.n == 0 {
		return ErrStaleNode
	}
	h := &e.m.hdr
	if !h.auth {
		return nil
	}
	return e.add(edit{kind: editReplace, auth: true, off0: h.au0, off1: h.start})
}

// Append writes the message with the recorded edits applied to dst and
// returns the extended slice; it allocates only when dst lacks capacity.
// Edits are applied in the order of their offsets; several inserts into one
// parent keep the order they were recorded in. Removals may overlap each
// other; any other overlap, or an edit inside a removed node, is
// ErrEditOverlap. A result longer than MaxMessageSize is ErrMessageTooLarge.
// On error dst is returned unchanged. Append does not change the Editor, so
// it may be called again.
//
// The output parses unless an edit removed what the grammar requires (see
// Remove), or the result exceeds MaxNodes or MaxDepth.
func (e *Editor) Append(dst []byte) ([]byte, error) {
	if e.m == nil || e.m.gen != e.gen || e.m.n == 0 {
		return dst, ErrStaleNode
	}
	var removed bitset
	for i := range e.edits[:e.n] {
		if e.edits[i].kind == editRemove {
			removed.set(e.edits[i].node)
		}
	}
	var order [MaxEdits]uint8
	if err := e.resolve(&removed, &order); err != nil {
		return dst, err
	}
	return e.write(dst, &order)
}

// bitset marks node indexes.
type bitset [MaxNodes / 64]uint64

func (s *bitset) set(i uint16)      { s[i/64] |= 1 << (i % 64) }
func (s *bitset) has(i uint16) bool { return s[i/64]&(1<<(i%64)) != 0 }

// resolve computes the spans of removals and the places of inserts, checks
// that no edit lies inside a removed node, and sorts the edits into order.
func (e *Editor) resolve(removed *bitset, order *[MaxEdits]uint8) error {
	for i := range e.edits[:e.n] {
		ed := &e.edits[i]
		switch ed.kind {
		case editRemove:
			ed.off0, ed.off1 = e.removeSpan(ed.node, removed)
		case editInsert:
			ed.off0, ed.place = e.insertPlace(ed.node, removed)
			ed.off1 = ed.off0
		}
		if ed.kind != editRemove && ed.node != 0 && e.inRemoved(ed.node, removed) {
			return ErrEditOverlap
		}
		order[i] = uint8(i)
	}
	// Insertion sort: at most MaxEdits entries, mostly in order already.
	for i := 1; i < e.n; i++ {
		for j := i; j > 0 && e.before(order[j], order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	return nil
}

// before orders edits by offset, then empty spans (inserts) before others,
// then deeper nodes first (a node's own additions before its parent's next
// item), then by kind and by the order of recording.
func (e *Editor) before(a, b uint8) bool {
	x, y := &e.edits[a], &e.edits[b]
	switch {
	case x.off0 != y.off0:
		return x.off0 < y.off0
	case x.off1 != y.off1:
		return x.off1 < y.off1
	case x.node != y.node:
		return x.node > y.node
	case x.kind != y.kind:
		return x.kind < y.kind
	}
	return x.seq < y.seq
}

// inRemoved reports whether node i or an ancestor of it is removed.
func (e *Editor) inRemoved(i uint16, removed *bitset) bool {
	for ; i != 0; i = e.m.nodes[i].parent {
		if removed.has(i) {
			return true
		}
	}
	return false
}

// removeSpan returns what removing node x deletes, given the set of removed
// siblings: from the end of the previous kept sibling to x's end; with no
// kept sibling before it, from x's start to the next kept sibling's start;
// with none at all, x up to the next sibling, or for the last one x and a
// trailing comma.
func (e *Editor) removeSpan(x uint16, removed *bitset) (uint16, uint16) {
	nodes := &e.m.nodes
	d := &nodes[x]
	p := &nodes[d.parent]
	prev := -1
	for c := d.parent + 1; c < x; c = nodes[c].end {
		if !removed.has(c) {
			prev = int(c)
		}
	}
	if prev >= 0 {
		return nodes[prev].raw1, d.raw1
	}
	for c := d.end; c < p.end; c = nodes[c].end {
		if !removed.has(c) {
			return d.raw0, nodes[c].raw0
		}
	}
	if d.end < p.end {
		return d.raw0, nodes[d.end].raw0
	}
	end := d.raw1
	if p.flags&fBody != 0 {
		if k := skipLWSP(e.m.buf[:p.body1], int(d.raw1)); k < int(p.body1) &&
			e.m.buf[k] == ',' {
			end = uint16(k + 1)
		}
	}
	return d.raw0, end
}

// insertPlace returns where an item inserted into parent p goes: after its
// last kept child, at the start of its first (all removed) child, at the
// start of its empty body, or after it in new braces.
func (e *Editor) insertPlace(p uint16, removed *bitset) (uint16, uint8) {
	nodes := &e.m.nodes
	d := &nodes[p]
	last := -1
	for c := p + 1; c < d.end; c = nodes[c].end {
		if !removed.has(c) {
			last = int(c)
		}
	}
	switch {
	case last >= 0:
		return nodes[last].raw1, placeAfter
	case d.end > p+1:
		return nodes[p+1].raw0, placeFirst
	case d.flags&fBody != 0:
		return d.body0, placeFirst
	}
	return d.raw1, placeOpen
}

// write copies the message into dst with the edits applied in order.
func (e *Editor) write(dst []byte, order *[MaxEdits]uint8) ([]byte, error) {
	start := len(dst)
	buf := e.m.buf
	pos := 0
	lastRemove := false
	for k := 0; k < e.n; k++ {
		ed := &e.edits[order[k]]
		o0, o1 := int(ed.off0), int(ed.off1)
		if o0 < pos {
			if ed.kind == editRemove && lastRemove {
				pos = max(pos, o1)
				continue
			}
			return dst[:start], ErrEditOverlap
		}
		dst = append(dst, buf[pos:o0]...)
		dst = e.writeEdit(dst, order, k)
		pos = o1
		lastRemove = ed.kind == editRemove
	}
	dst = append(dst, buf[pos:]...)
	if len(dst)-start > MaxMessageSize {
		return dst[:start], ErrMessageTooLarge
	}
	return dst, nil
}

// writeEdit writes edit order[k]. Inserts into one parent at one place form
// a run: the first opens new braces or goes without a comma, the others
// follow with ", ", and the last of a run in new braces closes them.
func (e *Editor) writeEdit(dst []byte, order *[MaxEdits]uint8, k int) []byte {
	ed := &e.edits[order[k]]
	switch ed.kind {
	case editReplace:
		return append(dst, ed.repl...)
	case editSetOp:
		dst = append(dst, '=')
		return append(dst, ed.repl...)
	case editAuthInsert:
		dst = append(dst, ed.repl...)
		return append(dst, e.eol...)
	case editRemove:
		return dst
	}
	first := k == 0 || !sameRun(&e.edits[order[k-1]], ed)
	switch {
	case ed.place == placeOpen && first:
		dst = append(dst, " {"...)
	case ed.place == placeAfter || !first:
		dst = append(dst, ", "...)
	}
	dst = append(dst, ed.repl...)
	if ed.place == placeOpen && (k+1 == e.n || !sameRun(ed, &e.edits[order[k+1]])) {
		dst = append(dst, '}')
	}
	return dst
}

// sameRun reports whether a and b insert into the same parent at the same
// place.
func sameRun(a, b *edit) bool {
	return a.kind == editInsert && b.kind == editInsert && a.node == b.node && a.off0 == b.off0
}
