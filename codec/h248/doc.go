// Package h248 parses H.248.1 / Megaco messages in the text encoding
// (RFC 3525 Annex B) in place, for the sigproxy hot path.
//
// # What it parses
//
// Message.Parse reads one whole message (RFC 3525 B.2 megacoMessage):
//
//   - an optional authentication header, Authentication (or AU) =
//     0xSPI:0xSeqNum:0xAuthData, SPI and SequenceNum 8 hex digits each,
//     AuthData an even number of 24 to 64;
//   - MEGACO/n or !/n, n from 1 to 99;
//   - the sender's mId: [IPv4]:port, [IPv6]:port, <domain>:port (port
//     optional), MTP{hex} or a device name;
//   - the body: one or more Transaction, Reply, Pending or
//     TransactionResponseAck items one after the other (no separator is
//     needed, "}Transaction" is fine), or a single message-level Error.
//
// Everything below is read into one tree of items (nodes): transactions
// hold contexts (ContextID "-", "$", "*" or a number), contexts hold
// commands (Add, Modify, Move, Subtract, AuditValue, AuditCapability,
// Notify, ServiceChange, with "O-" and "W-" prefixes) and context
// properties, commands hold descriptors, descriptors hold parameters
// (properties such as tdmc/gain=2, events, observed events with their
// TimeStamp, signals, statistics, ServiceChange parameters, extension
// parameters X-... and X+...) and further descriptors. Keywords are matched
// without regard to case in long and short form (LookupToken): "Modify",
// "MF" and "modify" all give TokModify. LWSP, including ';' comments, may
// stand wherever the grammar allows it. Values are scalars (1*SafeChar),
// quotedStrings, sublists [a,b], ranges [a:b], alternatives {a,b}, mIds
// (ServiceChangeAddress, MgcIdToTry) and, after '<', '>' or '#',
// inequalities. The SDP of Local and Remote is not parsed: its span is found
// by looking for the first '}' not escaped as "\}" and kept raw, and so is a
// digit map.
//
// # Reading a message
//
// A parsed Message is walked in the manner of dnsmessage's Parser: Header
// for the fixed start, then a Walker that steps through transactions,
// contexts, commands and descriptors, each step returning ErrSectionDone
// when its section is exhausted:
//
//	var m h248.Message // reuse one per event loop
//	if err := m.Parse(datagram); err != nil { ... }
//	hdr := m.Header() // hdr.Auth, hdr.SPI, hdr.Seq, hdr.Version, hdr.MID
//	w := m.Walker()
//	for tx, err := w.Transaction(); err == nil; tx, err = w.Transaction() {
//		// tx.Token(): TokTransaction, TokReply, TokPending or TokResponseAck;
//		// tx.ID(): the TransactionID
//		for ctx, err := w.Context(); err == nil; ctx, err = w.Context() {
//			for cmd, err := w.Command(); err == nil; cmd, err = w.Command() {
//				// cmd.Token(), cmd.Value() (the TerminationID)
//				for d, err := w.Descriptor(); err == nil; d, err = w.Descriptor() {
//					// d.Token(): TokServices, TokMedia, TokError, ...
//				}
//			}
//		}
//	}
//
// A ServiceChange's parameters are the children of its Services
// descriptor; extension parameters are told apart by IsExtension:
//
//	svc := cmd.Child(h248.TokServices)
//	if h248.LookupToken(svc.Child(h248.TokMethod).Value()) == h248.TokRestart { ... }
//	for p := svc.FirstChild(); p.Valid(); p = p.Next() {
//		if p.IsExtension() { ... p.Name(), p.Value() ... }
//	}
//
// A descriptor keyword with braces is a node of KindDescriptor; standing
// without braces (an audit item, as Events in Audit{Events}, or the
// eventStream ST=1) it is a KindParameter.
//
// Below the walker's levels a Node navigates the tree: FirstChild, Next,
// Parent, Child(tok), Find(tok) (first descendant with a keyword, long and
// short forms alike), FindParam(pkg, name) (first descendant named
// pkg/name), FindNext. Node.Value returns a value as written, except that a
// quotedString comes without its quotes (a view of the inner span, no copy)
// and Local and Remote give their SDP; Node.Values iterates list elements.
// Node.ID returns the numbers Parse read and range-checked: TransactionID,
// ContextID, RequestID, StreamID, error code. Error descriptors are nodes of
// KindError at whatever level they stand; ErrorText gives their text.
//
// # Writing a message
//
// A proxy forwards a message as it came, but for a few edits. An Editor
// records them in a fixed array, and Append copies the message into a
// buffer the caller owns with the edits applied, byte for byte elsewhere:
//
//   - SetValue replaces a property's or parameter's value (or gives a
//     parameter without one "=value"), a TransactionID, ContextID,
//     TerminationID, the SDP of Local or Remote, an Error's text;
//   - Remove deletes an item with the comma that separates it from its
//     siblings (several removals in one list merge cleanly);
//   - Insert adds an item as the last child of a descriptor, command,
//     context or parameter, with a comma, or in new braces;
//   - SetAuth adds or replaces the authentication header, RemoveAuth drops
//     it.
//
// Every edit is checked where it is recorded, by the parser's own rules for
// that place, so the output of valid edits parses again. AppendAuthHeader
// and AppendQuoted build the bytes edits take:
//
//	var ed h248.Editor // reuse, like the Message
//	ed.Reset(&m)
//	svc := m.Root().Find(h248.TokServices)
//	err = ed.Remove(svc.FindParam("skd", "kp"))
//	val, _ = h248.AppendQuoted(scratch[:0], blob)
//	err = ed.Insert(svc, append([]byte(`skd/mac=`), val...))
//	out, err = ed.Append(out[:0])
//
// The interim AH of RFC 3525 §10.2 covers the transactions of the message
// as sent (concatenated, after a synthesized address header). To sign an
// edited message, Append it, parse the output, compute the check over its
// transactions (each one's Raw; Body spans them and what lies between),
// then Reset an Editor on that parse, SetAuth the
// header from AppendAuthHeader and Append again: SetAuth changes only the
// bytes before the MEGACO token, so the body the check covers stays as it
// was.
//
// # View lifetimes
//
// Every []byte this package returns (from a Message, a Header, a Node, a
// ValueIter, ParseMID) is a view into the buffer given to Parse, or into the
// value passed to the function: nothing is copied. An Editor keeps
// references to the bytes given to it until Append. A view stays valid until
// that buffer is modified, or for Message views until Parse or Reset is
// called again on the same Message; the same holds for Nodes and Walkers.
// Copy what must outlive the datagram.
//
// # Allocation
//
// Parse, the Message, Node, Walker and ValueIter methods, LookupToken and
// ParseMID never allocate, on success or error: the node table is a fixed
// array inside the Message, and the *ParseError returned on failure is a
// field of the Message. The Editor's methods do not allocate either (its
// checks parse into tables on the stack); Append, AppendAuthHeader and
// AppendQuoted allocate only when dst lacks capacity. Tests guard this with
// testing.AllocsPerRun. On a shared 2-core AMD EPYC VM a 263-byte
// ServiceChange parses in 0.36 to 0.56 µs depending on load, a 366-byte
// Modify with six properties in about 0.7 µs, and the Editor writes that
// Modify with four edits in under 0.3 µs; bench_test.go has the benchmarks.
//
// # Limits
//
// A message is at most MaxMessageSize bytes and MaxNodes items (root
// included), nested at most MaxDepth deep; a name is at most MaxNameLength
// bytes, a TerminationID or device name MaxTerminationIDLength. Numbers are
// checked against their type: TransactionID, ContextID, RequestID and
// Delay are UINT32 (at most 10 digits and 4294967295), StreamID, port,
// Priority, Duration, SignalList ID and error code UINT16, Version one or
// two digits. Each excess has its named error (ErrMessageTooLarge,
// ErrTooManyElements, ErrTooDeep, ErrNameTooLong, ErrNumberTooLarge).
// Malformed input gets a specific error: ErrBadVersion, ErrBadAuth,
// ErrBadMID, ErrNoBody, ErrUnterminatedString, ErrUnbalancedBraces,
// ErrTruncated, ErrSyntax, ErrUnexpectedToken, ErrMissing, ErrBadValue,
// ErrBadNumber; Parse returns it in a *ParseError giving the offset.
//
// # Concurrency
//
// A Message is not safe for concurrent use: keep one per goroutine or event
// loop and reuse it. Nodes, Walkers and Editors share their Message's
// restriction. LookupToken, ParseMID, AppendAuthHeader, AppendQuoted and the
// Token and Kind methods are pure and may be called from any goroutine.
//
// # Leniency
//
// Parse follows the RFC 3525 Annex B ABNF except for these rules, each
// needed by messages seen in practice (the RFC's own Appendix A.1 call
// flows and the Erlang/OTP megaco test messages):
//
//  1. Event and signal parameters may be written in parentheses after the
//     pkgdName, al/of(strict=state), where B.2 requestedEvent and
//     observedEvent use LBRKT ... RBRKT (as Appendix A.1 does in steps 3, 6,
//     8, 17). Inside them a ')' ends an unquoted value.
//  2. A comma right before a closing brace is ignored, although B.2 lists
//     are x *(COMMA x) (Appendix A.1 step 3, after LocalControl).
//  3. A digit map (B.2 digitMapValue) is not checked: the text between its
//     braces is kept raw, so a digit map broken over two lines (A.1 step 8)
//     is accepted.
//  4. A TerminationID may start with a digit, 11111111/00000000/00000000,
//     where B.2 pathNAME starts with ALPHA (the Erlang/OTP messages).
//  5. A quotedString may hold bytes from 0x80 (UTF-8), where B.2 allows
//     ASCII only; §12.1.2 types String and Character are UTF-8.
//  6. A comment (B.2 COMMENT, ending in EOL) may end at the end of the
//     message.
//  7. A descriptor keyword may stand without braces where B.2 requires them
//     (Signals in a Modify, as the Erlang/OTP messages write an empty
//     Signals descriptor); B.2 allows the bare keyword only as an auditItem.
//
// # Limitations
//
// Limitation: below the command level Parse checks the shape of items
// (names, operators, values, balanced braces) and the numbers listed under
// Limits, not which items each descriptor allows nor the at-most-once rules
// of B.2, and not whether a command that requires a descriptor has it. A
// proxy forwards what it does not understand; the peer judges semantics.
//
// Limitation: the Editor checks each edit in its place, not the edits
// together against the rules of their parent: removing every Context of a
// Transaction leaves a Transaction the parser rejects (ErrMissing), and many
// inserts may exceed MaxNodes. A comment between a removed item and its
// separator goes with the item.
//
// Limitation: only complete messages are parsed. Over TCP (RFC 3525 D.2) a
// TPKT framer must deliver one message at a time.
//
// Limitation: the binary encoding (Annex A) is not supported.
package h248
