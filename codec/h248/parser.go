package h248

import "bytes"

// parser holds the state of one Parse (or one check of an edit). Its
// functions take and return offsets into buf, in the manner of
// dnsmessage's decoders, and record nodes in the pre-allocated table.
type parser struct {
	buf   []byte
	nodes []node // the table; its length is the node limit
	n     int    // nodes in use
	pos   int    // where the last error was found
}

func (p *parser) fail(i int, err error) error {
	p.pos = i
	return err
}

// eof is the error for a message that ends while an item at depth d is
// being read: inside braces when d > 1, else in a top-level item.
func (p *parser) eof(d int) error {
	p.pos = len(p.buf)
	if d > 1 {
		return ErrUnbalancedBraces
	}
	return ErrTruncated
}

// body parses the messageBody from i to the end: transactions (or one error
// descriptor) separated by LWSP (RFC 3525 B.2 messageBody, transactionList).
// No comma separates transactions: "}Transaction" is well-formed.
func (p *parser) body(i int) error {
	b := p.buf
	p.nodes[0] = node{kind: KindMessage}
	p.n = 1
	if i = skipLWSP(b, i); i == len(b) {
		return p.fail(i, ErrNoBody)
	}
	last := 0
	for i < len(b) {
		if b[i] == '}' {
			return p.fail(i, ErrUnbalancedBraces)
		}
		last = p.n
		var err error
		if i, err = p.item(i, 0, 1, 0); err != nil {
			return err
		}
	}
	root := &p.nodes[0]
	root.raw0, root.body0 = p.nodes[1].raw0, p.nodes[1].raw0
	root.raw1, root.body1 = p.nodes[last].raw1, p.nodes[last].raw1
	root.end = uint16(p.n)
	return p.checkChildren(0)
}

// list parses the items of a body up to and including its closing byte,
// starting after the opening one; the items are children of parent at depth
// d. Items are separated by COMMA; a comma right before the closing brace is
// ignored (leniency 2).
func (p *parser) list(i, parent, d int, closer byte) (int, error) {
	b := p.buf
	if i = skipLWSP(b, i); i == len(b) {
		return 0, p.eof(d)
	}
	if b[i] == closer {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = p.item(i, parent, d, closer); err != nil {
			return 0, err
		}
		if i == len(b) {
			return 0, p.eof(d)
		}
		switch b[i] {
		case closer:
			return i + 1, nil
		case ',':
			if i = skipLWSP(b, i+1); i == len(b) {
				return 0, p.eof(d)
			}
			if b[i] == closer {
				return i + 1, nil
			}
		case '}', ')':
			return 0, p.fail(i, ErrUnbalancedBraces)
		default:
			return 0, p.fail(i, ErrSyntax)
		}
	}
}

// item parses one item at i, a child of parent at depth d: a name with an
// optional operator and value and an optional body, or a bare quotedString.
// closer is the byte that closes the enclosing body (0 at the top level).
// It returns the index of the first non-LWSP byte after the item, where the
// caller looks for a separator; the item's own end is its node's raw1.
//
// The common item, a name and "= scalar", is read here without further
// calls: this is the loop of every Parse.
func (p *parser) item(i, parent, d int, closer byte) (int, error) {
	if d > MaxDepth {
		return 0, p.fail(i, ErrTooDeep)
	}
	idx := p.n
	if idx >= len(p.nodes) {
		return 0, p.fail(i, ErrTooManyElements)
	}
	p.n++
	nd := &p.nodes[idx]
	*nd = node{parent: uint16(parent), raw0: uint16(i)}
	if closer == ')' {
		nd.flags = fInParen
	}
	b := p.buf
	if b[i] == '"' {
		return p.quotedItem(idx, i, d)
	}
	if p.nodes[parent].kind == KindContext {
		i = commandPrefix(b, nd, i)
	}
	j := skipRun(b, i, &stopName)
	if j == i || j-i > MaxNameLength {
		return 0, p.badWord(i, j, d)
	}
	k := skipLWSP(b, j)
	if k < len(b) && b[k] == ':' && isTimestamp(b[i:j]) {
		var err error
		if i, j, k, err = p.timestamp(nd, i, j, k, d); err != nil {
			return 0, err
		}
	}
	nd.name0, nd.name1 = uint16(i), uint16(j)
	tok := lookupName(b, i, j)
	nd.tok = tok
	if k < len(b) && b[k] == '=' && tok != TokServiceChangeAddress && tok != TokMgcIDToTry {
		v := skipLWSP(b, k+1)
		if e := skipRun(b, v, scalarStop(closer)); e != v {
			nd.op, nd.form = '=', ValueScalar
			nd.val0, nd.val1 = uint16(v), uint16(e)
			return p.rest(idx, e, skipLWSP(b, e), d)
		}
	}
	end, k, err := p.operator(nd, j, k, d, closer)
	if err != nil {
		return 0, err
	}
	return p.rest(idx, end, k, d)
}

