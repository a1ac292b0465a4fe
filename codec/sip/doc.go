// Package sip parses and writes SIP messages (RFC 3261) in place, for the
// sigproxy hot path.
//
// # What it parses
//
// Message.Parse reads one datagram: the Request-Line or Status-Line, the
// header fields and the body. Header names are matched case-insensitively
// in long and compact form (LookupHeader) and kept as offsets in a
// fixed-size table of MaxHeaders entries. Lines may end in CRLF or a bare
// LF and may be folded. Content-Length frames the body; when it is
// repeated, every value must be the same number, so that no two readers end
// the body at different places. Parse accepts the valid and semantically
// odd messages of the RFC 4475 torture tests and rejects the invalid ones,
// each with a named error; which rule catches which message is listed in
// the corpus test. Two semantic messages get an error: insuf, which lacks
// Call-ID, From and To, gets ErrMissingHeader with the message fully
// parsed, so a server can answer 400 as RFC 4475 §3.4.1 expects; mcl01,
// whose two Content-Length values differ, gets ErrBadContentLength.
//
// While checking, Parse keeps what it decodes of the fields a proxy routes
// by: TopVia (the first via-parm), CSeq, FromTag and ToTag return them
// without parsing those bytes again.
//
// Helpers work on header values: ListIter and NextElement split
// comma-separated lists, Param reads ;name=value parameters, ParseVia,
// ParseURI, ParseCSeq, ParseMaxForwards, Tag and NameAddrURI read the fields
// a proxy routes by (RFC 3581 rport, RFC 5118 IPv6 references),
// ParseMechanism reads RFC 3329 Security-Client/Server/Verify entries,
// AuthScheme, AuthParam, CheckAuth and ListParam read challenge, credential
// and Key-Distribution parameters. AppendHeader, AppendList,
// AppendViaReceived and DropFirstElement help write header lines.
//
// # View lifetimes
//
// Every []byte this package returns (from a Message, a Header, a Via, a
// URI, a Mechanism, Param, ...) is a view into the buffer given to Parse or
// into the value passed to the helper: nothing is copied. A view stays valid
// until that buffer is modified, or for Message views until Parse is called
// again on the same Message. Copy what must outlive the datagram.
//
// # Allocation
//
// Parse, the Message accessors (TopVia, CSeq, FromTag, ToTag included),
// LookupHeader, ListIter, NextElement, Param,
// ParseVia, ParseURI, ParseCSeq, ParseMaxForwards, Tag, NameAddrURI,
// ParseMechanism, AuthScheme, AuthParam, ListParam, CheckAuth,
// DropFirstElement and IsToken never allocate, on success or error (errors
// carrying a header name are preallocated). AppendHeader, AppendList and
// AppendViaReceived allocate only when dst lacks capacity. Tests guard this
// with testing.AllocsPerRun.
//
// # Speed
//
// Parse reads the usual start line in one pass (token, SP, URI bytes, SP
// and SIP/2.0 compared as a word) and the header section in one pass that
// takes line ends off bitmaps of the LF and CR bytes, mapped up to 1 KiB
// per call (SSE2 compares on amd64, eight bytes per step elsewhere or with
// the purego build tag), and looks up names of up to 16 bytes from two
// words with a perfect hash. Anything out of the ordinary in either pass
// (a limit reached, a malformed line, a bare CR) makes Parse start over
// with a plain byte-by-byte reading, which decides the error; the fuzz
// tests check the two agree. Parameters are read as offsets the compiler
// keeps in registers, lists without a comma skip the element split, and
// the element and class scanners step over several bytes at a time. A
// typical 555-byte REGISTER parses, all checks included, in about 0.6 µs
// on a busy 2-core Xeon; bench/README.md compares it with sipgo and says
// where the time goes.
//
// # Limits
//
// A message is at most MaxMessageSize bytes with at most MaxHeaders header
// fields, each line (folded continuations included) at most MaxLineLength
// bytes. ListIter visits at most MaxListElements elements and the parameter
// helpers read at most MaxParams parameters. Exceeding a limit gives its
// named error (ErrMessageTooLarge, ErrTooManyHeaders, ErrLineTooLong,
// ErrTooManyElements, ErrTooManyParams).
//
// # Concurrency
//
// A Message is not safe for concurrent use: keep one per goroutine or event
// loop and reuse it. The package-level functions are pure and may be called
// from any goroutine.
//
// # Limitations
//
// Parse checks the headers a proxy relies on (Via, From, To, Contact,
// Call-ID, CSeq, Content-Length, Date); other header values are not checked
// against their grammar. Only UDP framing is implemented: a datagram is one
// message, and bytes after a Content-Length body are ignored (a stream
// transport would need a framer in front). ParseURI parses sip: and sips:
// only.
package sip
