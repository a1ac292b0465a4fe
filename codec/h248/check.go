package h248

// classify sets the kind of nd from its parent and token: which items may
// stand where (RFC 3525 B.2 transactionList, transactionReply,
// actionRequest, actionReply, commandRequest, ammParameter, ...). Below the
// command level only the shape is checked: a descriptor token with a body is
// a descriptor, anything else a parameter. Small enough to inline; the
// prefixes, timestamps and inequalities that need more go to classifyMore.
func (p *parser) classify(nd *node, hasBody bool) error {
	parent := &p.nodes[nd.parent]
	kind := kindTable[parent.kind][b2i(hasBody)][nd.tok]
	if parent.kind == KindTransaction {
		kind = kindInTransaction(parent.tok, nd.tok)
	}
	nd.kind = kind
	if kind == KindNone || nd.flags&(fOptional|fWildcard|fTimestamp) != 0 ||
		nd.op != 0 && nd.op != '=' {
		return classifyMore(nd, parent)
	}
	return nil
}

// classifyMore checks what classify leaves: a kind the parent may not hold,
// the command prefixes, an observed event's TimeStamp and the INEQUAL
// operators.
func classifyMore(nd, parent *node) error {
	switch kind := nd.kind; {
	case kind == KindNone:
		return ErrUnexpectedToken
	case nd.flags&(fOptional|fWildcard) != 0 && kind != KindCommand:
		return ErrUnexpectedToken
	case nd.flags&fTimestamp != 0 && (kind != KindParameter || parent.tok != TokObservedEvents):
		return ErrUnexpectedToken
	case nd.op != 0 && nd.op != '=' && kind != KindParameter:
		return ErrSyntax
	}
	return nil
}

// kindTable holds kindIn for every parent kind but KindTransaction (whose
// children depend on its token), with and without a body, and every token:
// one load instead of a chain of switches per item. KindNone marks an item
// the parent may not hold. A value, not a pointer: its address is static.
var kindTable = *makeKindTable()

