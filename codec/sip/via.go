package sip

// Via is one via-parm (RFC 3261 §20.42) with the RFC 3581 rport and RFC 5118
// IPv6 forms. Its fields are views into the parsed element.
type Via struct {
	Transport []byte // "UDP", "TCP", ... as written
	Host      []byte // sent-by host; an IPv6 reference keeps its brackets
	Port      int    // 0 when absent
	Branch    []byte // nil when absent
	Received  []byte // as written, brackets kept; nil when absent
	RPort     int    // rport value; 0 when absent or empty
	HasRPort  bool   // rport present, with or without a value
	Params    []byte // from the first ';' (included) to the end
}

// ParseVia parses one via-parm: SIP/2.0/transport, sent-by and parameters,
// with LWS allowed around '/', ':', ';' and '='. It checks that the
// protocol is SIP/2.0, the host (IPv6 references included) and port, that
// every parameter is well formed (no empty ";;"), that branch has a value,
// that received is an IP address and rport empty or a port number.
// Malformed input gives ErrBadVia, more than MaxParams parameters
// ErrTooManyParams. It does not allocate.
func ParseVia(elem []byte) (Via, error) {
	var v Via
	err := parseVia(elem, &v)
	return v, err
}

// parseVia is ParseVia filling v, which is left zero on error; Parse
// fills the message's top Via in place with it.
func parseVia(elem []byte, v *Via) error {
	if err := readVia(elem, v); err != nil {
		*v = Via{}
		return err
	}
	return nil
}

// readVia is parseVia without clearing v on error.
func readVia(elem []byte, v *Via) error {
	i, ok := sentProtocol(elem, v)
	if !ok {
		return ErrBadVia
	}
	j := skipLWS(elem, i)
	if j == i {
		return ErrBadVia
	}
	host, port, k, ok := hostPort(elem, j, true)
	if !ok {
		return ErrBadVia
	}
	v.Host, v.Port = host, port
	k = skipLWS(elem, k)
	if k == len(elem) {
		return nil
	}
	if elem[k] != ';' {
		return ErrBadVia
	}
	v.Params = elem[k:]
	return viaParams(elem, k, v)
}

// sentProtocol reads "SIP" SLASH "2.0" SLASH transport (SLASH = SWS "/" SWS)
// and returns the index after the transport.
func sentProtocol(b []byte, v *Via) (int, bool) {
	// Fast path: "SIP/2.0/" in any case, compared as one word.
	if len(b) > 8 && le64(b)|sipFold == sipWord {
		return transport(b, skipLWS(b, 8), v)
	}
	i := skipLWS(b, 0)
	j := skipClass(b, i, cToken)
	if !eqLower(b[i:j], "sip") {
		return 0, false
	}
	if j = slash(b, j); j < 0 {
		return 0, false
	}
	k := skipClass(b, j, cToken)
	if string(b[j:k]) != "2.0" {
		return 0, false
	}
	if k = slash(b, k); k < 0 {
		return 0, false
	}
	return transport(b, k, v)
}

// transport reads the transport token at b[k].
func transport(b []byte, k int, v *Via) (int, bool) {
	t := skipClass(b, k, cToken)
	if t == k {
		return 0, false
	}
	v.Transport = b[k:t]
	return t, true
}

// sipWord is "sip/2.0/" as a little-endian word; sipFold has the case bit
// of its three letters.
const (
	sipWord = 0x2f302e322f706973
	sipFold = 0x0000000000202020
)

// slash skips SWS "/" SWS at b[i] and returns the index after it, or -1.
func slash(b []byte, i int) int {
	i = skipLWS(b, i)
	if i == len(b) || b[i] != '/' {
		return -1
	}
	return skipLWS(b, i+1)
}

// viaParams checks the via-params from the ';' at b[i] and fills branch,
// received and rport.
func viaParams(b []byte, i int, v *Via) error {
	for n := 0; i < len(b); n++ {
		if b[i] != ';' {
			return ErrBadVia
		}
		if n == MaxParams {
			return ErrTooManyParams
		}
		p, next := nextParam(b, i)
		if checkParam(p) != nil {
			return ErrBadVia
		}
		if err := viaParam(b, p, v); err != nil {
			return err
		}
		i = next
	}
	return nil
}

// viaParam checks one via-param and records branch, received and rport;
// the first occurrence of each counts.
func viaParam(b []byte, p param, v *Via) error {
	name, value := p.name.of(b), p.val(b)
	switch {
	case eqLower(name, "branch"):
		if !p.is(pEq) || !p.is(pToken) {
			return ErrBadVia
		}
		if v.Branch == nil {
			v.Branch = value
		}
	case eqLower(name, "received"):
		if !p.is(pEq) || !validIPAddr(value) {
			return ErrBadVia
		}
		if v.Received == nil {
			v.Received = value
		}
	case eqLower(name, "rport"):
		return viaRPort(value, v)
	}
	return nil
}

// viaRPort reads response-port = "rport" [EQUAL 1*DIGIT] (RFC 3581 §3);
// value is nil without '='.
func viaRPort(value []byte, v *Via) error {
	if v.HasRPort {
		return nil
	}
	v.HasRPort = true
	if value == nil {
		return nil
	}
	n, end, ok := parseUint(value, 0, maxPort)
	if !ok || end != len(value) {
		return ErrBadVia
	}
	v.RPort = int(n)
	return nil
}
