package sip

import "errors"

// Limits on what Parse and the helpers accept. Each bounds work or state
// that an attacker controls.
const (
	// MaxMessageSize is the largest datagram accepted: a UDP payload cannot be
	// larger, and it lets header offsets be stored as uint16.
	MaxMessageSize = 65535
	// MaxHeaders is the number of header fields per message. Real REGISTER
	// traffic carries 10 to 25; 128 leaves room for long Via and Record-Route
	// chains while the fixed table stays small (1.5 KiB).
	MaxHeaders = 128
	// MaxLineLength bounds one header line including folded continuations,
	// and the start line: a long Authorization or Identity fits in 4 KiB.
	MaxLineLength = 4096
	// MaxListElements is how many comma-separated elements ListIter visits:
	// more than any legitimate Contact or Security-Client list carries.
	MaxListElements = 32
	// MaxParams is how many ;params (or auth-params) per element the helpers
	// read: enough for RFC 3329 and RFC 5626 contacts, small enough to bound
	// the per-element scan.
	MaxParams = 32
)

// Errors returned by Parse and the helpers. Test for them with errors.Is: Parse
// may wrap them in a *HeaderError naming the header field.
var (
	// ErrMessageTooLarge means the datagram exceeds MaxMessageSize.
	ErrMessageTooLarge = errors.New("sip: message too large")
	// ErrTooManyHeaders means a message has more than MaxHeaders header fields.
	ErrTooManyHeaders = errors.New("sip: too many headers")
	// ErrLineTooLong means the start line or a header line (folding included)
	// exceeds MaxLineLength.
	ErrLineTooLong = errors.New("sip: line too long")
	// ErrBadStartLine means the Request-Line or Status-Line is malformed (method
	// not a token, separators other than single SP, control bytes).
	ErrBadStartLine = errors.New("sip: bad start line")
	// ErrBadVersion means the SIP-Version is not SIP/2.0 (any case).
	ErrBadVersion = errors.New("sip: bad sip version")
	// ErrBadStatus means the status code is not three digits from 100 to 699.
	ErrBadStatus = errors.New("sip: bad status code")
	// ErrBadHeader means a header line lacks a token name and ':', holds a
	// bare CR, or is an empty Call-ID or one with white space.
	ErrBadHeader = errors.New("sip: bad header")
	// ErrMissingHeader means Via, From, To, Call-ID or CSeq is absent.
	ErrMissingHeader = errors.New("sip: missing header")
	// ErrBadContentLength means Content-Length is not a number, exceeds the
	// bytes after the header section, or is repeated with another number.
	ErrBadContentLength = errors.New("sip: bad content-length")
	// ErrTruncated means the datagram ends inside the start line or headers.
	ErrTruncated = errors.New("sip: truncated message")
	// ErrBadVia means a via-parm is malformed.
	ErrBadVia = errors.New("sip: bad via")
	// ErrBadCSeq means CSeq is malformed, at least 2**31, or names another
	// method than the request.
	ErrBadCSeq = errors.New("sip: bad cseq")
	// ErrBadURI means a URI or the Request-URI is malformed.
	ErrBadURI = errors.New("sip: bad uri")
	// ErrBadParam means a ;name=value parameter is malformed.
	ErrBadParam = errors.New("sip: bad parameter")
	// ErrBadQValue means an RFC 3329 q parameter is malformed or repeated.
	ErrBadQValue = errors.New("sip: bad q value")
	// ErrBadMechanism means an RFC 3329 mechanism name is empty or not a token.
	ErrBadMechanism = errors.New("sip: bad security mechanism")
	// ErrBadAuth means a challenge or credentials value is malformed (CheckAuth).
	ErrBadAuth = errors.New("sip: bad authentication header")
	// ErrTooManyElements means a list has more than MaxListElements elements.
	ErrTooManyElements = errors.New("sip: too many list elements")
	// ErrTooManyParams means an element has more than MaxParams parameters.
	ErrTooManyParams = errors.New("sip: too many parameters")
	// ErrBadNameAddr reports a From, To or Contact value that is neither a
	// well-formed name-addr nor an addr-spec (RFC 3261 §20.10, §25.1).
	ErrBadNameAddr = errors.New("sip: bad name-addr")
	// ErrBadDate reports a Date value that is not an RFC 1123 date in GMT
	// (RFC 3261 §20.17).
	ErrBadDate = errors.New("sip: bad date")
	// ErrBadMaxForwards reports a Max-Forwards value that is not 0 to 255
	// (RFC 3261 §20.22).
	ErrBadMaxForwards = errors.New("sip: bad max-forwards")
)

// HeaderError is a parse error found in one header field. It wraps one of
// the sentinel errors above. Parse returns shared, preallocated HeaderErrors,
// so the error path does not allocate either.
type HeaderError struct {
	id  HeaderID
	err error
}

// Error returns the sentinel's text followed by the header name.
func (e *HeaderError) Error() string { return e.err.Error() + " (" + e.id.String() + ")" }

// Unwrap returns the sentinel error.
func (e *HeaderError) Unwrap() error { return e.err }

// Header returns the header field the error was found in.
func (e *HeaderError) Header() HeaderID { return e.id }

// wrappedKinds are the sentinels Parse reports per header field.
var wrappedKinds = [...]error{
	ErrMissingHeader, ErrBadHeader, ErrBadVia, ErrBadNameAddr, ErrBadParam,
	ErrTooManyParams, ErrTooManyElements, ErrBadCSeq, ErrBadContentLength,
	ErrBadDate, ErrBadURI,
}

// headerErrs holds one HeaderError per header ID and wrapped kind.
var headerErrs = makeHeaderErrs()

func makeHeaderErrs() *[hdrCount][len(wrappedKinds)]HeaderError {
	var t [hdrCount][len(wrappedKinds)]HeaderError
	for id := range t {
		for k, err := range wrappedKinds {
			t[id][k] = HeaderError{id: HeaderID(id), err: err}
		}
	}
	return &t
}

// headerErr returns err wrapped with the header ID, without allocating.
func headerErr(id HeaderID, err error) error {
	if id == HdrOther || id >= hdrCount {
		return err
	}
	for k, kind := range wrappedKinds {
		if err == kind {
			return &headerErrs[id][k]
		}
	}
	return err
}
