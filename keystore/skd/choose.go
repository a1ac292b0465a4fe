package skd

// Offer is one offered mechanism entry reduced to what the choice needs.
type Offer struct {
	Mech Mechanism // MechNone when the name is not one this package knows
	Q    int       // 0..1000; QAbsent when absent; QMalformed when malformed
}

// Special Offer.Q values.
const (
	// QAbsent marks an entry without a q parameter: it ranks below every present q.
	QAbsent = -1
	// QMalformed marks an entry whose q is malformed or repeated: never chosen.
	QMalformed = -2
)

// maxQ is q=1 in thousandths (a qvalue has at most three decimals).
const maxQ = 1000

// ParseQ parses an RFC 3261 §25.1 qvalue ("0" or "1", optionally followed by "."
// and up to three digits, never above 1) into thousandths, 0..1000. Anything else,
// including an empty value, returns QMalformed. A q given twice in one entry is
// the caller's to detect (PROTOCOL.md §2 rule 2).
func ParseQ(v []byte) int {
	if len(v) == 0 || len(v) > len("0.000") || (v[0] != '0' && v[0] != '1') {
		return QMalformed
	}
	q := int(v[0]-'0') * maxQ
	if len(v) == 1 {
		return q
	}
	if v[1] != '.' {
		return QMalformed
	}
	scale := maxQ / 10
	for _, c := range v[2:] {
		if c < '0' || c > '9' {
			return QMalformed
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > maxQ {
		return QMalformed
	}
	return q
}

// Choose picks a mechanism per PROTOCOL.md §2: the offer with the highest Q among
// those whose Mech is in supported; an absent Q ranks below any present Q; a
// malformed Q is never chosen; ties go to the offer listed first. It returns the
// index into offers, or -1 when no offer is acceptable. It does not allocate.
func Choose(offers []Offer, supported []Mechanism) int {
	best, bestQ := -1, QMalformed
	for i, o := range offers {
		if o.Q == QMalformed || o.Q < QAbsent || o.Q > maxQ || !supports(supported, o.Mech) {
			continue
		}
		if o.Q > bestQ {
			best, bestQ = i, o.Q
		}
	}
	return best
}

func supports(supported []Mechanism, m Mechanism) bool {
	if m == MechNone {
		return false
	}
	for _, s := range supported {
		if s == m {
			return true
		}
	}
	return false
}