// timestamp reads the name after the TimeStamp [i, j) and colon (at k) of
// an observed event (RFC 3525 B.2 observedEvent); the TimeStamp is kept in
// the value span. It returns the name's span and the next non-LWSP byte.
func (p *parser) timestamp(nd *node, i, j, k, d int) (int, int, int, error) {
	b := p.buf
	nd.flags |= fTimestamp
	nd.val0, nd.val1 = uint16(i), uint16(j)
	i = skipLWSP(b, k+1)
	if j = skipRun(b, i, &stopName); j == i || j-i > MaxNameLength {
		return 0, 0, 0, p.badWord(i, j, d)
	}
	return i, j, skipLWSP(b, j), nil
}

// rest classifies the item whose name and value end at end, with the next
// non-LWSP byte at k, checks it, and parses its body if one opens at k. It
// returns the first non-LWSP byte after the item. nd stays valid across
// the body's items: the table is never reallocated.
func (p *parser) rest(idx, end, k, d int) (int, error) {
	b := p.buf
	nd := &p.nodes[idx]
	open := byte(0)
	if k < len(b) {
		switch b[k] {
		case '{':
			open = '{'
		case '(':
			// Leniency 1: event parameters in parentheses after a pkgdName.
			if nd.op == 0 && nd.form == ValueNone &&
				bytes.IndexByte(b[nd.name0:nd.name1], '/') >= 0 {
				open = '('
			}
		}
	}
	if err := p.classify(nd, open != 0); err != nil {
		return 0, p.fail(int(nd.name0), err)
	}
	if needsCheck(nd) {
		if err := p.checkItem(nd, open != 0); err != nil {
			return 0, err
		}
	}
	if open != 0 {
		var err error
		if end, err = p.itemBody(nd, idx, k, d); err != nil {
			return 0, err
		}
		k = skipLWSP(b, end)
	}
	nd.raw1 = uint16(end)
	nd.end = uint16(p.n)
	if nd.kind <= KindContext || nd.kind == KindError {
		return k, p.checkChildren(idx)
	}
	return k, nil
}

// quotedItem parses a bare quotedString item, the text of an error
// descriptor.
func (p *parser) quotedItem(idx, i, d int) (int, error) {
	nd := &p.nodes[idx]
	j, err := p.quoted(i, d)
	if err != nil {
		return 0, err
	}
	if p.nodes[nd.parent].kind != KindError {
		return 0, p.fail(i, ErrUnexpectedToken)
	}
	nd.kind, nd.form = KindValue, ValueQuoted
	nd.name0, nd.name1 = uint16(i), uint16(i)
	nd.val0, nd.val1 = uint16(i+1), uint16(j-1)
	nd.raw1 = uint16(j)
	nd.end = uint16(idx + 1)
	return skipLWSP(p.buf, j), nil
}

// commandPrefix skips the "O-" (optional) and "W-" (wildcarded response)
// prefixes of a command, in that order (RFC 3525 B.2 commandRequestList).
func commandPrefix(b []byte, nd *node, i int) int {
	for i+2 < len(b) && b[i+1] == '-' && class[b[i+2]]&cAlpha != 0 {
		switch c := lower(b[i]); {
		case c == 'o' && nd.flags&(fOptional|fWildcard) == 0:
			nd.flags |= fOptional
		case c == 'w' && nd.flags&fWildcard == 0:
			nd.flags |= fWildcard
		default:
			return i
		}
		i += 2
	}
	return i
}

// badWord returns the error for a name [i, j) that is empty or too long.
func (p *parser) badWord(i, j, d int) error {
	switch {
	case j == len(p.buf) && j == i:
		return p.eof(d)
	case j == i:
		return p.fail(i, ErrSyntax)
	}
	return p.fail(i, ErrNameTooLong)
}

