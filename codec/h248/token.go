package h248

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

// tokenTable maps a hash of a lower-cased name to the tokens that may have
// it, open-addressed with linear probing. 512 slots for 185 names keep the
// probes short.
var tokenTable = makeTokenTable()

const tokenSlots = 512

func tokenHash(b []byte) uint {
	n := uint(len(b))
	h := n*131 + uint(lower(b[0]))*31 + uint(lower(b[n-1]))*7
	if n > 2 {
		h += uint(lower(b[n/2])) * 17
	}
	return h % tokenSlots
}

func makeTokenTable() (t [tokenSlots]Token) {
	for tok := TokAdd; tok < tokCount; tok++ {
		for _, s := range tokenNames[tok] {
			if s == "" {
				continue
			}
			h := tokenHash([]byte(s))
			for t[h] != TokNone {
				h = (h + 1) % tokenSlots
			}
			t[h] = tok
		}
	}
	return t
}

// LookupToken returns the token that b spells in long or short form,
// ignoring case; TokNone when b is no keyword.
func LookupToken(b []byte) Token {
	if len(b) == 0 || len(b) > longestToken {
		return TokNone
	}
	for h := tokenHash(b); ; h = (h + 1) % tokenSlots {
		tok := tokenTable[h]
		if tok == TokNone {
			return TokNone
		}
		if names := &tokenNames[tok]; eqFold(b, names[0]) || eqFold(b, names[1]) {
			return tok
		}
	}
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
