package h248

import "encoding/binary"

// Token is the canonical identity of a keyword of RFC 3525 B.2, whichever of
// its long or short forms was written and in whatever case ("Modify", "MF"
// and "modify" are all TokModify). TokNone marks a name that is no keyword,
// such as a package-qualified name (al/of) or a TerminationID.
type Token uint8

// The keywords of RFC 3525 B.2, each with its long and short form. The
// syntax is context-dependent (B.2 note 2): "A" is TokAdd wherever it is
// written as a name, and it is up to the caller to read it in context.
const (
	TokNone                 Token = iota
	TokAdd                        // Add, A
	TokAudit                      // Audit, AT
	TokAuditCapability            // AuditCapability, AC
	TokAuditValue                 // AuditValue, AV
	TokAuthentication             // Authentication, AU
	TokBothway                    // Bothway, BW
	TokBrief                      // Brief, BR
	TokBuffer                     // Buffer, BF
	TokContext                    // Context, C
	TokContextAudit               // ContextAudit, CA
	TokDigitMap                   // DigitMap, DM
	TokDisconnected               // Disconnected, DC
	TokDelay                      // Delay, DL
	TokDuration                   // Duration, DR
	TokEmbed                      // Embed, EM
	TokEmergency                  // Emergency, EG
	TokError                      // Error, ER
	TokEventBuffer                // EventBuffer, EB
	TokEvents                     // Events, E
	TokFailover                   // Failover, FL
	TokForced                     // Forced, FO
	TokGraceful                   // Graceful, GR
	TokH221                       // H221
	TokH223                       // H223
	TokH226                       // H226
	TokHandOff                    // HandOff, HO
	TokImmAckRequired             // ImmAckRequired, IA
	TokInactive                   // Inactive, IN
	TokIsolate                    // Isolate, IS
	TokInService                  // InService, IV
	TokIntByEvent                 // IntByEvent, IBE
	TokIntBySigDescr              // IntBySigDescr, IBS
	TokKeepActive                 // KeepActive, KA
	TokLocal                      // Local, L
	TokLocalControl               // LocalControl, O
	TokLockStep                   // LockStep, SP
	TokLoopback                   // Loopback, LB
	TokMedia                      // Media, M
	TokMegaco                     // MEGACO, !
	TokMethod                     // Method, MT
	TokMgcIDToTry                 // MgcIdToTry, MG
	TokMode                       // Mode, MO
	TokModify                     // Modify, MF
	TokModem                      // Modem, MD
	TokMove                       // Move, MV
	TokMTP                        // MTP
	TokMux                        // Mux, MX
	TokNotify                     // Notify, N
	TokNotifyCompletion           // NotifyCompletion, NC
	TokObservedEvents             // ObservedEvents, OE
	TokOneway                     // Oneway, OW
	TokOnOff                      // OnOff, OO
	TokOtherReason                // OtherReason, OR
	TokOutOfService               // OutOfService, OS
	TokPackages                   // Packages, PG
	TokPending                    // Pending, PN
	TokPriority                   // Priority, PR
	TokProfile                    // Profile, PF
	TokReason                     // Reason, RE
	TokReceiveOnly                // ReceiveOnly, RC
	TokReply                      // Reply, P
	TokRestart                    // Restart, RS
	TokRemote                     // Remote, R
	TokReservedGroup              // ReservedGroup, RG
	TokReservedValue              // ReservedValue, RV
	TokSendOnly                   // SendOnly, SO
	TokSendReceive                // SendReceive, SR
	TokServices                   // Services, SV
	TokServiceStates              // ServiceStates, SI
	TokServiceChange              // ServiceChange, SC
	TokServiceChangeAddress       // ServiceChangeAddress, AD
	TokSignalList                 // SignalList, SL
	TokSignals                    // Signals, SG
	TokSignalType                 // SignalType, SY
	TokStatistics                 // Statistics, SA
	TokStream                     // Stream, ST
	TokSubtract                   // Subtract, S
	TokSynchISDN                  // SynchISDN, SN
	TokTerminationState           // TerminationState, TS
	TokTest                       // Test, TE
	TokTimeOut                    // TimeOut, TO
	TokTopology                   // Topology, TP
	TokTransaction                // Transaction, T
	TokResponseAck                // TransactionResponseAck, K
	TokV18                        // V18
	TokV22                        // V22
	TokV22bis                     // V22b
	TokV32                        // V32
	TokV32bis                     // V32b
	TokV34                        // V34
	TokV76                        // V76
	TokV90                        // V90
	TokV91                        // V91
	TokVersion                    // Version, V
	tokCount
)

