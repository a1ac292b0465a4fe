package sip

import "strconv"

// AppendHeader appends "name: value\r\n" to dst. It allocates only when dst
// lacks capacity.
func AppendHeader(dst []byte, name string, value []byte) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendList appends "name: e1, e2\r\n" built from the elements of one
// header value (split as NextElement does, empty ones dropped), leaving out
// those for which drop returns true; a nil drop keeps all. It appends
// nothing when no element is left. drop does not escape, so a func literal
// passed to it is not allocated. dst must not overlap value.
func AppendList(dst []byte, name string, value []byte, drop func(elem []byte) bool) []byte {
	kept := 0
	for off := 0; off < len(value); {
		var elem []byte
		elem, off = NextElement(value, off)
		if len(elem) == 0 || drop != nil && drop(elem) {
			continue
		}
		if kept == 0 {
			dst = append(dst, name...)
			dst = append(dst, ": "...)
		} else {
			dst = append(dst, ", "...)
		}
		dst = append(dst, elem...)
		kept++
	}
	if kept > 0 {
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// AppendViaReceived appends the via-parm elem with received and rport set
// as a server does (RFC 3261 §18.2.1, RFC 3581 §4): an rport parameter gets
// the value rport (when 0 < rport <= 65535), and received, when not empty,
// replaces an existing received parameter or is added at the end. An rport
// is not added when elem has none. Other parameters are copied as written.
// dst must not overlap elem. Adding received to a via-parm that already has
// MaxParams parameters yields one that ParseVia refuses: a caller that must
// emit parsable output checks the count first.
func AppendViaReceived(dst, elem, received []byte, rport int) []byte {
	elem = trimLWS(elem)
	i := paramsStart(elem)
	dst = append(dst, trimLWS(elem[:i])...)
	setRPort := rport > 0 && rport <= maxPort
	done := false
	for i < len(elem) && elem[i] == ';' {
		p, next := nextParam(elem, i)
		switch {
		case setRPort && eqLower(p.name.of(elem), "rport"):
			dst = append(dst, ";rport="...)
			dst = strconv.AppendInt(dst, int64(rport), 10)
		case len(received) > 0 && eqLower(p.name.of(elem), "received"):
			if !done {
				dst = appendReceived(dst, received)
				done = true
			}
		default:
			dst = append(dst, ';')
			dst = append(dst, trimLWS(elem[i+1:next])...)
		}
		i = next
	}
	if len(received) > 0 && !done {
		dst = appendReceived(dst, received)
	}
	return dst
}

func appendReceived(dst, received []byte) []byte {
	dst = append(dst, ";received="...)
	return append(dst, received...)
}