// operator reads an optional operator and value after the name (end is the
// end so far, k the next non-LWSP byte): EQUAL or INEQUAL and a value, or
// the bracketed modem list of a Modem descriptor (RFC 3525 B.2
// modemDescriptor). It returns the new end and next non-LWSP byte.
func (p *parser) operator(nd *node, end, k, d int, closer byte) (int, int, error) {
	b := p.buf
	if k == len(b) {
		return end, k, nil
	}
	var err error
	switch c := b[k]; {
	case c == '=' || c == '<' || c == '>' || c == '#':
		nd.op = c
		if end, err = p.value(nd, skipLWSP(b, k+1), d, closer); err != nil {
			return 0, 0, err
		}
	case c == '[' && nd.tok == TokModem:
		nd.val0 = uint16(k)
		if end, err = p.valueList(nd, k, d); err != nil {
			return 0, 0, err
		}
	default:
		return end, k, nil
	}
	return end, skipLWSP(b, end), nil
}

// value reads the value at i (RFC 3525 B.2 parmValue, alternativeValue,
// VALUE; mId for ServiceChangeAddress and MgcIdToTry; digit maps) and
// returns its end. In a parenthesised body a ')' ends an unquoted value.
func (p *parser) value(nd *node, i, d int, closer byte) (int, error) {
	b := p.buf
	if i == len(b) {
		return 0, p.eof(d)
	}
	nd.val0 = uint16(i)
	if nd.tok == TokServiceChangeAddress || nd.tok == TokMgcIDToTry {
		return p.midValue(nd, i)
	}
	switch b[i] {
	case '"':
		j, err := p.quoted(i, d)
		if err != nil {
			return 0, err
		}
		nd.form = ValueQuoted
		nd.val0, nd.val1 = uint16(i+1), uint16(j-1)
		return j, nil
	case '[':
		return p.valueList(nd, i, d)
	case '{':
		if nd.tok == TokDigitMap {
			return p.digitMapValue(nd, i, d)
		}
		return p.valueList(nd, i, d)
	}
	j := scalarEnd(b, i, closer)
	if j == i {
		return 0, p.fail(i, ErrBadValue)
	}
	nd.form = ValueScalar
	nd.val1 = uint16(j)
	return j, nil
}

// scalarEnd returns the end of the 1*SafeChar run at i; a ')' ends it when
// closer is ')'.
func scalarEnd(b []byte, i int, closer byte) int {
	return skipRun(b, i, scalarStop(closer))
}

// scalarStop returns the stop table of an unquoted value in a body closed
// by closer: in a parenthesised body a ')' ends the value.
func scalarStop(closer byte) *[256]uint8 {
	if closer == ')' {
		return &stopSafeParen
	}
	return &stopSafe
}

// quoted returns the end (after the closing DQUOTE) of the quotedString
// that opens at i. A line end or the end of the message before the closing
// DQUOTE is ErrUnterminatedString: quotedString holds no EOL.
func (p *parser) quoted(i, d int) (int, error) {
	b := p.buf
	j := skipRun(b, i+1, &stopQuoted)
	switch {
	case j < len(b) && b[j] == '"':
		return j + 1, nil
	case j == len(b) || class[b[j]]&cEOL != 0:
		return 0, p.fail(i, ErrUnterminatedString)
	}
	return 0, p.fail(j, ErrBadValue)
}

// valueList reads a bracketed list of VALUEs at i: LSBRKT VALUE *(COMMA
// VALUE) RSBRKT, LSBRKT VALUE COLON VALUE RSBRKT or LBRKT VALUE *(COMMA
// VALUE) RBRKT (RFC 3525 B.2 alternativeValue). The value span keeps the
// brackets.
func (p *parser) valueList(nd *node, i, d int) (int, error) {
	b := p.buf
	closer, form := byte(']'), ValueSublist
	if b[i] == '{' {
		closer, form = '}', ValueAlternatives
	}
	n := 0
	for j := skipLWSP(b, i+1); ; j = skipLWSP(b, j+1) {
		k, err := p.listElement(j, d)
		if err != nil {
			return 0, err
		}
		n++
		if j = skipLWSP(b, k); j == len(b) {
			return 0, p.eof(d + 1)
		}
		switch c := b[j]; {
		case c == closer:
			nd.form = form
			nd.val1 = uint16(j + 1)
			return j + 1, nil
		case c == ',' && form != ValueRange:
		case c == ':' && closer == ']' && n == 1:
			form = ValueRange
		default:
			return 0, p.fail(j, ErrBadValue)
		}
	}
}

// listElement returns the end of the VALUE at j inside a value list.
func (p *parser) listElement(j, d int) (int, error) {
	b := p.buf
	if j == len(b) {
		return 0, p.eof(d + 1)
	}
	if b[j] == '"' {
		return p.quoted(j, d+1)
	}
	k := skipRun(b, j, &stopSafe)
	if k == j {
		return 0, p.fail(j, ErrBadValue)
	}
	return k, nil
}

// digitMapValue reads a digit map written in braces in value position
// (RFC 3525 B.2 eventDM). The text is kept raw (leniency 3).
func (p *parser) digitMapValue(nd *node, i, d int) (int, error) {
	j, err := p.digitMapEnd(i+1, d+1)
	if err != nil {
		return 0, err
	}
	nd.form = ValueDigitMap
	nd.val1 = uint16(j + 1)
	return j + 1, nil
}

// itemBody parses the body of nd (node idx) that opens at k and returns
// its end: the items in braces (or parentheses), or the raw text of Local,
// Remote and DigitMap.
func (p *parser) itemBody(nd *node, idx, k, d int) (int, error) {
	b := p.buf
	nd.flags |= fBody
	nd.body0 = uint16(k + 1)
	if b[k] == '{' && (nd.tok == TokLocal || nd.tok == TokRemote || nd.tok == TokDigitMap) {
		return p.rawBody(nd, k+1, d)
	}
	closer := byte('}')
	if b[k] == '(' {
		closer = ')'
		nd.flags |= fParen
	}
	end, err := p.list(k+1, idx, d+1, closer)
	if err != nil {
		return 0, err
	}
	nd.body1 = uint16(end - 1)
	return end, nil
}

// rawBody reads the raw body at i of Local and Remote (SDP, RFC 3525 B.2
// octetString) or DigitMap (digitMapValue).
func (p *parser) rawBody(nd *node, i, d int) (int, error) {
	nd.flags |= fRaw
	var j int
	var err error
	if nd.tok == TokDigitMap {
		j, err = p.digitMapEnd(i, d+1)
	} else {
		j, err = p.octetsEnd(i, d+1)
	}
	if err != nil {
		return 0, err
	}
	nd.body1 = uint16(j)
	if nd.tok != TokDigitMap {
		v0, v1 := trimSpace(p.buf, i, j)
		nd.form = ValueOctets
		nd.val0, nd.val1 = uint16(v0), uint16(v1)
	}
	return j + 1, nil
}

// octetsEnd returns the index of the '}' that ends the octetString at i:
// the first '}' not escaped as "\}". NUL is not allowed (RFC 3525 B.2
// nonEscapeChar).
func (p *parser) octetsEnd(i, d int) (int, error) {
	b := p.buf
	for k := i; ; {
		j := bytes.IndexByte(b[k:], '}')
		if j < 0 {
			return 0, p.eof(d)
		}
		j += k
		if j > i && b[j-1] == '\\' {
			k = j + 1
			continue
		}
		if z := bytes.IndexByte(b[i:j], 0); z >= 0 {
			return 0, p.fail(i+z, ErrBadValue)
		}
		return j, nil
	}
}

// digitMapEnd returns the index of the '}' that ends the digit map at i. A
// digit map holds no braces and no NUL.
func (p *parser) digitMapEnd(i, d int) (int, error) {
	b := p.buf
	j := bytes.IndexByte(b[i:], '}')
	if j < 0 {
		return 0, p.eof(d)
	}
	j += i
	if k := bytes.IndexByte(b[i:j], '{'); k >= 0 {
		return 0, p.fail(i+k, ErrSyntax)
	}
	if z := bytes.IndexByte(b[i:j], 0); z >= 0 {
		return 0, p.fail(i+z, ErrBadValue)
	}
	return j, nil
}

// trimSpace returns [i, j) without leading and trailing WSP and EOL.
func trimSpace(b []byte, i, j int) (int, int) {
	for i < j && class[b[i]]&(cWSP|cEOL) != 0 {
		i++
	}
	for j > i && class[b[j-1]]&(cWSP|cEOL) != 0 {
		j--
	}
	return i, j
}
