package sip

import (
	"encoding/binary"
	"strings"
)

// HeaderID identifies a header field known to this package. Unknown names
// are HdrOther.
type HeaderID uint8

// Header IDs. The order is part of the API; new IDs are only appended.
const (
	HdrOther HeaderID = iota
	HdrVia
	HdrFrom
	HdrTo
	HdrCallID
	HdrCSeq
	HdrContact
	HdrContentLength
	HdrContentType
	HdrMaxForwards
	HdrExpires
	HdrRequire
	HdrProxyRequire
	HdrSupported
	HdrSecurityClient
	HdrSecurityServer
	HdrSecurityVerify
	HdrWWWAuthenticate
	HdrAuthorization
	HdrProxyAuthenticate
	HdrProxyAuthorization
	HdrPath
	HdrRoute
	HdrRecordRoute
	HdrKeyDistribution
	HdrUserAgent
	HdrAllow
	HdrSubject
	HdrEvent
	HdrReferTo
	HdrContentEncoding
	HdrAcceptContact
	HdrSessionExpires
	HdrWarning
	HdrRetryAfter
	HdrDate
	HdrAccept
	HdrReferredBy         // compact form b (RFC 3892)
	HdrRequestDisposition // compact form d (RFC 3841)
	HdrRejectContact      // compact form j (RFC 3841)
	HdrAllowEvents        // compact form u (RFC 6665)
	HdrIdentity           // compact form y (RFC 8224)
	HdrIdentityInfo       // compact form n (RFC 4474, obsoleted but registered)
	hdrCount              // number of IDs; keep last
)

// hdrNames holds the canonical long names, indexed by HeaderID.
var hdrNames = [hdrCount]string{
	HdrVia: "Via", HdrFrom: "From", HdrTo: "To", HdrCallID: "Call-ID",
	HdrCSeq: "CSeq", HdrContact: "Contact", HdrContentLength: "Content-Length",
	HdrContentType: "Content-Type", HdrMaxForwards: "Max-Forwards",
	HdrExpires: "Expires", HdrRequire: "Require", HdrProxyRequire: "Proxy-Require",
	HdrSupported: "Supported", HdrSecurityClient: "Security-Client",
	HdrSecurityServer: "Security-Server", HdrSecurityVerify: "Security-Verify",
	HdrWWWAuthenticate: "WWW-Authenticate", HdrAuthorization: "Authorization",
	HdrProxyAuthenticate: "Proxy-Authenticate", HdrProxyAuthorization: "Proxy-Authorization",
	HdrPath: "Path", HdrRoute: "Route", HdrRecordRoute: "Record-Route",
	HdrKeyDistribution: "Key-Distribution", HdrUserAgent: "User-Agent",
	HdrAllow: "Allow", HdrSubject: "Subject", HdrEvent: "Event",
	HdrReferTo: "Refer-To", HdrContentEncoding: "Content-Encoding",
	HdrAcceptContact: "Accept-Contact", HdrSessionExpires: "Session-Expires",
	HdrWarning: "Warning", HdrRetryAfter: "Retry-After", HdrDate: "Date",
	HdrAccept: "Accept", HdrReferredBy: "Referred-By",
	HdrRequestDisposition: "Request-Disposition", HdrRejectContact: "Reject-Contact",
	HdrAllowEvents: "Allow-Events", HdrIdentity: "Identity",
	HdrIdentityInfo: "Identity-Info",
}

// compactIDs maps the lower-case compact forms of RFC 3261 §7.3.3 and the
// IANA SIP header registry to their IDs.
var compactIDs = [256]HeaderID{
	'a': HdrAcceptContact, 'b': HdrReferredBy, 'c': HdrContentType,
	'd': HdrRequestDisposition, 'e': HdrContentEncoding, 'f': HdrFrom,
	'i': HdrCallID, 'j': HdrRejectContact, 'k': HdrSupported,
	'l': HdrContentLength, 'm': HdrContact, 'n': HdrIdentityInfo,
	'o': HdrEvent, 'r': HdrReferTo, 's': HdrSubject, 't': HdrTo,
	'u': HdrAllowEvents, 'v': HdrVia, 'x': HdrSessionExpires, 'y': HdrIdentity,
}

// maxNameLen is the longest known long name ("Proxy-Authorization",
// "Request-Disposition"); longer names are HdrOther without a look.
const maxNameLen = 19

// A long name is looked up by hashing two words of it, the first eight
// bytes and the last eight (the same word for shorter names), with every
// byte's case bit set, and then comparing the candidate in that slot word
// by word. nameMul was chosen so that the 42 names do not collide in 256
// slots; TestLookupHeaderLongNames looks up every name, so a new name that
// collides fails it.
const (
	nameMul   = 0x50b6eccee98de6c1
	nameShift = 56 // 256 slots
	caseBits  = 0x2020202020202020
)

