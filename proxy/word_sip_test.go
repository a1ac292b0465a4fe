package proxy

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

const aliceAOR = "sip:alice@sigproxy.test"

// inviteFrom is an INVITE from alice's terminal as it reaches the proxy.
func inviteFrom(cseq int, extra string) string {
	return "INVITE sip:bob@sigproxy.test SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.i" + fmt.Sprint(cseq) + ";rport\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:alice@sigproxy.test>;tag=fi1\r\n" +
		"To: <sip:bob@sigproxy.test>\r\n" +
		"Call-ID: call1@127.0.0.1\r\n" +
		"CSeq: " + fmt.Sprint(cseq) + " INVITE\r\n" +
		"Contact: <sip:alice@127.0.0.1:40001>\r\n" + extra +
		"Content-Type: application/sdp\r\n" +
		"Content-Length: 10\r\n\r\nv=0\r\no=a\r\n"
}

// wordFor computes the word of pkt as a terminal would, with the reference
// codec input and the keystore tag.
func wordFor(t testing.TB, sk []byte, mech skd.Mechanism, dir string, seq uint32, pkt string) []byte {
	t.Helper()
	var m sip.Message
	if err := m.Parse([]byte(pkt)); err != nil {
		t.Fatalf("cannot word a message that does not parse: %v", err)
	}
	in, err := sip.AppendWordInput(nil, &m, dir, seq, []byte(aliceAOR))
	if err != nil {
		t.Fatal(err)
	}
	tag, err := skd.NewMACer().Word(nil, mech, sk, in)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

// withWord inserts a Verification-Word line before Content-Type.
func withWord(pkt string, seq uint32, tag []byte) string {
	line := sip.AppendWord(nil, seq, tag)
	return strings.Replace(pkt, "Content-Type:", string(line)+"Content-Type:", 1)
}

// worded returns pkt with its valid t2p word under the rig's key (hmac-sha256,
// the offer's preferred mechanism).
func (r *rig) worded(pkt string, seq uint32) string {
	return r.wordedAs(skd.MechHMACSHA256, pkt, seq)
}

// wordedAs is worded under mech, for a rig whose offer chose mech.
func (r *rig) wordedAs(mech skd.Mechanism, pkt string, seq uint32) string {
	return withWord(pkt, seq, wordFor(r.t, r.sk[:], mech, sip.WordT2P, seq, pkt))
}

// stepRaw runs a datagram and returns what leaves, or nil when dropped.
func (r *rig) stepRaw(pkt string, src netip.AddrPort) ([]byte, netip.AddrPort) {
	res, dst, ok := r.w.Step([]byte(pkt), src, r.out)
	if !ok {
		return nil, dst
	}
	return bytes.Clone(res), dst
}

func registeredRig(t testing.TB) *rig {
	t.Helper()
	r := newRig(t)
	recordRegistration(t, r)
	if s, ok := r.h.sessions.Get([]byte(aliceAOR), r.w.now); !ok || s.Mech != skd.MechHMACSHA256 {
		t.Fatalf("no hmac-sha256 session after registration: %v", ok)
	}
	return r
}

func TestWordedInviteRelayedAnd200Worded(t *testing.T) {
	r := registeredRig(t)
	fwd, dst := r.step(r.worded(inviteFrom(1, ""), 1), testTerminal)
	if dst != testSoftswitch || !fwd.IsRequest() {
		t.Fatalf("worded INVITE went to %v", dst)
	}
	if _, n := fwd.Word(); n != 0 {
		t.Fatal("the t2p word was relayed to the softswitch")
	}
	for want := uint32(1); want <= 2; want++ {
		resp, dst := r.step(answer(fwd, "200 OK", "Contact: <sip:bob@127.0.0.1:40002>\r\n"),
			testSoftswitch)
		if dst != testTerminal {
			t.Fatalf("200 went to %v", dst)
		}
		checkP2T(t, r, resp, want)
	}
	// A provisional or an error response carries no word.
	for _, st := range []string{"180 Ringing", "486 Busy Here"} {
		resp, _ := r.step(answer(fwd, st, ""), testSoftswitch)
		if _, n := resp.Word(); n != 0 {
			t.Fatalf("%s carries a word", st)
		}
	}
}

// checkP2T verifies the p2t word of a forwarded response as the terminal does.
func checkP2T(t *testing.T, r *rig, resp *sip.Message, want uint32) {
	t.Helper()
	v, n := resp.Word()
	if n != 1 {
		t.Fatalf("%d words on the forwarded %d", n, resp.StatusCode())
	}
	seq, mac, err := sip.ParseWord(v)
	if err != nil || seq != want {
		t.Fatalf("word %q: seq %d, %v; want seq %d", v, seq, err, want)
	}
	tag, _ := base64.StdEncoding.DecodeString(string(mac))
	in, _ := sip.AppendWordInput(nil, resp, sip.WordP2T, seq, []byte(aliceAOR))
	if !skd.NewMACer().VerifyWord(skd.MechHMACSHA256, r.sk[:], in, tag) {
		t.Fatal("the p2t word does not verify over the message as received")
	}
}

// refusedWith steps pkt from the terminal and expects a 403 naming r.
func (r *rig) refusedWith(pkt string, want Reason) {
	r.t.Helper()
	before := r.h.Stats().Reasons[want.String()]
	resp, dst := r.step(pkt, testTerminal)
	if dst != testTerminal || resp.StatusCode() != 403 {
		r.t.Fatalf("got %d to %v, want 403 to the terminal", resp.StatusCode(), dst)
	}
	warn, _ := resp.Get(sip.LookupHeader([]byte("Warning")))
	name := strings.TrimPrefix(want.String(), "word_")
	if !bytes.Contains(warn, []byte("verification word "+name)) {
		r.t.Fatalf("Warning %q does not name %s", warn, name)
	}
	if got := r.h.Stats().Reasons[want.String()]; got != before+1 {
		r.t.Fatalf("%s counted %d -> %d", want, before, got)
	}
}

func TestWordTamperingDetected(t *testing.T) {
	base := inviteFrom(1, "")
	edits := map[string][2]string{
		"method":      {"INVITE", "MESSAGE"},
		"request-uri": {"INVITE sip:bob@", "INVITE sip:bobby@"},
		"call-id":     {"Call-ID: call1@", "Call-ID: call2@"},
		"cseq number": {"CSeq: 1 INVITE", "CSeq: 2 INVITE"},
		"from tag":    {";tag=fi1", ";tag=fi2"},
		"to tag":      {"To: <sip:bob@sigproxy.test>", "To: <sip:bob@sigproxy.test>;tag=x"},
		"contact":     {"Contact: <sip:alice@127.0.0.1:40001>", "Contact: <sip:eve@10.0.0.1>"},
		"body":        {"o=a\r\n", "o=e\r\n"},
		"seq":         {"seq=5", "seq=6"},
	}
	for name, e := range edits {
		t.Run(name, func(t *testing.T) {
			r := registeredRig(t)
			pkt := r.worded(base, 5)
			tampered := strings.Replace(pkt, e[0], e[1], 1)
			if name == "method" { // the CSeq method must follow
				tampered = strings.ReplaceAll(pkt, e[0], e[1])
			}
			if tampered == pkt {
				t.Fatalf("edit %q not applied", e[0])
			}
			r.refusedWith(tampered, ReasonWordMismatch)
			// The untouched message still passes: nothing was recorded.
			if _, dst := r.step(pkt, testTerminal); dst != testSoftswitch {
				t.Fatal("the genuine message was refused after the forgery")
			}
		})
	}
	// Fields outside the input may change (hop by hop or not covered).
	r := registeredRig(t)
	pkt := strings.Replace(r.worded(base, 1), "Max-Forwards: 70", "Max-Forwards: 69", 1)
	if _, dst := r.step(pkt, testTerminal); dst != testSoftswitch {
		t.Fatal("a change outside the word input was refused")
	}
}

func TestWordMissingMalformedSwitched(t *testing.T) {
	r := registeredRig(t)
	r.refusedWith(inviteFrom(1, ""), ReasonWordMissing)
	good := r.worded(inviteFrom(1, ""), 1)
	ascon := withWord(inviteFrom(1, ""), 1,
		wordFor(t, r.sk[:], skd.MechAscon128aV12, sip.WordT2P, 1, inviteFrom(1, "")))
	for name, pkt := range map[string]string{
		"syntax":   strings.Replace(good, "seq=1,", "seq=01,", 1),
		"two":      strings.Replace(good, "Content-Type:", "Verification-Word: seq=2, mac=\"AA==\"\r\nContent-Type:", 1),
		"not b64":  strings.Replace(good, "mac=\"", "mac=\"=", 1),
		"switched": ascon,
	} {
		t.Run(name, func(t *testing.T) { r.refusedWith(pkt, ReasonWordMalformed) })
	}
	// A word computed for the p2t direction is not a t2p word.
	p2t := withWord(inviteFrom(1, ""), 1,
		wordFor(t, r.sk[:], skd.MechHMACSHA256, sip.WordP2T, 1, inviteFrom(1, "")))
	r.refusedWith(p2t, ReasonWordMismatch)
	if _, dst := r.step(good, testTerminal); dst != testSoftswitch {
		t.Fatal("a good word refused after the bad ones")
	}
}

func TestWordReplayAndWindow(t *testing.T) {
	r := registeredRig(t)
	pass := func(seq uint32) {
		t.Helper()
		if _, dst := r.step(r.worded(inviteFrom(int(seq), ""), seq), testTerminal); dst != testSoftswitch {
			t.Fatalf("seq %d refused", seq)
		}
	}
	pass(2)
	pass(2) // the UDP retransmission of the last request
	pass(1) // reordered within the window
	pass(100)
	r.refusedWith(r.worded(inviteFrom(2, ""), 2), ReasonWordReplayed)   // seen, not the last
	r.refusedWith(r.worded(inviteFrom(30, ""), 30), ReasonWordReplayed) // below the window
	pass(37)                                                            // within it, unseen
	pass(38)
	r.refusedWith(r.worded(inviteFrom(37, ""), 37), ReasonWordReplayed)
	r.refusedWith(r.worded(inviteFrom(1, ""), 1), ReasonWordReplayed)
}

func TestWordedACKDroppedSilently(t *testing.T) {
	r := registeredRig(t)
	ack := strings.Replace(strings.Replace(inviteFrom(1, ""), "INVITE sip:", "ACK sip:", 1),
		"1 INVITE", "1 ACK", 1)
	if res, _ := r.stepRaw(ack, testTerminal); res != nil {
		t.Fatalf("an ACK without a word was answered or relayed: %q", res)
	}
	if r.h.Stats().Reasons["word_missing"] != 1 {
		t.Fatal("the refused ACK was not counted")
	}
	if _, dst := r.step(r.worded(ack, 1), testTerminal); dst != testSoftswitch {
		t.Fatal("a worded ACK was not relayed")
	}
}

func TestWordKeyLifecycle(t *testing.T) {
	r := registeredRig(t)
	oldSK := r.sk
	// A new registration brings a new key: the old key's words are refused
	// and the numbers start again.
	copy(r.sk[:], randBytes(t, skd.SessionKeySize))
	recordRegistration(t, r)
	stale := withWord(inviteFrom(1, ""), 1,
		wordFor(t, oldSK[:], skd.MechHMACSHA256, sip.WordT2P, 1, inviteFrom(1, "")))
	r.refusedWith(stale, ReasonWordMismatch)
	if _, dst := r.step(r.worded(inviteFrom(1, ""), 1), testTerminal); dst != testSoftswitch {
		t.Fatal("the new key's first number refused")
	}
	// De-registration (worded, without Security-Client) ends the key.
	dereg := strings.Replace(register(9, ""), "Expires: 3600", "Expires: 0", 1)
	dereg = strings.Replace(dereg, "Content-Length:", "Content-Type: x/y\r\nContent-Length:", 1)
	fwd, _ := r.step(r.worded(dereg, 2), testTerminal)
	resp, _ := r.step(answer(fwd, "200 OK", "Expires: 0\r\n"), testSoftswitch)
	if _, n := resp.Word(); n != 0 || resp.StatusCode() != 200 {
		t.Fatalf("de-registration 200: %d with %d words", resp.StatusCode(), n)
	}
	if _, ok := r.h.sessions.Get([]byte(aliceAOR), r.w.now); ok {
		t.Fatal("session kept after de-registration")
	}
	// A word under the ended key is refused: no live key vouches for it.
	r.refusedWith(r.worded(inviteFrom(3, ""), 3), ReasonWordMismatch)
	// Without a session and without a word alice is a legacy sender:
	// relayed by default, refused when the operator refuses legacy senders.
	plain := inviteFrom(4, "")
	if _, dst := r.step(plain, testTerminal); dst != testSoftswitch {
		t.Fatal("legacy sender refused by default")
	}
	r.h.cfg.RefuseLegacy = true
	r.refusedWith(plain, ReasonWordMissing)
}

func TestRegisterWithOfferNeedsNoWord(t *testing.T) {
	r := registeredRig(t)
	if _, dst := r.step(r.firstRegister(), testTerminal); dst != testSoftswitch {
		t.Fatal("a new registration from a registered terminal was refused")
	}
	r.h.cfg.RefuseLegacy = true
	r2 := newRig(t)
	r2.h.cfg.RefuseLegacy = true
	if _, dst := r2.step(r2.firstRegister(), testTerminal); dst != testSoftswitch {
		t.Fatal("a first registration was refused with legacy senders refused")
	}
}

func TestForgedP2TWordReplaced(t *testing.T) {
	r := registeredRig(t)
	fwd, _ := r.step(r.worded(inviteFrom(1, ""), 1), testTerminal)
	forged := answer(fwd, "200 OK", "Verification-Word: seq=7, mac=\"AAAA\"\r\n")
	resp, _ := r.step(forged, testSoftswitch)
	checkP2T(t, r, resp, 1)
}

// FuzzStepWord fuzzes the word check and the word addition with alice
// registered: datagrams as from her terminal and as from the softswitch.
// Properties: no panic; no Verification-Word is ever relayed to the
// softswitch; a request from the terminal that names alice in From and is
// relayed carried a word that verifies under her key (or was a registration
// request with Security-Client); a response relayed to the terminal carries
// at most one word, and one that verifies.
func FuzzStepWord(f *testing.F) {
	r := registeredRig(f)
	invite := r.worded(inviteFrom(1, ""), 1)
	fwd, _ := r.step(invite, testTerminal)
	f.Add([]byte(invite), false)
	f.Add([]byte(r.worded(inviteFrom(2, "Contact: <sip:x@h>, <sip:y@h>\r\n"), 2)), false)
	f.Add([]byte(answer(fwd, "200 OK", "Verification-Word: seq=1, mac=\"AA==\"\r\n")), true)
	f.Add([]byte(inviteFrom(3, "Verification-Word: seq=3, mac=\"AA==\"\r\n")), false)
	var in, out sip.Message
	f.Fuzz(func(t *testing.T, pkt []byte, fromSoftswitch bool) {
		src := testTerminal
		if fromSoftswitch {
			src = testSoftswitch
		}
		res, dst, ok := r.w.Step(pkt, src, r.out)
		if !ok || in.Parse(pkt) != nil || out.Parse(res) != nil {
			return
		}
		if _, n := out.Word(); n > 0 && dst == testSoftswitch {
			t.Fatalf("a word was relayed to the softswitch: %q", res)
		}
		if !fromSoftswitch && out.IsRequest() && dst == testSoftswitch {
			checkRelayedHadWord(t, r, &in)
		}
		if !out.IsRequest() && dst == testTerminal && src == testSoftswitch {
			if v, n := out.Word(); n > 1 {
				t.Fatalf("%d words on a response", n)
			} else if n == 1 {
				seq, mac, err := sip.ParseWord(v)
				tag, _ := base64.StdEncoding.DecodeString(string(mac))
				input, _ := sip.AppendWordInput(nil, &out, sip.WordP2T, seq, []byte(aliceAOR))
				if err != nil || !skd.NewMACer().VerifyWord(skd.MechHMACSHA256, r.sk[:], input, tag) {
					t.Fatalf("p2t word does not verify: %q", res)
				}
			}
		}
	})
}

// checkRelayedHadWord fails unless a request relayed from the terminal was a
// registration start, came from someone other than alice, or carried a word
// that verifies under her key.
func checkRelayedHadWord(t *testing.T, r *rig, m *sip.Message) {
	from, _ := m.Get(sip.HdrFrom)
	if string(sip.NameAddrURI(from)) != aliceAOR ||
		(string(m.Method()) == "REGISTER" && m.Index(sip.HdrSecurityClient, 0) >= 0) {
		return
	}
	v, n := m.Word()
	seq, mac, err := sip.ParseWord(v)
	tag, _ := base64.StdEncoding.DecodeString(string(mac))
	input, _ := sip.AppendWordInput(nil, m, sip.WordT2P, seq, []byte(aliceAOR))
	if n != 1 || err != nil || !skd.NewMACer().VerifyWord(skd.MechHMACSHA256, r.sk[:], input, tag) {
		t.Fatalf("a request from alice without a valid word was relayed: %q", m.Bytes())
	}
}

// TestWordCoversExpires: a worded refresh REGISTER cannot be turned into a
// de-registration on the way, since Expires is in the word input.
func TestWordCoversExpires(t *testing.T) {
	r := registeredRig(t)
	refresh := strings.Replace(register(5, ""), "Content-Length:",
		"Content-Type: x/y\r\nContent-Length:", 1)
	pkt := r.worded(refresh, 1)
	r.refusedWith(strings.Replace(pkt, "Expires: 3600", "Expires: 0", 1), ReasonWordMismatch)
	if _, dst := r.step(pkt, testTerminal); dst != testSoftswitch {
		t.Fatal("the genuine refresh was refused")
	}
}

// kaInvite is the INVITE of PROTOCOL.md §13.5, before its word.
const kaInvite = "INVITE sip:bob@sigproxy.test SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.c1;rport\r\n" +
	"Max-Forwards: 70\r\n" +
	"From: <sip:alice@sigproxy.test>;tag=1928301774\r\n" +
	"To: <sip:bob@sigproxy.test>\r\n" +
	"Call-ID: a84b4c76e66710@127.0.0.1\r\n" +
	"CSeq: 1 INVITE\r\n" +
	"Contact: <sip:alice@127.0.0.1:40001>\r\n" +
	"Content-Type: application/sdp\r\n" +
	"Content-Length: 84\r\n\r\n" +
	"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"

// TestWordKnownAnswer checks the example of PROTOCOL.md §13.5, whose values
// were computed with Python's hmac and hashlib from the text of §13: the word
// key, the input's length and the tag, then the proxy's verdict on the
// message the example shows.
func TestWordKnownAnswer(t *testing.T) {
	sk := make([]byte, skd.SessionKeySize)
	for i := range sk {
		sk[i] = byte(i)
	}
	m := skd.NewMACer()
	key, _ := m.WordKey(nil, skd.MechHMACSHA256, sk)
	const wantKey = "73900901dc0a407a5c64124cf8dbd5cc0191a935f50cea0e00a30e8a6c9a70c5"
	if fmt.Sprintf("%x", key) != wantKey {
		t.Fatalf("word key %x, want %s", key, wantKey)
	}
	var msg sip.Message
	if err := msg.Parse([]byte(kaInvite)); err != nil {
		t.Fatal(err)
	}
	in, _ := sip.AppendWordInput(nil, &msg, sip.WordT2P, 1, []byte(aliceAOR))
	tag, _ := m.Word(nil, skd.MechHMACSHA256, sk, in)
	const wantMAC = "0a/5KYZ2mtEtO5PPjFtOEiKmKtqGYk6ZM+CGyym1yBE="
	if got := base64.StdEncoding.EncodeToString(tag); len(in) != 203 || got != wantMAC {
		t.Fatalf("input %d bytes, mac %s; want 203 bytes, %s", len(in), got, wantMAC)
	}
	r := newRig(t)
	copy(r.sk[:], sk)
	recordRegistration(t, r)
	worded := strings.Replace(kaInvite, "Content-Type:",
		"Verification-Word: seq=1, mac=\""+wantMAC+"\"\r\nContent-Type:", 1)
	if _, dst := r.step(worded, testTerminal); dst != testSoftswitch {
		t.Fatal("the example's INVITE was refused")
	}
}

// TestDeregistrationWithoutContact: a registrar's 200 to a removal lists no
// Contact (no binding left) and may name no Expires: the key ends all the
// same, and nothing fails closed.
func TestDeregistrationWithoutContact(t *testing.T) {
	r := registeredRig(t)
	dereg := strings.Replace(register(9, ""), "Expires: 3600", "Expires: 0", 1)
	dereg = strings.Replace(dereg, "Content-Length:", "Content-Type: x/y\r\nContent-Length:", 1)
	fwd, _ := r.step(r.worded(dereg, 1), testTerminal)
	resp, _ := r.step(answer(fwd, "200 OK", ""), testSoftswitch)
	if resp.StatusCode() != 200 {
		t.Fatalf("de-registration answered %d", resp.StatusCode())
	}
	if _, ok := r.h.sessions.Get([]byte(aliceAOR), r.w.now); ok {
		t.Fatal("session kept after a 200 that lists no binding")
	}
}
