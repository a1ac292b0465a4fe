package sip

import (
	"bytes"
	"testing"
)

func TestLookupHeaderLongNames(t *testing.T) {
	for id := HdrVia; id < hdrCount; id++ {
		name := id.String()
		if name == "" {
			t.Fatalf("ID %d has no name", id)
		}
		for _, form := range []string{name, string(bytes.ToLower([]byte(name))),
			string(bytes.ToUpper([]byte(name)))} {
			if got := LookupHeader([]byte(form)); got != id {
				t.Errorf("LookupHeader(%q) = %v, want %v", form, got, id)
			}
		}
	}
}

func TestLookupHeaderCompact(t *testing.T) {
	want := map[byte]HeaderID{
		'a': HdrAcceptContact, 'b': HdrReferredBy, 'c': HdrContentType,
		'd': HdrRequestDisposition, 'e': HdrContentEncoding, 'f': HdrFrom,
		'i': HdrCallID, 'j': HdrRejectContact, 'k': HdrSupported,
		'l': HdrContentLength, 'm': HdrContact, 'n': HdrIdentityInfo,
		'o': HdrEvent, 'r': HdrReferTo, 's': HdrSubject, 't': HdrTo,
		'u': HdrAllowEvents, 'v': HdrVia, 'x': HdrSessionExpires, 'y': HdrIdentity,
	}
	for c := 0; c < 256; c++ {
		w := want[lower(byte(c))]
		if got := LookupHeader([]byte{byte(c)}); got != w {
			t.Errorf("LookupHeader(%q) = %v, want %v", byte(c), got, w)
		}
	}
}

func TestLookupHeaderUnknown(t *testing.T) {
	for _, name := range []string{"", "Z", "g", "Vias", "Vi", "Call-IE", "Contact-",
		"Proxy-Authorizatio", "Proxy-Authorizationn", "Security-Clienu", "C%6Fntact",
		"Request-Dispositiom", "Unknown-LongLongLongLongLongLongLong-Name", "h", "\x00",
		"Contact\x00\x00", "Via\x00", "Vi\x00", "To\x00", "CSeq\x00", "Call\rID", "Call\x0dID",
		"Max\rForwards", "viA ", "Key-Distribution\x00"} {
		if got := LookupHeader([]byte(name)); got != HdrOther {
			t.Errorf("LookupHeader(%q) = %v, want HdrOther", name, got)
		}
	}
}

func TestHeaderIDString(t *testing.T) {
	cases := map[HeaderID]string{
		HdrCallID: "Call-ID", HdrWWWAuthenticate: "WWW-Authenticate",
		HdrKeyDistribution: "Key-Distribution", HdrCSeq: "CSeq",
		HdrSecurityVerify: "Security-Verify", HdrOther: "", hdrCount: "", 255: "",
	}
	for id, want := range cases {
		if got := id.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", id, got, want)
		}
	}
}

// TestHeaderIDOrder pins the contract's numbering: other packages may store
// IDs.
func TestHeaderIDOrder(t *testing.T) {
	if HdrVia != 1 || HdrAccept != 36 || HdrKeyDistribution != 24 || HdrDate != 35 {
		t.Fatalf("IDs moved: Via %d Key-Distribution %d Date %d Accept %d",
			HdrVia, HdrKeyDistribution, HdrDate, HdrAccept)
	}
}

// lookupRef is the obvious lookup: compare with every long name ignoring
// ASCII case.
func lookupRef(name []byte) HeaderID {
	if len(name) == 1 {
		return compactIDs[lower(name[0])]
	}
	for id := HdrVia; id < hdrCount; id++ {
		if eqFold(name, hdrNames[id]) {
			return id
		}
	}
	return HdrOther
}

// TestLookupHeaderExact replaces each byte of each known name with every
// byte value and compares the word-at-a-time lookup with lookupRef: the
// fold mask must not let '\r' pass for '-' or a non-letter for a letter.
func TestLookupHeaderExact(t *testing.T) {
	for id := HdrVia; id < hdrCount; id++ {
		name := []byte(id.String())
		for i := range name {
			orig := name[i]
			for c := 0; c < 256; c++ {
				name[i] = byte(c)
				if got, want := LookupHeader(name), lookupRef(name); got != want {
					t.Fatalf("LookupHeader(%q) = %v, want %v", name, got, want)
				}
			}
			name[i] = orig
		}
	}
}