// nameKeys holds, per hash slot, the long name hashing there as lower-case
// words with masks of the bits that case may flip; n is 0 in empty slots.
// Indexing by the slot itself keeps the lookup to one multiply and one
// table read.
var nameKeys = makeNameKeys()

// nameKey is one long name as lower-case words and their fold masks: 0x20
// in the bytes that hold a letter, 0 elsewhere. OR-ing the mask maps only
// the two cases of each letter onto the lower-case one, so the comparison
// is exact.
type nameKey struct {
	first, last  uint64 // bytes 0-7 (fewer when n < 8) and n-8 to n-1
	foldF, foldL uint64
	mid, foldM   uint64 // bytes 8-15 of names over 16 bytes
	n            uint8
	id           HeaderID
}

func makeNameKeys() *[1 << (64 - nameShift)]nameKey {
	var keys [1 << (64 - nameShift)]nameKey
	for id := HdrVia; id < hdrCount; id++ {
		name := []byte(strings.ToLower(hdrNames[id]))
		fold := make([]byte, len(name)+16)
		for i, c := range name {
			if 'a' <= c && c <= 'z' {
				fold[i] = 'a' - 'A'
			}
		}
		var k nameKey
		k.id, k.n = id, uint8(len(name))
		k.first, k.last = nameWords(name)
		k.foldF, k.foldL = nameWords(fold[:len(name)])
		if len(name) > 16 {
			k.mid, k.foldM = le64(name[8:]), le64(fold[8:])
		}
		keys[nameHash(k.first|caseBits, k.last|caseBits, len(name))] = k
	}
	return &keys
}

// nameWords returns the first and last words of a name of 2 to maxNameLen
// bytes; a name shorter than eight bytes is one zero-padded word.
func nameWords(name []byte) (first, last uint64) {
	if len(name) >= 8 {
		return le64(name), le64(name[len(name)-8:])
	}
	var w [8]byte
	copy(w[:], name)
	return le64(w[:]), le64(w[:])
}

func nameHash(first, last uint64, n int) uint8 {
	return uint8(((first ^ last>>7 ^ uint64(n)) * nameMul) >> nameShift)
}

// LookupHeader maps a header name in any case, long or compact form, to its
// ID; unknown names give HdrOther. It does not allocate. A known ID implies
// the name is a token.
func LookupHeader(name []byte) HeaderID {
	switch n := len(name); {
	case n == 1:
		return compactIDs[lower(name[0])]
	case n < 2 || n > maxNameLen:
		return HdrOther
	}
	first, last := nameWords(name)
	return lookupWords(name, first, last)
}

// lookupName is LookupHeader for the name buf[i:j] of a header line. It
// reads the name's words straight from buf, which holds the rest of the
// line after the name, when eight bytes follow i.
func lookupName(buf []byte, i, j int) HeaderID {
	n := j - i
	if n < 2 || n > maxNameLen || i+8 > len(buf) {
		return LookupHeader(buf[i:j])
	}
	first := le64(buf[i:])
	last := first
	if n < 8 {
		first &= lowBytes[n%8]
		last = first
	} else {
		last = le64(buf[j-8:])
	}
	return lookupWords(buf[i:j], first, last)
}

// lookupShort is LookupHeader for a long name of n bytes, 2 <= n <= 16,
// given as its first and last eight bytes (the same word, zero-padded,
// when n < 8). It is small enough to inline into the header loop.
func lookupShort(first, last uint64, n int) HeaderID {
	k := &nameKeys[nameHash(first|caseBits, last|caseBits, n)]
	if int(k.n) == n && first|k.foldF == k.first && last|k.foldL == k.last {
		return k.id
	}
	return HdrOther
}

// lowBytes[n] keeps the low n bytes of a word.
var lowBytes = [8]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff,
	0xffffffffffff, 0xffffffffffffff}

// lookupWords finds the long name with the given first and last words; the
// name itself is read only for the middle word of names over 16 bytes.
func lookupWords(name []byte, first, last uint64) HeaderID {
	n := len(name)
	k := &nameKeys[nameHash(first|caseBits, last|caseBits, n)]
	if int(k.n) != n || first|k.foldF != k.first || last|k.foldL != k.last {
		return HdrOther
	}
	if n > 16 && le64(name[8:])|k.foldM != k.mid {
		return HdrOther
	}
	return k.id
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// String returns the canonical long name, such as "Call-ID",
// "WWW-Authenticate" or "Key-Distribution"; "" for HdrOther and unknown IDs.
func (h HeaderID) String() string {
	if h < hdrCount {
		return hdrNames[h]
	}
	return ""
}
