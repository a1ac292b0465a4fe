package mgcp

// Editor records edits to a parsed Message and writes the edited message
// into a buffer the caller owns: everything is copied as it was except the
// edited spans, so a proxy forwards what it does not touch byte for byte.
// It holds at most MaxEdits edits in a fixed array and allocates nothing
// (Append grows dst only when it lacks capacity).
//
// Each edit is checked when it is recorded, by the rules Parse applies, so
// that the output parses again with the edits read back as given. Bytes
// passed to an Editor are referenced, not copied: keep them unchanged until
// Append returns.
//
// An Editor works on one parse of one Message: Reset it on the Message
// after Parse; a later Parse of that Message makes Append fail with
// ErrStaleMessage. An Editor is not safe for concurrent use.
type Editor struct {
	m       *Message
	gen     uint32
	n       int
	added   int
	removed int
	edits   [MaxEdits]edit
}

// editKind says what an edit does.
type editKind uint8

const (
	editTID    editKind = iota // new transaction id over [off0, off1)
	editValue                  // value over [off0, off1), a parameter's value
	editRemove                 // delete [off0, off1), a parameter line
	editAdd                    // a new parameter line at off0 == off1
)

// edit is one recorded change.
type edit struct {
	kind       editKind
	param      int // the parameter edited or removed, -1 for others
	off0, off1 uint16
	name       []byte // editAdd
	value      []byte // editValue, editAdd
	tid        [9]byte
	tidLen     uint8
}

// Reset empties the Editor and binds it to m, which must hold a successful
// Parse (Append reports ErrStaleMessage otherwise).
func (e *Editor) Reset(m *Message) {
	e.m, e.gen, e.n, e.added, e.removed = m, m.gen, 0, 0, 0
}

// Len returns the number of recorded edits.
func (e *Editor) Len() int { return e.n }

func (e *Editor) stale() bool { return e.m == nil || !e.m.ok || e.m.gen != e.gen }

// add records ed after the checks every edit shares: the Editor is bound
// to a valid parse, has room, and no other edit touches the same parameter
// or transaction id.
func (e *Editor) add(ed edit) error {
	if e.stale() {
		return ErrStaleMessage
	}
	if e.n == MaxEdits {
		return ErrTooManyEdits
	}
	for i := range e.edits[:e.n] {
		old := &e.edits[i]
		if ed.kind == editTID && old.kind == editTID ||
			ed.param >= 0 && old.param == ed.param {
			return ErrEditOverlap
		}
	}
	e.edits[e.n] = ed
	e.n++
	return nil
}

// SetTransactionID replaces the transaction id with id. It returns
// ErrBadTransactionID for 0 or an id above MaxTransactionID, and
// ErrEditOverlap when called twice.
func (e *Editor) SetTransactionID(id uint32) error {
	if id == 0 || id > MaxTransactionID {
		return ErrBadTransactionID
	}
	if e.stale() {
		return ErrStaleMessage
	}
	ed := edit{kind: editTID, param: -1, off0: e.m.tid0, off1: e.m.tid1}
	for k := 8; id > 0; k-- {
		ed.tid[k] = byte('0' + id%10)
		id /= 10
		ed.tidLen++
	}
	return e.add(ed)
}

// SetValue replaces the value of parameter line i with value, keeping its
// name and the white space after the colon as written. It returns
// ErrNoParameter for i out of range, ErrBadValue for a value Parse would
// read back differently (a control character or line end, white space at
// either end) or a line that would exceed MaxLineLength, and ErrEditOverlap
// when line i is already edited or removed.
func (e *Editor) SetValue(i int, value []byte) error {
	if e.stale() {
		return ErrStaleMessage
	}
	if i < 0 || i >= e.m.np {
		return ErrNoParameter
	}
	p := &e.m.params[i]
	if !validValue(value) || int(p.val0-p.line0)+len(value) > MaxLineLength {
		return ErrBadValue
	}
	return e.add(edit{kind: editValue, param: i, off0: p.val0, off1: p.val1, value: value})
}

