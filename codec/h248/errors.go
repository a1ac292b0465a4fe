package h248

import (
	"errors"
	"strconv"
)

// Limits on what Parse and the Editor accept. Each bounds work or state that
// the sender of a message controls.
const (
	// MaxMessageSize is the largest message accepted: an ALF/UDP datagram
	// cannot be larger, a TPKT frame over TCP (RFC 3525 D.2) neither, and it
	// lets every offset be stored as a uint16.
	MaxMessageSize = 65535
	// MaxNodes is the size of the node table, the root included: a
	// ServiceChange needs 9 nodes, a Modify with Media, Events and Signals
	// about 30, a full audit reply a few hundred. 1024 nodes of 32 bytes keep
	// a Message at 32 KiB, small enough to keep one per event loop.
	MaxNodes = 1024
	// MaxDepth is how deeply items may nest, transactions being depth 1. The
	// deepest path in the RFC 3525 grammar (Transaction, Context, Command,
	// Events, event, Embed, Signals, signal, parameter) is 9 deep; 16 leaves
	// room for package extensions while bounding the parser's recursion.
	MaxDepth = 16
	// MaxNameLength bounds a name as written: a pkgdName is two NAMEs of at
	// most 64 characters joined by '/' (RFC 3525 B.2 NAME, pkgdName), the
	// longest name the grammar allows.
	MaxNameLength = 129
	// MaxTerminationIDLength bounds a TerminationID and a device-name mId:
	// "Total length of pathNAME must not exceed 64 chars" (RFC 3525 B.2).
	MaxTerminationIDLength = 64
	// MaxEdits is how many edits an Editor holds. A proxy changes the
	// authentication header and a handful of properties per message; 32
	// leaves room and keeps an Editor near 1.5 KiB.
	MaxEdits = 32
	// maxInsertNodes bounds the subtree of one item given to Editor.Insert,
	// which is parsed into a table on the stack to check it.
	maxInsertNodes = 64
)

// Errors returned by Parse. Parse wraps them in a *ParseError that adds the
// offset; test for them with errors.Is.
var (
	// ErrMessageTooLarge reports a message longer than MaxMessageSize, or an
	// Editor output that would be.
	ErrMessageTooLarge = errors.New("h248: message too large")
	// ErrTooDeep reports items nested more than MaxDepth deep.
	ErrTooDeep = errors.New("h248: nesting too deep")
	// ErrTooManyElements reports a message with more than MaxNodes items.
	ErrTooManyElements = errors.New("h248: too many elements")
	// ErrNameTooLong reports a name longer than MaxNameLength, or a
	// TerminationID or device name longer than MaxTerminationIDLength.
	ErrNameTooLong = errors.New("h248: name too long")
	// ErrNumberTooLarge reports a number beyond its type: a TransactionID,
	// ContextID or RequestID above 4294967295 or with more than 10 digits
	// (UINT32), a StreamID or port above 65535 (UINT16), a Version of more
	// than two digits.
	ErrNumberTooLarge = errors.New("h248: number too large")
	// ErrBadNumber reports a number that is empty or holds a non-digit.
	ErrBadNumber = errors.New("h248: bad number")
	// ErrUnterminatedString reports a quotedString without its closing
	// DQUOTE on the same line.
	ErrUnterminatedString = errors.New("h248: unterminated quoted string")
	// ErrUnbalancedBraces reports a message that ends inside braces, or a
	// closing brace without an opening one.
	ErrUnbalancedBraces = errors.New("h248: unbalanced braces")
	// ErrTruncated reports a message that ends in the middle of an item
	// outside any braces.
	ErrTruncated = errors.New("h248: truncated message")
	// ErrBadVersion reports a message that does not start (after an
	// optional authentication header) with MEGACO/n or !/n, n being one or
	// two digits, not 0.
	ErrBadVersion = errors.New("h248: bad protocol version")
	// ErrBadAuth reports a malformed authentication header: SPI and
	// SequenceNum are 0x and 8 hex digits, AuthData 0x and an even number of
	// 24 to 64 hex digits.
	ErrBadAuth = errors.New("h248: bad authentication header")
	// ErrBadMID reports a malformed mId: an IP address, domain name, port,
	// MTP address or device name that does not follow RFC 3525 B.2.
	ErrBadMID = errors.New("h248: bad mid")
	// ErrNoBody reports a header that is not followed by a transaction or an
	// error descriptor.
	ErrNoBody = errors.New("h248: no message body")
	// ErrSyntax reports a character where the grammar allows none of its
	// kind, such as a missing comma or a stray symbol.
	ErrSyntax = errors.New("h248: syntax error")
	// ErrUnexpectedToken reports an item where the grammar does not allow
	// it: a non-Context in a Transaction, a non-command in a Context, a
	// non-descriptor in a command, a second error descriptor, and so on.
	ErrUnexpectedToken = errors.New("h248: unexpected item")
	// ErrMissing reports that an item lacks what the grammar requires: a
	// Transaction without its ID or actions, a Context without its ID or
	// braces, a command without its TerminationID, an Error without code.
	ErrMissing = errors.New("h248: required element missing")
	// ErrBadValue reports a malformed value: an empty one, a character that
	// is not a SafeChar, a bad list, a NUL byte in SDP, a control character
	// in a quoted string, a bad TerminationID.
	ErrBadValue = errors.New("h248: bad value")
)

// Errors returned by the Walker and the Editor.
var (
	// ErrSectionDone is returned by the Walker when the current section
	// holds no further item of the kind asked for.
	ErrSectionDone = errors.New("h248: section done")
	// ErrTooManyEdits reports an Editor already holding MaxEdits edits.
	ErrTooManyEdits = errors.New("h248: too many edits")
	// ErrEditOverlap reports edits whose spans overlap, other than removals
	// (which merge).
	ErrEditOverlap = errors.New("h248: overlapping edits")
	// ErrStaleNode reports a Node from another Message, or a Message parsed
	// again after the Editor was reset on it.
	ErrStaleNode = errors.New("h248: node from another parse")
	// ErrNotEditable reports an edit the node cannot take: setting a value
	// on a node that has none and may not get one, inserting into the root,
	// a raw body, an Error, a Reply, Pending or TransactionResponseAck.
	ErrNotEditable = errors.New("h248: node cannot take this edit")
)

// ParseError is the error Parse returns: one of the sentinel errors above and
// the byte offset at which it was found. It lives inside the Message, so
// returning it does not allocate; it is overwritten by the next Parse on the
// same Message.
type ParseError struct {
	Offset int   // byte offset in the buffer given to Parse
	Err    error // the sentinel, such as ErrSyntax
}

// Error returns the sentinel's text followed by the offset.
func (e *ParseError) Error() string {
	return e.Err.Error() + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }
