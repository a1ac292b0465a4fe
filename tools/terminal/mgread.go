package terminal

import (
	"bytes"
	"errors"

	"github.com/sigproxy/sigproxy/codec/h248"
)

// What the media gateway reads from the MGC's messages (docs/PROTOCOL.md §11.3,
// §11.5): the authentication header, Replies and Pendings by TransactionID, and the
// skd properties and skd/auth event request of each Modify. Everything is copied out
// of the datagram, so the read buffer can be reused at once.

// Limits on what one MGC message may hold; a registration needs one Reply and one
// Modify, a few more leave room for messages that carry other transactions along.
const (
	maxMGCItems = 8  // Replies, Pendings and Modify transactions, each
	maxSKDProps = 16 // skd properties of one Modify (the profile defines seven)
)

// Errors of parseMGC. A message that does not parse at all gets the codec's error.
var (
	errMGCTooMany   = errors.New("terminal: too many transactions or skd properties")
	errMGCDuplicate = errors.New("terminal: skd property repeated")
)

// mgcMsg is one message from the MGC (or from the proxy in its name).
type mgcMsg struct {
	mid      string // the sender's mId as written
	auth     bool   // an authentication header is present
	spi, seq uint32
	seqText  string // "0xSPI:0xSeqNum" as written
	authData []byte // AuthData octets
	replies  []mgcReply
	pendings []uint32
	modifies []mgcModify
}

// mgcReply is one Reply: its TransactionID and, when it holds one, its first Error.
type mgcReply struct {
	id      uint32
	hasErr  bool
	errCode uint32
	errText string
}

// mgcModify is one Transaction holding a Modify: the skd properties of its
// TerminationState by item name ("nonce" for skd/nonce) and whether it asks for the
// skd/auth event.
type mgcModify struct {
	id      uint32
	props   map[string]string
	askAuth bool
	rid     uint32 // the RequestID of the Events descriptor asking for skd/auth
}

// reply returns the Reply to transaction id, nil when the message holds none.
func (m *mgcMsg) reply(id uint32) *mgcReply {
	for i := range m.replies {
		if m.replies[i].id == id {
			return &m.replies[i]
		}
	}
	return nil
}

// pending reports whether the message holds a Pending for transaction id.
func (m *mgcMsg) pending(id uint32) bool {
	for _, p := range m.pendings {
		if p == id {
			return true
		}
	}
	return false
}

// modifyWith returns the first Modify whose properties include name, nil when none.
func (m *mgcMsg) modifyWith(name string) *mgcModify {
	for i := range m.modifies {
		if _, ok := m.modifies[i].props[name]; ok {
			return &m.modifies[i]
		}
	}
	return nil
}

// parseMGC parses b with msg and copies out what the gateway needs.
func parseMGC(msg *h248.Message, b []byte) (*mgcMsg, error) {
	if err := msg.Parse(b); err != nil {
		return nil, err
	}
	defer msg.Reset()
	hdr := msg.Header()
	out := &mgcMsg{mid: string(hdr.MID)}
	if hdr.Auth {
		out.auth, out.spi, out.seq = true, hdr.SPI, hdr.Seq
		out.seqText = string(authSeqText(hdr.AuthRaw))
		out.authData = msg.AppendAuthData(nil)
	}
	w := msg.Walker()
	for tx, err := w.Transaction(); err == nil; tx, err = w.Transaction() {
		if err := out.add(tx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// add records one transaction-level item.
func (m *mgcMsg) add(tx h248.Node) error {
	switch tx.Token() {
	case h248.TokReply:
		if len(m.replies) == maxMGCItems {
			return errMGCTooMany
		}
		r := mgcReply{id: tx.ID()}
		if e := tx.Find(h248.TokError); e.Valid() {
			r.hasErr, r.errCode, r.errText = true, e.ID(), string(e.ErrorText())
		}
		m.replies = append(m.replies, r)
	case h248.TokPending:
		if len(m.pendings) == maxMGCItems {
			return errMGCTooMany
		}
		m.pendings = append(m.pendings, tx.ID())
	case h248.TokTransaction:
		cmd := tx.Find(h248.TokModify)
		if !cmd.Valid() {
			return nil
		}
		if len(m.modifies) == maxMGCItems {
			return errMGCTooMany
		}
		mod, err := readModify(tx.ID(), cmd)
		if err != nil {
			return err
		}
		m.modifies = append(m.modifies, mod)
	}
	return nil
}

// readModify copies the skd properties of a Modify's TerminationState.
func readModify(id uint32, cmd h248.Node) (mgcModify, error) {
	mod := mgcModify{id: id, props: map[string]string{}}
	ts := cmd.Find(h248.TokTerminationState)
	for p := ts.FirstChild(); p.Valid(); p = p.Next() {
		if string(p.Package()) != "skd" {
			continue
		}
		name := string(p.Item())
		if _, dup := mod.props[name]; dup {
			return mod, errMGCDuplicate
		}
		if len(mod.props) == maxSKDProps {
			return mod, errMGCTooMany
		}
		mod.props[name] = string(p.Value())
	}
	if ev := cmd.Find(h248.TokEvents); ev.Valid() {
		mod.askAuth, mod.rid = ev.FindParam("skd", "auth").Valid(), ev.ID()
	}
	return mod, nil
}

// seqTextLen is the length of "0x" 8 hex digits ":0x" 8 hex digits, the only
// spelling of SecurityParmIndex COLON SequenceNum that RFC 3525 B.2 allows.
const seqTextLen = 2 + 8 + 1 + 2 + 8

// authSeqText returns "0xSPI:0xSeqNum" of an authentication header as written: the
// seqTextLen bytes before the colon that precedes AuthData. Whatever stands between
// '=' and the SPI (white space, comments) is not part of it. nil when h is too short.
func authSeqText(h []byte) []byte {
	j := bytes.LastIndexByte(h, ':')
	if j < seqTextLen {
		return nil
	}
	return h[j-seqTextLen : j]
}