// Remove deletes parameter line i with its line end. It returns
// ErrNoParameter for i out of range and ErrEditOverlap when line i is
// already edited or removed.
func (e *Editor) Remove(i int) error {
	if e.stale() {
		return ErrStaleMessage
	}
	if i < 0 || i >= e.m.np {
		return ErrNoParameter
	}
	p := &e.m.params[i]
	if err := e.add(edit{kind: editRemove, param: i, off0: p.line0, off1: p.next}); err != nil {
		return err
	}
	e.removed++
	return nil
}

// Add appends the parameter line name ": " value, with the message's line
// end, after the last parameter line (before the SDP, if any). Lines added
// keep the order they were added in. It returns ErrBadParameter for a name
// Parse would not accept, ErrBadValue as SetValue does,
// ErrDuplicateParameter for a parameter RFC 3435 allows once that the
// message keeps (remove it first, or use SetValue) or that was added
// before, and ErrTooManyParameters when the output would hold more than
// MaxParameters lines.
func (e *Editor) Add(name, value []byte) error {
	if e.stale() {
		return ErrStaleMessage
	}
	if !validParamName(name) {
		return ErrBadParameter
	}
	if !validValue(value) || len(name)+2+len(value) > MaxLineLength {
		return ErrBadValue
	}
	if e.m.np-e.removed+e.added >= MaxParameters {
		return ErrTooManyParameters
	}
	if code := LookupParam(name); repeatable&(1<<code) == 0 && e.present(code) {
		return ErrDuplicateParameter
	}
	at := e.m.hdrEnd
	if err := e.add(edit{kind: editAdd, param: -1, off0: at, off1: at, name: name,
		value: value}); err != nil {
		return err
	}
	e.added++
	return nil
}

// present reports whether the output would hold a line with code c: a line
// of the message not removed, or one added.
func (e *Editor) present(c ParamCode) bool {
	m := e.m
	for i := range m.params[:m.np] {
		if m.params[i].code == c && !e.isRemoved(i) {
			return true
		}
	}
	for i := range e.edits[:e.n] {
		if ed := &e.edits[i]; ed.kind == editAdd && LookupParam(ed.name) == c {
			return true
		}
	}
	return false
}

func (e *Editor) isRemoved(i int) bool {
	for k := range e.edits[:e.n] {
		if ed := &e.edits[k]; ed.kind == editRemove && ed.param == i {
			return true
		}
	}
	return false
}

// Set gives the first parameter line named name (compared without regard
// to case) the value value, or adds a line name ": " value when there is
// none, with the errors of SetValue and Add.
func (e *Editor) Set(name, value []byte) error {
	if e.stale() {
		return ErrStaleMessage
	}
	m := e.m
	for i := range m.params[:m.np] {
		p := &m.params[i]
		if equalFold(m.buf[p.line0:p.name1], name) {
			return e.SetValue(i, value)
		}
	}
	return e.Add(name, value)
}

// Append writes the message with the recorded edits applied to dst and
// returns the extended slice; it allocates only when dst lacks capacity.
// Only the message itself is written, not a piggy-back separator or what
// follows it. A result longer than MaxMessageSize is ErrMessageTooLarge.
// On error dst is returned unchanged. Append does not change the Editor,
// so it may be called again.
func (e *Editor) Append(dst []byte) ([]byte, error) {
	if e.stale() {
		return dst, ErrStaleMessage
	}
	var order [MaxEdits]uint8
	for i := range e.n {
		order[i] = uint8(i)
	}
	// Insertion sort, stable: at most MaxEdits entries, mostly in order.
	for i := 1; i < e.n; i++ {
		for j := i; j > 0 && e.edits[order[j]].off0 < e.edits[order[j-1]].off0; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	start, buf, pos := len(dst), e.m.buf, 0
	eol := e.m.LineEnd()
	for _, k := range order[:e.n] {
		ed := &e.edits[k]
		dst = append(dst, buf[pos:ed.off0]...)
		switch ed.kind {
		case editTID:
			dst = append(dst, ed.tid[9-ed.tidLen:]...)
		case editValue:
			dst = append(dst, ed.value...)
		case editAdd:
			dst = appendParam(dst, ed.name, ed.value, eol)
		}
		pos = int(ed.off1)
	}
	dst = append(dst, buf[pos:]...)
	if len(dst)-start > MaxMessageSize {
		return dst[:start], ErrMessageTooLarge
	}
	return dst, nil
}
