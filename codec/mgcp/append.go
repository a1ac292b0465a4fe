package mgcp

import "strconv"

// AppendResponseLine appends a response line, code (0 to 999, written with
// three digits), transaction id tid, the text if any and the line end eol
// ("\r\n", "\n" or "\r"), to dst and returns it: "200 5101 OK\r\n". It
// returns dst unchanged and ErrBadResponseLine for a code out of range,
// ErrBadTransactionID for a tid of 0 or above MaxTransactionID, ErrBadValue
// for text that a parser would read back differently (a control character,
// white space at either end, a leading "/") or a line longer than
// MaxLineLength, or an eol of another kind. It allocates only when dst
// lacks capacity.
func AppendResponseLine(dst []byte, code int, tid uint32, text []byte, eol string) ([]byte,
	error) {
	switch {
	case code < 0 || code > 999:
		return dst, ErrBadResponseLine
	case tid == 0 || tid > MaxTransactionID:
		return dst, ErrBadTransactionID
	case !validValue(text) || len(text) > 0 && text[0] == '/' || !validEOL(eol) ||
		len(text) > MaxLineLength:
		return dst, ErrBadValue
	}
	start := len(dst)
	dst = append(dst, byte('0'+code/100), byte('0'+code/10%10), byte('0'+code%10), ' ')
	dst = strconv.AppendUint(dst, uint64(tid), 10)
	if len(text) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, text...)
	}
	if len(dst)-start > MaxLineLength {
		return dst[:start], ErrBadValue
	}
	return append(dst, eol...), nil
}

// AppendReply appends the line of a response to m, a parsed command: code,
// m's transaction id, text and m's line end, as AppendResponseLine does. It
// returns ErrStaleMessage when m holds no parsed message.
func (m *Message) AppendReply(dst []byte, code int, text []byte) ([]byte, error) {
	if !m.ok {
		return dst, ErrStaleMessage
	}
	return AppendResponseLine(dst, code, m.tid, text, m.LineEnd())
}

// AppendParam appends a parameter line, name ": " value and the line end
// eol, to dst and returns it. It returns dst unchanged and ErrBadParameter
// for a name Parse would not accept, ErrBadValue for a value it would read
// back differently (see Editor.SetValue), a line longer than MaxLineLength
// or an eol of another kind. It allocates only when dst lacks capacity.
func AppendParam(dst, name, value []byte, eol string) ([]byte, error) {
	if !validParamName(name) {
		return dst, ErrBadParameter
	}
	if !validValue(value) || !validEOL(eol) || len(name)+2+len(value) > MaxLineLength {
		return dst, ErrBadValue
	}
	return appendParam(dst, name, value, eol), nil
}

func appendParam(dst, name, value []byte, eol string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':', ' ')
	dst = append(dst, value...)
	return append(dst, eol...)
}

// validParamName reports whether Parse accepts name as a parameter name.
func validParamName(name []byte) bool {
	return len(name) > 0 && len(name) <= MaxParamNameLength &&
		class[name[0]]&(cAlpha|cDigit) != 0 && allClass(name, cParam)
}

// validValue reports whether v reads back as itself in a parameter line or
// a response's text: no control character but HTAB, no white space at
// either end.
func validValue(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	if class[v[0]]&cWSP != 0 || class[v[len(v)-1]]&cWSP != 0 {
		return false
	}
	for _, c := range v {
		if !plain[c] && c != '\t' {
			return false
		}
	}
	return true
}

func validEOL(eol string) bool { return eol == "\r\n" || eol == "\n" || eol == "\r" }
