package mgcp

import (
	"errors"
	"strconv"
)

// Limits on what Parse, Datagram and the Editor accept. Each bounds work or
// state that the sender of a message controls.
const (
	// MaxMessageSize is the largest buffer Parse accepts: MGCP runs over
	// UDP (RFC 3435 §3.5), whose datagrams cannot be larger, and it lets
	// every offset be stored as a uint16. A smaller bound would not save
	// work (parsing is linear) and would refuse large audit responses.
	MaxMessageSize = 65535
	// MaxLineLength bounds a line without its line end: the command or
	// response line, a parameter line, an SDP line. A long digit map or a
	// capabilities list takes a few hundred bytes; 2048 leaves room and
	// keeps any one value a small, bounded piece of work downstream.
	MaxLineLength = 2048
	// MaxParameters is the size of the parameter table. RFC 3435 defines
	// about thirty parameters, each allowed once in a message, but an audit
	// response repeats Z: (one line per endpoint) and A: (one line per
	// capability set). 128 lines cover such a response for a 96-line
	// gateway; a Call Agent asks for longer lists in parts (MaxEndpointIds,
	// RFC 3435 §2.3.10). 12 bytes each keep the table at 1.5 KiB.
	MaxParameters = 128
	// MaxLocalNameLength bounds the local part of an endpoint name: RFC 3435
	// §3.2.1.3 caps it at 255 characters.
	MaxLocalNameLength = 255
	// MaxDomainLength bounds the domain of an endpoint name, brackets
	// included and port excluded: the RFC 3435 grammar's DomainName has at
	// most 255 characters.
	MaxDomainLength = 255
	// MaxParamNameLength bounds a parameter name: RFC 3435 names have one or
	// two letters, extension names "X-" and up to six more, package
	// extension parameters a package name, "/" and a name.
	MaxParamNameLength = 64
	// MaxPackageNameLength bounds the package name of a response line.
	// Package names are short identifiers (L, D, G, or a vendor's few
	// letters); 32 leaves room for vendors.
	MaxPackageNameLength = 32
	// MaxTransactionID is the largest transaction id, 9 digits (RFC 3435
	// §3.2.1.2: "between 1 and 999999999").
	MaxTransactionID = 999999999
	// MaxPiggyback is how many messages Datagram reads from one datagram.
	// Piggy-backing (RFC 3435 §3.5) carries a response and a command or
	// two; 16 bounds the loop an attacker could make a proxy run.
	MaxPiggyback = 16
	// MaxListElements bounds how many elements ListIter yields from one
	// value and AckIter ranges from one ResponseAck.
	MaxListElements = 256
	// MaxEdits is how many edits an Editor holds: a proxy rewrites a
	// transaction id and a handful of parameters.
	MaxEdits = 16
)

