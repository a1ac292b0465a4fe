package mgcp

// ParamCode identifies a parameter by its RFC 3435 §3.2.2 name. Codes are
// matched without regard to case.
type ParamCode uint8

// The parameters of RFC 3435 §3.2.2, by their one- or two-letter codes.
// ParamExtension is a name starting "X-" or "X+" or holding a "/" (a
// package extension parameter); ParamOther any other well-formed name.
const (
	ParamOther                  ParamCode = iota // a name this package does not know
	ParamResponseAck                             // K
	ParamBearerInformation                       // B
	ParamCallID                                  // C
	ParamConnectionID                            // I
	ParamNotifiedEntity                          // N
	ParamRequestIdentifier                       // X
	ParamLocalConnectionOptions                  // L
	ParamConnectionMode                          // M
	ParamRequestedEvents                         // R
	ParamSignalRequests                          // S
	ParamDigitMap                                // D
	ParamObservedEvents                          // O
	ParamConnectionParameters                    // P
	ParamReasonCode                              // E
	ParamSpecificEndpointID                      // Z
	ParamSecondEndpointID                        // Z2
	ParamSecondConnectionID                      // I2
	ParamRequestedInfo                           // F
	ParamQuarantineHandling                      // Q
	ParamDetectEvents                            // T
	ParamRestartMethod                           // RM
	ParamRestartDelay                            // RD
	ParamCapabilities                            // A
	ParamEventStates                             // ES
	ParamPackageList                             // PL
	ParamMaxMGCPDatagram                         // MD
	ParamMaxEndpointIDs                          // ZM
	ParamNumEndpoints                            // ZN
	ParamExtension                               // X-name, X+name, package/name
	paramCount
)

// paramNames holds each code's name as written by the Editor and String.
var paramNames = [paramCount]string{"", "K", "B", "C", "I", "N", "X", "L", "M", "R", "S", "D",
	"O", "P", "E", "Z", "Z2", "I2", "F", "Q", "T", "RM", "RD", "A", "ES", "PL", "MD", "ZM", "ZN",
	""}

// repeatable marks the codes that may stand on several lines: Z: lists the
// endpoints of a wildcard audit one a line and A: one capability set a line
// (RFC 3435 §2.3.10); unknown and extension names are not judged.
const repeatable = 1<<ParamOther | 1<<ParamSpecificEndpointID | 1<<ParamCapabilities |
	1<<ParamExtension

// String returns the code's name, such as "K" or "RM"; "" for ParamOther
// and ParamExtension.
func (c ParamCode) String() string {
	if c >= paramCount {
		return ""
	}
	return paramNames[c]
}

// LookupParam returns the code of a parameter name, compared without regard
// to case; ParamOther for a name it does not know. It does not check that
// name is well formed.
func LookupParam(name []byte) ParamCode {
	switch len(name) {
	case 0:
		return ParamOther
	case 1:
		return oneLetter[name[0]]
	case 2:
		c := twoLetter[twoLetterIndex(name[0], name[1])]
		if n := paramNames[c]; len(n) == 2 && upper(name[0]) == n[0] && upper(name[1]) == n[1] {
			return c
		}
	}
	if upper(name[0]) == 'X' && (name[1] == '-' || name[1] == '+') {
		return ParamExtension
	}
	for _, c := range name {
		if c == '/' {
			return ParamExtension
		}
	}
	return ParamOther
}

// oneLetter maps each letter, either case, to its one-letter code.
var oneLetter = func() (t [256]ParamCode) {
	for c := ParamResponseAck; c < ParamExtension; c++ {
		if n := paramNames[c]; len(n) == 1 {
			t[n[0]] = c
			t[n[0]|0x20] = c
		}
	}
	return t
}()

// twoLetter maps the two-letter codes by twoLetterIndex; the index folds
// case and keeps five bits of each byte, which tells the RFC 3435 codes
// apart (a test checks each looks itself up). LookupParam compares the name
// with the code's to reject other bytes that fold to the same index.
var twoLetter = func() (t [1 << 10]ParamCode) {
	for c := ParamResponseAck; c < ParamExtension; c++ {
		if n := paramNames[c]; len(n) == 2 {
			t[twoLetterIndex(n[0], n[1])] = c
		}
	}
	return t
}()

func twoLetterIndex(a, b byte) int { return int(a&31)<<5 | int(b&31) }

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 0x20
	}
	return c
}

// Param is one parameter line: its name as written, its value without the
// white space around it (several comma-separated values stay one raw
// value; see ListIter) and its code.
type Param struct {
	Name  []byte
	Value []byte
	Code  ParamCode
}

// NumParams returns the number of parameter lines.
func (m *Message) NumParams() int { return m.np }

// Param returns parameter line i, 0 being the first; the zero Param when i
// is out of range.
func (m *Message) Param(i int) Param {
	if i < 0 || i >= m.np {
		return Param{}
	}
	p := &m.params[i]
	return Param{Name: m.span(p.line0, p.name1), Value: m.buf[p.val0:p.val1:p.val1],
		Code: p.code}
}

// Index returns the index of the first parameter line with code c, -1 when
// there is none. Use Find for ParamOther and ParamExtension names.
func (m *Message) Index(c ParamCode) int {
	if c == ParamOther || c == ParamExtension || m.seen&(1<<c) == 0 {
		return -1
	}
	for i := range m.params[:m.np] {
		if m.params[i].code == c {
			return i
		}
	}
	return -1
}

// Value returns the value of the first parameter line with code c and
// whether there is one.
func (m *Message) Value(c ParamCode) ([]byte, bool) {
	i := m.Index(c)
	if i < 0 {
		return nil, false
	}
	return m.Param(i).Value, true
}

// Find returns the index of the first parameter line named name, compared
// without regard to case, -1 when there is none.
func (m *Message) Find(name string) int {
	for i := range m.params[:m.np] {
		p := &m.params[i]
		if equalFold(m.buf[p.line0:p.name1], name) {
			return i
		}
	}
	return -1
}

// equalFold compares b and s, ASCII letters without regard to case.
func equalFold[S string | []byte](b []byte, s S) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if upper(b[i]) != upper(s[i]) {
			return false
		}
	}
	return true
}