// tokenNames holds the long and short form of each token; short is empty
// where the grammar defines none.
var tokenNames = [tokCount][2]string{
	TokNone:                 {"", ""},
	TokAdd:                  {"Add", "A"},
	TokAudit:                {"Audit", "AT"},
	TokAuditCapability:      {"AuditCapability", "AC"},
	TokAuditValue:           {"AuditValue", "AV"},
	TokAuthentication:       {"Authentication", "AU"},
	TokBothway:              {"Bothway", "BW"},
	TokBrief:                {"Brief", "BR"},
	TokBuffer:               {"Buffer", "BF"},
	TokContext:              {"Context", "C"},
	TokContextAudit:         {"ContextAudit", "CA"},
	TokDigitMap:             {"DigitMap", "DM"},
	TokDisconnected:         {"Disconnected", "DC"},
	TokDelay:                {"Delay", "DL"},
	TokDuration:             {"Duration", "DR"},
	TokEmbed:                {"Embed", "EM"},
	TokEmergency:            {"Emergency", "EG"},
	TokError:                {"Error", "ER"},
	TokEventBuffer:          {"EventBuffer", "EB"},
	TokEvents:               {"Events", "E"},
	TokFailover:             {"Failover", "FL"},
	TokForced:               {"Forced", "FO"},
	TokGraceful:             {"Graceful", "GR"},
	TokH221:                 {"H221", ""},
	TokH223:                 {"H223", ""},
	TokH226:                 {"H226", ""},
	TokHandOff:              {"HandOff", "HO"},
	TokImmAckRequired:       {"ImmAckRequired", "IA"},
	TokInactive:             {"Inactive", "IN"},
	TokIsolate:              {"Isolate", "IS"},
	TokInService:            {"InService", "IV"},
	TokIntByEvent:           {"IntByEvent", "IBE"},
	TokIntBySigDescr:        {"IntBySigDescr", "IBS"},
	TokKeepActive:           {"KeepActive", "KA"},
	TokLocal:                {"Local", "L"},
	TokLocalControl:         {"LocalControl", "O"},
	TokLockStep:             {"LockStep", "SP"},
	TokLoopback:             {"Loopback", "LB"},
	TokMedia:                {"Media", "M"},
	TokMegaco:               {"MEGACO", "!"},
	TokMethod:               {"Method", "MT"},
	TokMgcIDToTry:           {"MgcIdToTry", "MG"},
	TokMode:                 {"Mode", "MO"},
	TokModify:               {"Modify", "MF"},
	TokModem:                {"Modem", "MD"},
	TokMove:                 {"Move", "MV"},
	TokMTP:                  {"MTP", ""},
	TokMux:                  {"Mux", "MX"},
	TokNotify:               {"Notify", "N"},
	TokNotifyCompletion:     {"NotifyCompletion", "NC"},
	TokObservedEvents:       {"ObservedEvents", "OE"},
	TokOneway:               {"Oneway", "OW"},
	TokOnOff:                {"OnOff", "OO"},
	TokOtherReason:          {"OtherReason", "OR"},
	TokOutOfService:         {"OutOfService", "OS"},
	TokPackages:             {"Packages", "PG"},
	TokPending:              {"Pending", "PN"},
	TokPriority:             {"Priority", "PR"},
	TokProfile:              {"Profile", "PF"},
	TokReason:               {"Reason", "RE"},
	TokReceiveOnly:          {"ReceiveOnly", "RC"},
	TokReply:                {"Reply", "P"},
	TokRestart:              {"Restart", "RS"},
	TokRemote:               {"Remote", "R"},
	TokReservedGroup:        {"ReservedGroup", "RG"},
	TokReservedValue:        {"ReservedValue", "RV"},
	TokSendOnly:             {"SendOnly", "SO"},
	TokSendReceive:          {"SendReceive", "SR"},
	TokServices:             {"Services", "SV"},
	TokServiceStates:        {"ServiceStates", "SI"},
	TokServiceChange:        {"ServiceChange", "SC"},
	TokServiceChangeAddress: {"ServiceChangeAddress", "AD"},
	TokSignalList:           {"SignalList", "SL"},
	TokSignals:              {"Signals", "SG"},
	TokSignalType:           {"SignalType", "SY"},
	TokStatistics:           {"Statistics", "SA"},
	TokStream:               {"Stream", "ST"},
	TokSubtract:             {"Subtract", "S"},
	TokSynchISDN:            {"SynchISDN", "SN"},
	TokTerminationState:     {"TerminationState", "TS"},
	TokTest:                 {"Test", "TE"},
	TokTimeOut:              {"TimeOut", "TO"},
	TokTopology:             {"Topology", "TP"},
	TokTransaction:          {"Transaction", "T"},
	TokResponseAck:          {"TransactionResponseAck", "K"},
	TokV18:                  {"V18", ""},
	TokV22:                  {"V22", ""},
	TokV22bis:               {"V22b", ""},
	TokV32:                  {"V32", ""},
	TokV32bis:               {"V32b", ""},
	TokV34:                  {"V34", ""},
	TokV76:                  {"V76", ""},
	TokV90:                  {"V90", ""},
	TokV91:                  {"V91", ""},
	TokVersion:              {"Version", "V"},
}