// Errors returned by Parse and Datagram. Parse wraps them in a *ParseError
// that adds the offset; test for them with errors.Is.
var (
	// ErrMessageTooLarge reports a buffer longer than MaxMessageSize, or an
	// Editor output that would be.
	ErrMessageTooLarge = errors.New("mgcp: message too large")
	// ErrEmptyMessage reports an empty buffer, or a piggy-back separator
	// that no message follows.
	ErrEmptyMessage = errors.New("mgcp: empty message")
	// ErrTruncated reports a command, response or parameter line without
	// its line end: the datagram was cut.
	ErrTruncated = errors.New("mgcp: truncated message")
	// ErrLineTooLong reports a line longer than MaxLineLength.
	ErrLineTooLong = errors.New("mgcp: line too long")
	// ErrBadLineEnd reports a line end that differs in kind from the first
	// line's: a bare CR in a message whose first line ends in LF or CRLF,
	// or an LF in a message whose first line ends in a bare CR.
	ErrBadLineEnd = errors.New("mgcp: inconsistent line end")
	// ErrBadCharacter reports a control character (other than HTAB) inside
	// a line, NUL included.
	ErrBadCharacter = errors.New("mgcp: control character in line")
	// ErrBadCommandLine reports a first line that is neither a command nor
	// a response: a verb that is not a letter and three letters or digits,
	// missing white space, an empty first line.
	ErrBadCommandLine = errors.New("mgcp: bad command line")
	// ErrBadResponseLine reports a response line whose code is not three
	// digits, or whose package name or text is malformed.
	ErrBadResponseLine = errors.New("mgcp: bad response line")
	// ErrBadTransactionID reports a missing transaction id, one with a
	// non-digit, more than 9 digits, or the value 0.
	ErrBadTransactionID = errors.New("mgcp: bad transaction id")
	// ErrBadEndpoint reports a missing or malformed endpoint name: no "@",
	// an empty name part, a stray wildcard, an unclosed range, a bad
	// address, host name or port.
	ErrBadEndpoint = errors.New("mgcp: bad endpoint name")
	// ErrEndpointTooLong reports a local name longer than
	// MaxLocalNameLength or a domain longer than MaxDomainLength.
	ErrEndpointTooLong = errors.New("mgcp: endpoint name too long")
	// ErrBadVersion reports a command line without "MGCP 1.0" after the
	// endpoint name, or with a malformed profile name after it.
	ErrBadVersion = errors.New("mgcp: bad protocol version")
	// ErrBadParameter reports a parameter line that is not name ":" value:
	// no colon, an empty name or one with a character outside letters,
	// digits and "-+/_.", a name longer than MaxParamNameLength.
	ErrBadParameter = errors.New("mgcp: bad parameter line")
	// ErrDuplicateParameter reports a parameter that RFC 3435 allows once
	// given twice (names compared without regard to case). Z: and A:, and
	// names the package does not know, may repeat.
	ErrDuplicateParameter = errors.New("mgcp: duplicate parameter")
	// ErrTooManyParameters reports more than MaxParameters parameter lines,
	// or an Editor output that would have them.
	ErrTooManyParameters = errors.New("mgcp: too many parameters")
	// ErrTooManyMessages reports a datagram with more than MaxPiggyback
	// messages.
	ErrTooManyMessages = errors.New("mgcp: too many piggy-backed messages")
)

// Errors returned by the value iterators, the Editor and the Append helpers.
var (
	// ErrBadList reports a list value with unbalanced parentheses or
	// quotes, or an empty element.
	ErrBadList = errors.New("mgcp: bad list value")
	// ErrTooManyElements reports a list with more than MaxListElements
	// elements.
	ErrTooManyElements = errors.New("mgcp: too many list elements")
	// ErrBadAck reports a ResponseAck element that is not a transaction id
	// or a range first-last with first <= last.
	ErrBadAck = errors.New("mgcp: bad response acknowledgement")
	// ErrBadValue reports a value an Editor or Append helper cannot write:
	// a line end or control character, white space at either end, a line
	// that would exceed MaxLineLength.
	ErrBadValue = errors.New("mgcp: bad value")
	// ErrTooManyEdits reports an Editor already holding MaxEdits edits.
	ErrTooManyEdits = errors.New("mgcp: too many edits")
	// ErrEditOverlap reports a second edit of one parameter or of the
	// transaction id.
	ErrEditOverlap = errors.New("mgcp: overlapping edits")
	// ErrStaleMessage reports an Editor used before Reset, on a Message
	// whose Parse failed, or after the Message was parsed again.
	ErrStaleMessage = errors.New("mgcp: message parsed again or not parsed")
	// ErrNoParameter reports a parameter index out of range.
	ErrNoParameter = errors.New("mgcp: no such parameter")
)

// ParseError is the error Parse returns: one of the sentinel errors above
// and the byte offset at which it was found. It lives inside the Message, so
// returning it does not allocate; the next Parse on the same Message
// overwrites it.
type ParseError struct {
	Offset int   // byte offset in the buffer given to Parse (or Datagram.Reset)
	Err    error // the sentinel, such as ErrBadEndpoint
}

// Error returns the sentinel's text followed by the offset.
func (e *ParseError) Error() string {
	return e.Err.Error() + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }
