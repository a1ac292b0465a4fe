// Package mgcp parses and writes MGCP 1.0 messages (RFC 3435) in place, for
// the sigproxy hot path.
//
// # What it parses
//
// Message.Parse reads one message (RFC 3435 Appendix A, MGCPMessage), a
// command or a response:
//
//   - a command line: the verb (EPCF, CRCX, MDCX, DLCX, RQNT, NTFY, AUEP,
//     AUCX, RSIP, or an extension verb: a letter and three letters or
//     digits, experimental ones starting with X), the transaction id (1 to
//     9 digits, 1 to 999999999), the endpoint name and "MGCP 1.0",
//     optionally followed by a profile name such as "NCS 1.0";
//   - or a response line: a 3-digit code (000 a response acknowledgement,
//     1xx provisional), the transaction id, an optional "/" package name
//     and the commentary text;
//   - parameter lines, name ":" value, names compared without regard to
//     case: the one- and two-letter codes of RFC 3435 §3.2.2 (K, B, C, I,
//     N, X, L, M, R, S, D, O, P, E, Z, Z2, I2, F, Q, T, RM, RD, A, ES, PL,
//     MD, ZM, ZN; LookupParam), extension names X-... and X+..., package
//     parameters pkg/name and any other well-formed name;
//   - after an empty line, the SDP, kept as one raw span;
//   - a line holding a single "." ends the message: another one is
//     piggy-backed after it (RFC 3435 §3.5).
//
// The endpoint name is local@domain[:port]. The local name is one or more
// parts separated by "/", each "*" (all), "$" (any) or a NameString in
// which a range in brackets may stand (ds/ds1-[1-8]/1); Wildcard reports
// any of these. The domain is [IPv4], [IPv6] or a host name; ParseEndpoint
// splits any endpoint name the same way.
//
// # Reading a message
//
// Parse returns the offset of the next piggy-backed message; a Datagram
// steps through them all:
//
//	var m mgcp.Message // reuse one per event loop
//	var d mgcp.Datagram
//	d.Reset(datagram)
//	for d.Next(&m) {
//		if m.IsCommand() {
//			// m.Verb(), m.TransactionID(), m.Endpoint(), m.Domain(), ...
//		} else {
//			// m.Code(), m.TransactionID(), m.Commentary(), ...
//		}
//		x, ok := m.Value(mgcp.ParamRequestIdentifier) // the first X: line
//		i := m.Find("X-Vendor")                      // any name
//		for i := range m.NumParams() {
//			p := m.Param(i) // p.Name, p.Value, p.Code
//		}
//		sdp := m.SDP()
//	}
//	if err := d.Err(); err != nil { ... }
//
// A value is kept raw, several comma-separated values included. NewListIter
// splits it at the commas that stand outside parentheses, brackets and
// quotes (R: L/hd(N), D/[0-9#*T](D)); NewAckIter reads the transaction id
// ranges of a ResponseAck (K: 6234-6255, 6257).
//
// # Writing a message
//
// A proxy forwards a message as it came, but for a few edits. An Editor
// records them and Append copies the message into a buffer the caller owns
// with the edits applied, byte for byte elsewhere:
//
//   - SetTransactionID replaces the transaction id;
//   - SetValue replaces a parameter's value, Remove deletes its line, Add
//     appends a line after the last parameter (before the SDP), Set does
//     SetValue or Add by name.
//
// Every edit is checked when it is recorded, so the output parses again and
// reads back the values given. AppendResponseLine, Message.AppendReply and
// AppendParam build new messages:
//
//	var ed mgcp.Editor // reuse, like the Message
//	ed.Reset(&m)
//	err = ed.SetTransactionID(local)
//	err = ed.Set([]byte("N"), []byte("ca@proxy.example.net:2727"))
//	out, err = ed.Append(out[:0])
//	reply, err = m.AppendReply(reply[:0], 200, []byte("OK"))
//
// # View lifetimes
//
// Every []byte this package returns (from a Message, a Param, an Endpoint,
// a ListIter) is a view into the buffer given to Parse or Datagram.Reset, or
// into the value passed to the function: nothing is copied. Views are
// capped (their capacity ends with them), so appending to one copies it
// rather than writing over the message. An Editor keeps references to the
// bytes given to it until Append. A view stays valid until that buffer is
// modified, or for Message views until Parse or Reset is called again on
// the same Message. Copy what must outlive the datagram.
//
// # Allocation
//
// Parse, Datagram, the Message accessors, ParseEndpoint, LookupParam,
// ListIter and AckIter never allocate, on success or error: the parameter
// table is a fixed array inside the Message, and the *ParseError returned
// on failure is a field of the Message (or of the Datagram). The Editor's
// methods do not allocate either; Append, AppendResponseLine, AppendReply
// and AppendParam allocate only when dst lacks capacity. Tests guard this
// with testing.AllocsPerRun.
//
// bench_test.go has the benchmarks. On a shared 2-core Intel Xeon VM (load
// average 4 to 11 from other work) the 66-byte RSIP parses in 111 to 122
// ns, the 238-byte RQNT with seven parameters in 190 to 410 ns, the 13-byte
// "200" response in 26 to 46 ns, and the Editor writes the RQNT with four
// edits in about 100 ns. Cachegrind counts about 2,300 instructions for the
// RSIP and 4,300 for the RQNT.
//
// Lines are found eight bytes at a time: a word with no control character
// and no DEL is skipped whole, so the scan that finds line ends also
// rejects control characters at little cost.
//
// # Limits
//
// A buffer is at most MaxMessageSize bytes, a line MaxLineLength bytes
// without its line end, a message MaxParameters parameter lines, a datagram
// MaxPiggyback messages. A local name is at most MaxLocalNameLength bytes
// and a domain MaxDomainLength, a parameter name MaxParamNameLength, a
// response's package name MaxPackageNameLength; a transaction id has at
// most 9 digits (MaxTransactionID). ListIter and AckIter stop after
// MaxListElements elements, an Editor holds MaxEdits edits. Each excess has
// its named error (ErrMessageTooLarge, ErrLineTooLong, ErrTooManyParameters,
// ErrTooManyMessages, ErrEndpointTooLong, ErrBadParameter,
// ErrBadResponseLine, ErrBadTransactionID, ErrTooManyElements,
// ErrTooManyEdits). Malformed input gets a specific error: ErrEmptyMessage,
// ErrTruncated, ErrBadLineEnd, ErrBadCharacter, ErrBadCommandLine,
// ErrBadResponseLine, ErrBadTransactionID, ErrBadEndpoint, ErrBadVersion,
// ErrBadParameter, ErrDuplicateParameter; Parse returns it in a *ParseError
// giving the offset.
//
// # Concurrency
//
// A Message is not safe for concurrent use: keep one per goroutine or event
// loop and reuse it. Datagrams and Editors share the restriction. The
// package-level functions are pure and may be called from any goroutine.
//
// # Leniency and strictness
//
// Parse follows the RFC 3435 Appendix A grammar except for these rules:
//
//  1. Bare CR line ends are accepted, as some gateways send them (the
//     shared corpus's ntfy-cr-only), but only in a message whose first
//     line ends in a bare CR: that line decides, and every line of the
//     message, SDP included, must then end in a bare CR. A message whose
//     first line ends in LF or CRLF may mix those two, as RFC 3435's EOL
//     allows, but a bare CR in it is ErrBadLineEnd, and so is an LF in a
//     bare-CR message. Mixed styles are refused because a proxy and the
//     peer behind it could split such a message into different lines, and
//     so into different parameters.
//  2. White space around a parameter's value, at the end of a line and
//     several WSP where the grammar has one (before a response's text) are
//     accepted and not part of the values.
//  3. The SDP's last line may lack its line end (the datagram ends it); a
//     command, response or parameter line may not (ErrTruncated: the
//     datagram was cut).
//  4. Parameter values may hold bytes from 0x80 (UTF-8 text in signal
//     parameters); control characters other than HTAB are refused
//     everywhere (ErrBadCharacter).
//
// Parse is stricter than the grammar in one respect: a parameter RFC 3435
// allows once in a message, given twice, is ErrDuplicateParameter (Z: and
// A: may repeat, as may names the package does not know), since the proxy
// and the peer could read different ones.
//
// # Limitations
//
// Limitation: parameter values are checked for control characters only,
// not against their own grammars (event names, LocalConnectionOptions,
// digit maps); ListIter and AckIter read the two list shapes a proxy needs.
// A proxy forwards what it does not understand; the peer judges semantics.
//
// Limitation: only "MGCP 1.0" is accepted as the protocol version
// (ErrBadVersion for the 0.1 of RFC 2705 gateways), and the domain form
// "#number" of the grammar is not.
//
// Limitation: which parameters a verb allows or requires is not checked,
// nor whether a response's SDP belongs to it.
//
// Limitation: the Editor edits parameter lines and the transaction id, not
// the verb, the endpoint name, a response's code or text, or the SDP.
package mgcp
