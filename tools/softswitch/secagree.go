package softswitch

import (
	"errors"
	"strings"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

// errTooManyOffered: more Security-Client entries than the MAC input carries.
var errTooManyOffered = errors.New("softswitch: too many security-client entries")

// offer is the Security-Client entries of one REGISTER (RFC 3329 §2.3.1), read in
// order from every Security-Client line.
type offer struct {
	entries []string    // each entry trimmed, as received
	mechs   []skd.Offer // the same entries reduced to what the choice needs
}

// parseOffer reads every Security-Client entry. An entry with an unknown or malformed
// name counts as offered but is never chosen; so is one with a malformed q.
func parseOffer(msg *sip.Message, hdr sip.HeaderID) (offer, error) {
	var o offer
	it := msg.List(hdr)
	for elem, ok := it.Next(); ok; elem, ok = it.Next() {
		if len(o.entries) == skd.MaxOffered {
			return o, errTooManyOffered
		}
		o.entries = append(o.entries, string(elem))
		o.mechs = append(o.mechs, offerOf(elem))
	}
	if err := it.Err(); err != nil {
		return o, err
	}
	return o, nil
}

func offerOf(elem []byte) skd.Offer {
	m, err := sip.ParseMechanism(elem)
	if err != nil && !errors.Is(err, sip.ErrBadQValue) {
		return skd.Offer{Mech: skd.MechNone, Q: skd.QMalformed}
	}
	mech, ok := skd.ParseMechanism(m.Name)
	if !ok {
		mech = skd.MechNone
	}
	q := m.Q
	if err != nil {
		q = skd.QMalformed
	} else if q < 0 {
		q = skd.QAbsent
	}
	return skd.Offer{Mech: mech, Q: q}
}

// choose returns the index of the chosen entry, or -1 (PROTOCOL.md §2).
func (o *offer) choose(supported []skd.Mechanism) int {
	return skd.Choose(o.mechs, supported)
}

// equal reports whether two offers list the same entries in the same order.
func (o *offer) equal(entries []string) bool {
	if len(o.entries) != len(entries) {
		return false
	}
	for i := range entries {
		if o.entries[i] != entries[i] {
			return false
		}
	}
	return true
}

// mechanismList renders the supported mechanisms for a 494's Security-Server.
func mechanismList(ms []skd.Mechanism) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.String()
	}
	return strings.Join(names, ", ")
}

// requiresSecAgree reports whether Require carries the sec-agree option tag.
func requiresSecAgree(msg *sip.Message) bool {
	return hasTag(msg, sip.HdrRequire, "sec-agree")
}

func hasTag(msg *sip.Message, hdr sip.HeaderID, tag string) bool {
	it := msg.List(hdr)
	for elem, ok := it.Next(); ok; elem, ok = it.Next() {
		if strings.EqualFold(string(elem), tag) {
			return true
		}
	}
	return false
}

// unsupportedTags returns Require option tags this registrar does not know
// (RFC 3261 §8.2.2.3); it knows sec-agree (RFC 3329) and path (RFC 3327).
func unsupportedTags(msg *sip.Message) []string {
	var out []string
	it := msg.List(sip.HdrRequire)
	for elem, ok := it.Next(); ok; elem, ok = it.Next() {
		tag := string(elem)
		if !strings.EqualFold(tag, "sec-agree") && !strings.EqualFold(tag, "path") {
			out = append(out, tag)
		}
	}
	return out
}
