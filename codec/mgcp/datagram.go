package mgcp

// Datagram steps through the messages piggy-backed in one datagram, each
// separated from the next by a line holding a single "." (RFC 3435 §3.5).
// It reads at most MaxPiggyback messages and allocates nothing.
//
//	var d mgcp.Datagram
//	d.Reset(datagram)
//	for d.Next(&m) { ... m is the next message ... }
//	if err := d.Err(); err != nil { ... }
//
// Offsets in its errors count from the start of the datagram. The error
// returned by Err may be the *ParseError of the Message passed to Next: it
// stays valid until that Message is parsed again. A Datagram is not safe
// for concurrent use.
type Datagram struct {
	buf  []byte
	pos  int // start of the next message
	off  int // start of the message last returned
	n    int
	err  error
	perr ParseError
}

// Reset makes d read buf from its start.
func (d *Datagram) Reset(buf []byte) {
	*d = Datagram{buf: buf}
	if len(buf) > MaxMessageSize {
		d.fail(0, ErrMessageTooLarge)
	}
}

func (d *Datagram) fail(off int, err error) {
	d.perr = ParseError{Offset: off, Err: err}
	d.err = &d.perr
}

// Next parses the next message into m and reports whether there was one.
// It returns false at the end of the datagram and on an error, which Err
// then returns; m holds nothing after an error.
func (d *Datagram) Next(m *Message) bool {
	if d.err != nil || d.n > 0 && d.pos == len(d.buf) {
		return false
	}
	if d.n == MaxPiggyback {
		m.Reset()
		d.fail(d.pos, ErrTooManyMessages)
		return false
	}
	rest, err := m.Parse(d.buf[d.pos:])
	if err != nil {
		m.perr.Offset += d.pos
		d.err = err
		return false
	}
	d.off = d.pos
	d.pos += rest
	d.n++
	return true
}

// Err returns the error that stopped Next, nil at the end of the datagram.
func (d *Datagram) Err() error { return d.err }

// Offset returns the offset in the datagram of the message Next returned
// last.
func (d *Datagram) Offset() int { return d.off }

// Count returns how many messages Next has returned.
func (d *Datagram) Count() int { return d.n }