// String returns the token's long form as RFC 3525 B.2 spells it; "" for
// TokNone and unknown values.
func (t Token) String() string {
	if t >= tokCount {
		return ""
	}
	return tokenNames[t][0]
}

// Short returns the token's short form ("MF" for TokModify); the long form
// where the grammar defines no short one.
func (t Token) Short() string {
	if t >= tokCount {
		return ""
	}
	if s := tokenNames[t][1]; s != "" {
		return s
	}
	return tokenNames[t][0]
}

// longestToken is the length of "TransactionResponseAck"; longer names are
// no keyword and skip the lookup.
const longestToken = 22

// The keyword table is a perfect hash: a name's first two words (nameWord,
// lower-cased) and its length hash to one of tokenBuckets bytes, which
// holds the index of the only spelling that may have that hash (0: none).
// A lookup costs two multiplications and one comparison of the name's
// words with that spelling's, with no probing. makeTokenTable searches for
// a multiplier that gives the 185 spellings distinct buckets when the
// package is initialised; the search is deterministic.
var tokenIndex, tokenSlots, tokenMul = makeTokenTable()

const (
	tokenBuckets = 4096
	tokenShift   = 64 - 12 // log2(tokenBuckets) top bits of the product
	tokenSpells  = 256     // a uint8 index needs no bounds check
)

type tokenSlot struct {
	w   [3]uint64 // the name in words of eight bytes, zero-padded (nameWord)
	n   uint8     // the name's length; 0 in the empty slot 0
	tok Token
}

func makeTokenTable() (idx [tokenBuckets]uint8, slots [tokenSpells]tokenSlot, mul uint64) {
	n := 1 // slot 0 stays empty
	for tok := TokAdd; tok < tokCount; tok++ {
		for _, s := range tokenNames[tok] {
			if s == "" || s == "!" {
				continue
			}
			b := []byte(s)
			slot := tokenSlot{n: uint8(len(b)), tok: tok}
			for k := 0; k < len(b); k += 8 {
				slot.w[k/8] = nameWord(b, k, len(b))
			}
			slots[n] = slot
			n++
		}
	}
	if n > 255 {
		panic("h248: too many keyword spellings for a byte index")
	}
	for try := uint64(1); try < 1<<16; try++ {
		mul = 0x9E3779B97F4A7C15 * (2*try + 1)
		idx = [tokenBuckets]uint8{}
		ok := true
		for k := 1; k < n && ok; k++ {
			s := &slots[k]
			h := tokenHash(s.w[0], s.w[1], int(s.n), mul)
			ok = idx[h] == 0
			idx[h] = uint8(k)
		}
		if ok {
			return idx, slots, mul
		}
	}
	panic("h248: no perfect hash for the keywords")
}