func makeKindTable() *[kindCount][2][tokCount]Kind {
	t := new([kindCount][2][tokCount]Kind)
	for pk := range Kind(kindCount) {
		for body := range 2 {
			for tok := range tokCount {
				if k, err := kindIn(&node{kind: pk}, tok, body == 1); err == nil {
					t[pk][body][tok] = k
				}
			}
		}
	}
	return t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// numbered marks the tokens whose values checkNumbers reads.
var numbered = [tokCount]bool{TokEvents: true, TokObservedEvents: true, TokStream: true,
	TokSignalList: true, TokPriority: true, TokDuration: true, TokDelay: true, TokVersion: true}

// needsCheck reports whether checkItem has anything to check for nd:
// always for transactions, contexts, commands, errors and acks, for
// descriptors and parameters only when their token carries a number.
func needsCheck(nd *node) bool {
	return nd.kind < KindDescriptor || nd.kind > KindParameter || numbered[nd.tok]
}

// kindIn returns the kind of an item with token tok inside parent.
func kindIn(parent *node, tok Token, hasBody bool) (Kind, error) {
	switch parent.kind {
	case KindMessage:
		switch tok {
		case TokTransaction, TokReply, TokPending, TokResponseAck:
			return KindTransaction, nil
		case TokError:
			return KindError, nil
		}
	case KindTransaction:
		if k := kindInTransaction(parent.tok, tok); k != KindNone {
			return k, nil
		}
	case KindContext:
		switch {
		case isCommand(tok):
			return KindCommand, nil
		case tok == TokError:
			return KindError, nil
		case tok == TokTopology || tok == TokContextAudit:
			return KindDescriptor, nil
		case tok == TokPriority || tok == TokEmergency:
			return KindParameter, nil
		}
	case KindCommand:
		switch {
		case tok == TokError:
			return KindError, nil
		case isCommandChild(tok):
			return KindDescriptor, nil
		}
	case KindDescriptor, KindParameter:
		switch {
		case tok == TokError:
			return KindError, nil
		case hasBody && isDescriptor(tok):
			return KindDescriptor, nil
		}
		return KindParameter, nil
	}
	return KindNone, ErrUnexpectedToken
}

// kindInTransaction returns the kind of an item with token tok in a
// transaction of token ttok; KindNone when it may not stand there.
func kindInTransaction(ttok, tok Token) Kind {
	switch {
	case ttok == TokResponseAck:
		return KindValue
	case ttok == TokPending:
	case tok == TokContext:
		return KindContext
	case ttok == TokReply && tok == TokError:
		return KindError
	case ttok == TokReply && tok == TokImmAckRequired:
		return KindParameter
	}
	return KindNone
}

// checkItem checks what the grammar requires of an item before its body is
// read: IDs and codes present and in range, TerminationIDs well-formed,
// bodies present where they are mandatory.
func (p *parser) checkItem(nd *node, hasBody bool) error {
	var err error
	switch nd.kind {
	case KindTransaction:
		err = p.checkTransaction(nd, hasBody)
	case KindContext:
		err = p.checkContext(nd, hasBody)
	case KindCommand:
		err = p.checkCommand(nd)
	case KindError:
		err = p.checkErrorCode(nd, hasBody)
	case KindValue:
		err = p.checkAck(nd, hasBody)
	default:
		err = p.checkNumbers(nd)
	}
	return err
}

// requireValue reports ErrMissing unless nd has "= value" with an unquoted
// value.
func (p *parser) requireValue(nd *node) error {
	if nd.op != '=' {
		return p.fail(int(nd.name1), ErrMissing)
	}
	if nd.form != ValueScalar {
		return p.fail(int(nd.val0), ErrBadValue)
	}
	return nil
}

// number parses nd's value as a decimal number within limits.
func (p *parser) number(nd *node, digits int, max uint64) error {
	n, err := parseDec(p.buf[nd.val0:nd.val1], digits, max)
	if err != nil {
		return p.fail(int(nd.val0), err)
	}
	nd.num = uint32(n)
	return nil
}

// checkTransaction: TransToken, ReplyToken and PendingToken EQUAL
// TransactionID (UINT32) LBRKT ... RBRKT; ResponseAckToken LBRKT ... RBRKT.
func (p *parser) checkTransaction(nd *node, hasBody bool) error {
	if !hasBody {
		return p.fail(int(nd.name1), ErrMissing)
	}
	if nd.tok == TokResponseAck {
		if nd.op != 0 {
			return p.fail(int(nd.val0), ErrSyntax)
		}
		return nil
	}
	if err := p.requireValue(nd); err != nil {
		return err
	}
	return p.number(nd, uint32Digits, maxUint32)
}

// checkContext: CtxToken EQUAL ContextID LBRKT ... RBRKT, ContextID being
// UINT32, "*", "-" or "$".
func (p *parser) checkContext(nd *node, hasBody bool) error {
	if err := p.requireValue(nd); err != nil {
		return err
	}
	if !hasBody {
		return p.fail(int(nd.val1), ErrMissing)
	}
	if nd.val1-nd.val0 == 1 {
		switch p.buf[nd.val0] {
		case '-':
			nd.num = ContextNull
			return nil
		case '$':
			nd.num = ContextChoose
			return nil
		case '*':
			nd.num = ContextAll
			return nil
		}
	}
	return p.number(nd, uint32Digits, maxUint32)
}

// checkCommand: a command names its TerminationID ("ROOT", pathNAME, "$" or
// "*"), at most 64 characters.
func (p *parser) checkCommand(nd *node) error {
	if err := p.requireValue(nd); err != nil {
		return err
	}
	v := p.buf[nd.val0:nd.val1]
	if len(v) > MaxTerminationIDLength {
		return p.fail(int(nd.val0), ErrNameTooLong)
	}
	if !isTerminationID(v) {
		return p.fail(int(nd.val0), ErrBadValue)
	}
	return nil
}

// isTerminationID reports whether v is "$", "*" or a pathNAME ("ROOT" is
// one). The first character may be a digit (leniency 4).
func isTerminationID(v []byte) bool {
	if len(v) == 1 && (v[0] == '$' || v[0] == '*') {
		return true
	}
	return pathNameEnd(v, 0, true) == len(v)
}

// checkErrorCode: ErrorToken EQUAL ErrorCode LBRKT [quotedString] RBRKT.
// ErrorCode is 1*4(DIGIT) "could be extended"; Annex A bounds it at 65535.
func (p *parser) checkErrorCode(nd *node, hasBody bool) error {
	if err := p.requireValue(nd); err != nil {
		return err
	}
	if err := p.number(nd, uint16Digits, maxUint16); err != nil {
		return err
	}
	if !hasBody {
		return p.fail(int(nd.val1), ErrMissing)
	}
	return nil
}

// checkAck: transactionAck = TransactionID / (TransactionID "-"
// TransactionID). The first ID is kept in num.
func (p *parser) checkAck(nd *node, hasBody bool) error {
	if nd.op != 0 || hasBody {
		return p.fail(int(nd.name1), ErrSyntax)
	}
	first, _, err := ackRange(p.buf[nd.name0:nd.name1])
	if err != nil {
		return p.fail(int(nd.name0), err)
	}
	nd.num = first
	return nil
}

// ackRange parses a transactionAck.
func ackRange(v []byte) (first, last uint32, err error) {
	cut := len(v)
	for i, c := range v {
		if c == '-' {
			cut = i
			break
		}
	}
	a, err := parseDec(v[:cut], uint32Digits, maxUint32)
	if err != nil {
		return 0, 0, err
	}
	if cut == len(v) {
		return uint32(a), uint32(a), nil
	}
	z, err := parseDec(v[cut+1:], uint32Digits, maxUint32)
	if err != nil {
		return 0, 0, err
	}
	return uint32(a), uint32(z), nil
}

// checkNumbers checks the numbers of descriptors and parameters whose
// meaning does not depend on a package: RequestID (UINT32 or "*"),
// StreamID, signal list ID, priority and duration (UINT16), and in Services
// the Delay (UINT32) and Version (1*2DIGIT). RFC 3525 §12.2 forbids
// packages to name event and signal parameters ST, SY, DR, NC, KA, EB or
// DM, so these tokens mean the same wherever they stand.
func (p *parser) checkNumbers(nd *node) error {
	switch nd.tok {
	case TokEvents, TokObservedEvents:
		return p.checkRequestID(nd)
	case TokStream, TokSignalList, TokPriority, TokDuration:
		if nd.op == 0 {
			return nil
		}
		if err := p.requireValue(nd); err != nil {
			return err
		}
		return p.number(nd, uint16Digits, maxUint16)
	case TokDelay, TokVersion:
		if nd.op == 0 || p.nodes[nd.parent].tok != TokServices {
			return nil
		}
		if err := p.requireValue(nd); err != nil {
			return err
		}
		if nd.tok == TokVersion {
			return p.number(nd, 2, 99)
		}
		return p.number(nd, uint32Digits, maxUint32)
	}
	return nil
}

// checkRequestID checks the RequestID of an Events or ObservedEvents
// descriptor; ObservedEventsDescriptor requires one.
func (p *parser) checkRequestID(nd *node) error {
	if nd.kind != KindDescriptor {
		return nil
	}
	if nd.op == 0 {
		if nd.tok == TokObservedEvents {
			return p.fail(int(nd.name1), ErrMissing)
		}
		return nil
	}
	if err := p.requireValue(nd); err != nil {
		return err
	}
	if nd.val1-nd.val0 == 1 && p.buf[nd.val0] == '*' {
		nd.num = RequestAll
		return nil
	}
	return p.number(nd, uint32Digits, maxUint32)
}

// checkChildren checks what the grammar requires of an item's children
// once its body is read.
func (p *parser) checkChildren(idx int) error {
	nd := &p.nodes[idx]
	switch nd.kind {
	case KindMessage:
		return p.checkMessageChildren(idx)
	case KindTransaction:
		if nd.tok == TokReply {
			return p.checkReply(idx)
		}
		if nd.tok != TokPending && int(nd.end) == idx+1 {
			return p.fail(int(nd.body0), ErrMissing)
		}
	case KindContext:
		if int(nd.end) == idx+1 {
			return p.fail(int(nd.body0), ErrMissing)
		}
	case KindError:
		if int(nd.end) > idx+2 {
			return p.fail(int(p.nodes[idx+2].raw0), ErrUnexpectedToken)
		}
	}
	return nil
}

// checkMessageChildren: a message-level error descriptor stands alone
// (RFC 3525 B.2 messageBody).
func (p *parser) checkMessageChildren(idx int) error {
	n := 0
	errAt := -1
	for c := idx + 1; c < int(p.nodes[idx].end); c = int(p.nodes[c].end) {
		if p.nodes[c].kind == KindError {
			errAt = c
		}
		n++
	}
	if errAt >= 0 && n > 1 {
		return p.fail(int(p.nodes[errAt].raw0), ErrUnexpectedToken)
	}
	return nil
}

// checkReply: ReplyToken EQUAL TransactionID LBRKT [ImmAckRequiredToken
// COMMA] (errorDescriptor / actionReplyList) RBRKT.
func (p *parser) checkReply(idx int) error {
	contexts, errs := 0, 0
	for c := idx + 1; c < int(p.nodes[idx].end); c = int(p.nodes[c].end) {
		ch := &p.nodes[c]
		switch ch.kind {
		case KindContext:
			contexts++
		case KindError:
			errs++
		}
		if ch.tok == TokImmAckRequired && c != idx+1 || errs > 1 || errs > 0 && contexts > 0 {
			return p.fail(int(ch.raw0), ErrUnexpectedToken)
		}
	}
	if contexts+errs == 0 {
		return p.fail(int(p.nodes[idx].body0), ErrMissing)
	}
	return nil
}
