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

// nameHash maps a lower-case long name to a slot of nameSlots. The length,
// first and last byte tell all known names apart, and these multipliers
// spread them without collisions over 128 slots. TestLookupHeaderLongNames
// looks up every name, so a new name that collides fails it.
func nameHash(n int, first, last byte) uint8 {
	return uint8((n*20 + int(first) + int(last)*42) & 127)
}

// nameSlots holds at most one candidate ID per hash; names holds each
// long name in lower case with a mask of the bits that case may flip, to
// confirm the candidate. Both are small arrays, so a lookup touches few
// cache lines.
var nameSlots, names = makeNameSlots()

// foldName is a long name in lower case and its fold mask: 0x20 where the
// name has a letter, 0 elsewhere.
type foldName struct {
	n     int
	lower [maxNameLen]byte
	fold  [maxNameLen]byte
}

func makeNameSlots() (slots [128]HeaderID, t [hdrCount]foldName) {
	for id := HdrVia; id < hdrCount; id++ {
		n := strings.ToLower(hdrNames[id])
		t[id].n = len(n)
		copy(t[id].lower[:], n)
		for i := 0; i < len(n); i++ {
			if 'a' <= n[i] && n[i] <= 'z' {
				t[id].fold[i] = 'a' - 'A'
			}
		}
		slots[nameHash(len(n), n[0], n[len(n)-1])] = id
	}
	return slots, t
}

// LookupHeader maps a header name in any case, long or compact form, to its
// ID; unknown names give HdrOther. It does not allocate. A known ID implies
// the name is a token.
func LookupHeader(name []byte) HeaderID {
	switch {
	case len(name) == 1:
		return compactIDs[lower(name[0])]
	case len(name) == 0 || len(name) > maxNameLen:
		return HdrOther
	}
	id := nameSlots[nameHash(len(name), lower(name[0]), lower(name[len(name)-1]))]
	if id != HdrOther && names[id].equal(name) {
		return id
	}
	return HdrOther
}

// equal reports whether b is the name in any case. OR-ing the fold mask
// maps only the two cases of each letter onto the lower-case letter, so the
// comparison is exact; it runs a word at a time.
func (f *foldName) equal(b []byte) bool {
	n, w, m := len(b), f.lower[:], f.fold[:]
	switch {
	case n != f.n:
		return false
	case n >= 8:
		for i := 0; i < n-8; i += 8 {
			if le64(b[i:])|le64(m[i:]) != le64(w[i:]) {
				return false
			}
		}
		return le64(b[n-8:])|le64(m[n-8:]) == le64(w[n-8:])
	case n >= 4:
		return le32(b)|le32(m) == le32(w) && le32(b[n-4:])|le32(m[n-4:]) == le32(w[n-4:])
	}
	for i := range n {
		if b[i]|m[i] != w[i] {
			return false
		}
	}
	return true
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// String returns the canonical long name, such as "Call-ID",
// "WWW-Authenticate" or "Key-Distribution"; "" for HdrOther and unknown IDs.
func (h HeaderID) String() string {
	if h < hdrCount {
		return hdrNames[h]
	}
	return ""
}