// nameWord returns the bytes b[i:j], at most eight, as a little-endian
// word with bit 5 of each byte set. For the bytes a name may hold (class
// cName) that folds letters to lower case and maps no other byte onto a
// letter or digit, so words compare as the names would without regard to
// case.
func nameWord(b []byte, i, j int) uint64 {
	n := min(j-i, 8)
	var w uint64
	if i+8 <= len(b) {
		w = binary.LittleEndian.Uint64(b[i:])
	} else {
		for k := i + n - 1; k >= i; k-- {
			w = w<<8 | uint64(b[k])
		}
	}
	mask := ^uint64(0) >> (64 - 8*uint(n))
	return (w | 0x2020202020202020) & mask
}

func tokenHash(w0, w1 uint64, n int, mul uint64) uint {
	return uint(((w0^uint64(n))*mul + w1*0xC2B2AE3D27D4EB4F) >> tokenShift)
}

// lookupName returns the token spelled by the name b[i:j], whose bytes are
// all in class cName; TokNone when it is no keyword.
func lookupName(b []byte, i, j int) Token {
	n := j - i
	if uint(n-1) >= longestToken {
		return TokNone
	}
	w0 := nameWord(b, i, j)
	var w1 uint64
	if n > 8 {
		w1 = nameWord(b, i+8, j)
	}
	s := &tokenSlots[tokenIndex[tokenHash(w0, w1, n, tokenMul)]]
	if s.w[0] != w0 || s.w[1] != w1 || int(s.n) != n ||
		n > 16 && s.w[2] != nameWord(b, i+16, j) {
		return TokNone
	}
	return s.tok
}

// LookupToken returns the token that b spells in long or short form,
// ignoring case; TokNone when b is no keyword.
func LookupToken(b []byte) Token {
	if len(b) == 1 && b[0] == '!' {
		return TokMegaco
	}
	if !allClass(b, cName) {
		return TokNone
	}
	return lookupName(b, 0, len(b))
}

// isCommand reports whether t names a command (RFC 3525 B.2 commandRequest,
// commandReplys).
func isCommand(t Token) bool {
	switch t {
	case TokAdd, TokModify, TokMove, TokSubtract, TokAuditValue, TokAuditCapability,
		TokNotify, TokServiceChange:
		return true
	}
	return false
}

// isDescriptor reports whether t names a descriptor (RFC 3525 B.2
// ammParameter, auditReturnParameter, mediaParm, streamParm, contextProperty
// and the descriptors nested in events).
func isDescriptor(t Token) bool {
	switch t {
	case TokMedia, TokModem, TokMux, TokEvents, TokSignals, TokDigitMap, TokEventBuffer,
		TokAudit, TokObservedEvents, TokStatistics, TokPackages, TokServices, TokTopology,
		TokContextAudit, TokStream, TokLocalControl, TokLocal, TokRemote,
		TokTerminationState, TokEmbed, TokSignalList, TokError:
		return true
	}
	return false
}

// isCommandChild reports whether t may stand directly in a command's braces
// (RFC 3525 B.2 ammParameter, auditDescriptor, auditReturnParameter,
// serviceChangeDescriptor, observedEventsDescriptor, errorDescriptor).
func isCommandChild(t Token) bool {
	switch t {
	case TokMedia, TokModem, TokMux, TokEvents, TokSignals, TokDigitMap, TokEventBuffer,
		TokAudit, TokObservedEvents, TokStatistics, TokPackages, TokServices, TokError:
		return true
	}
	return false
}
