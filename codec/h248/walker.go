package h248

// Walker steps through a parsed Message section by section, in the manner
// of dnsmessage's Parser: Transaction moves to the next transaction,
// Context to the next context of the current transaction, Command to the
// next command of the current context, Descriptor to the next descriptor
// (or Error) of the current command. Each returns ErrSectionDone when its
// section holds no more, and moving on at one level restarts the levels
// below. Since Parse has checked the whole message, ErrSectionDone is the
// only error.
//
// A Walker is a small value; Message.Walker returns a fresh one and several
// may walk one Message at once. It is valid as long as the Message's views
// are (see the package doc), and, like the Message, for one goroutine.
type Walker struct {
	m                  *Message
	tx, ctx, cmd, desc uint16 // last node returned per level; 0 before the first
	txDone             bool
}

// Walker returns a Walker positioned before the first transaction.
func (m *Message) Walker() Walker { return Walker{m: m} }

// Header returns the message header; see Message.Header.
func (w *Walker) Header() Header {
	if w.m == nil {
		return Header{}
	}
	return w.m.Header()
}

// next returns the index of the first child of parent after prev (prev 0:
// the first child) whose kind passes keep; 0 when none.
func (w *Walker) next(parent, prev uint16, keep func(Kind) bool) uint16 {
	if w.m == nil || w.m.n == 0 {
		return 0
	}
	nodes := &w.m.nodes
	i := parent + 1
	if prev != 0 {
		i = nodes[prev].end
	}
	for ; i < nodes[parent].end; i = nodes[i].end {
		if keep(nodes[i].kind) {
			return i
		}
	}
	return 0
}

func isTransaction(k Kind) bool { return k == KindTransaction }
func isContext(k Kind) bool     { return k == KindContext }
func isCommandKind(k Kind) bool { return k == KindCommand }
func isDescOrError(k Kind) bool { return k == KindDescriptor || k == KindError }

// Transaction returns the next transaction (Transaction, Reply, Pending or
// TransactionResponseAck: see Node.Token and Node.ID) and makes it current.
// A message-level error descriptor is not a transaction: find it with
// Message.Root().Child(TokError).
func (w *Walker) Transaction() (Node, error) {
	if w.txDone {
		return Node{}, ErrSectionDone
	}
	i := w.next(0, w.tx, isTransaction)
	w.ctx, w.cmd, w.desc = 0, 0, 0
	if i == 0 {
		w.txDone = true
		return Node{}, ErrSectionDone
	}
	w.tx = i
	return Node{m: w.m, i: i}, nil
}

// Context returns the next context (action) of the current transaction and
// makes it current. A Reply's error descriptor, when it has one instead of
// contexts, is its child: Node.Child(TokError).
func (w *Walker) Context() (Node, error) {
	if w.tx == 0 || w.txDone {
		return Node{}, ErrSectionDone
	}
	i := w.next(w.tx, w.ctx, isContext)
	w.cmd, w.desc = 0, 0
	if i == 0 {
		return Node{}, ErrSectionDone
	}
	w.ctx = i
	return Node{m: w.m, i: i}, nil
}

// Command returns the next command of the current context and makes it
// current. Context properties (Topology, Priority, ...) and a context-level
// Error are skipped: they are the context's children.
func (w *Walker) Command() (Node, error) {
	if w.ctx == 0 {
		return Node{}, ErrSectionDone
	}
	i := w.next(w.ctx, w.cmd, isCommandKind)
	w.desc = 0
	if i == 0 {
		return Node{}, ErrSectionDone
	}
	w.cmd = i
	return Node{m: w.m, i: i}, nil
}

// Descriptor returns the next descriptor or Error of the current command.
// Descend further with the Node methods (FirstChild, Next, Find,
// FindParam).
func (w *Walker) Descriptor() (Node, error) {
	if w.cmd == 0 {
		return Node{}, ErrSectionDone
	}
	i := w.next(w.cmd, w.desc, isDescOrError)
	if i == 0 {
		return Node{}, ErrSectionDone
	}
	w.desc = i
	return Node{m: w.m, i: i}, nil
}
