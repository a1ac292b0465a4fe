package sipcompare

import (
	"errors"

	sipgo "github.com/emiago/sipgo/sip"
	"github.com/sigproxy/sigproxy/codec/sip"
)

// view is what the proxy reads from a registration message: the start line,
// the top Via, the dialog identifiers, the first Contact, every security
// mechanism, the digest username and the body.
type view struct {
	method   []byte
	status   int
	branch   []byte
	viaHost  []byte
	viaPort  int
	fromTag  []byte
	toTag    []byte
	callID   []byte
	cseq     uint32
	contact  []byte
	mechs    int
	username []byte
	body     []byte
}

var errNoVia = errors.New("no top via")

// proxyView parses msg with codec/sip and fills v as the proxy would.
func proxyView(m *sip.Message, msg []byte, v *view) error {
	if err := m.Parse(msg); err != nil {
		return err
	}
	v.method, v.status = m.Method(), m.StatusCode()
	tv := m.TopVia()
	v.branch, v.viaHost, v.viaPort = tv.Branch, tv.Host, tv.Port
	v.fromTag, v.toTag = m.FromTag(), m.ToTag()
	v.callID, _ = m.Get(sip.HdrCallID)
	v.cseq, _ = m.CSeq()
	contact, _ := m.Get(sip.HdrContact)
	first, _ := sip.NextElement(contact, 0)
	v.contact = sip.NameAddrURI(first)
	v.mechs = 0
	for _, id := range [...]sip.HeaderID{sip.HdrSecurityClient, sip.HdrSecurityServer,
		sip.HdrSecurityVerify} {
		it := m.List(id)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			if _, err := sip.ParseMechanism(e); err != nil {
				return err
			}
			v.mechs++
		}
	}
	v.username = nil
	if auth, ok := m.Get(sip.HdrAuthorization); ok {
		v.username, _ = sip.AuthParam(auth, "username")
	}
	v.body = m.Body()
	return nil
}

// fullParse parses msg with codec/sip, visits every header line and
// decodes the common ones: every Via element, the From, To and Contact URIs
// and tags, CSeq, Max-Forwards, Expires, every security mechanism, the
// credentials and challenges, and the option-tag lists.
func fullParse(m *sip.Message, msg []byte) error {
	if err := m.Parse(msg); err != nil {
		return err
	}
	for i := 0; i < m.NumHeaders(); i++ {
		h := m.Header(i)
		if err := decodeHeader(h.ID, h.Value); err != nil {
			return err
		}
	}
	return nil
}

func decodeHeader(id sip.HeaderID, v []byte) error {
	var err error
	switch id {
	case sip.HdrVia:
		err = eachElement(v, func(e []byte) error { _, err := sip.ParseVia(e); return err })
	case sip.HdrFrom, sip.HdrTo, sip.HdrContact, sip.HdrRoute, sip.HdrRecordRoute,
		sip.HdrPath:
		err = eachElement(v, decodeNameAddr)
	case sip.HdrCSeq:
		_, _, err = sip.ParseCSeq(v)
	case sip.HdrMaxForwards:
		_, err = sip.ParseMaxForwards(v)
	case sip.HdrSecurityClient, sip.HdrSecurityServer, sip.HdrSecurityVerify:
		err = eachElement(v, func(e []byte) error { _, err := sip.ParseMechanism(e); return err })
	case sip.HdrAuthorization, sip.HdrProxyAuthorization, sip.HdrWWWAuthenticate,
		sip.HdrProxyAuthenticate:
		err = sip.CheckAuth(v)
	case sip.HdrRequire, sip.HdrProxyRequire, sip.HdrSupported:
		err = eachElement(v, func(e []byte) error {
			if !sip.IsToken(e) {
				return sip.ErrBadParam
			}
			return nil
		})
	case sip.HdrKeyDistribution:
		if _, ok := sip.ListParam(v, "wrap"); !ok {
			err = sip.ErrBadParam
		}
	}
	return err
}

func decodeNameAddr(e []byte) error {
	if len(e) == 1 && e[0] == '*' {
		return nil
	}
	if _, err := sip.ParseURI(sip.NameAddrURI(e)); err != nil {
		return err
	}
	_ = sip.Tag(e)
	return nil
}

func eachElement(v []byte, f func([]byte) error) error {
	for off := 0; off < len(v); {
		var e []byte
		e, off = sip.NextElement(v, off)
		if err := f(e); err != nil {
			return err
		}
	}
	return nil
}

// sipgoView is the proxy view read through sipgo's API.
type sipgoView struct {
	method    string
	status    int
	branch    string
	viaHost   string
	viaPort   int
	fromTag   string
	toTag     string
	callID    string
	cseq      uint32
	contact   *sipgo.Uri
	secClient sipgo.Header
	auth      sipgo.Header
	body      []byte
}

// sipgoProxyView parses msg with sipgo and reads the same fields as
// proxyView. sipgo leaves Security-Client and Authorization as raw strings,
// so reading them costs nothing further.
func sipgoProxyView(p *sipgo.Parser, msg []byte, v *sipgoView) error {
	m, err := p.ParseSIP(msg)
	if err != nil {
		return err
	}
	var hs interface {
		Contact() *sipgo.ContactHeader
		GetHeader(string) sipgo.Header
	}
	switch r := m.(type) {
	case *sipgo.Request:
		v.method, hs = string(r.Method), r
	case *sipgo.Response:
		v.status, hs = r.StatusCode, r
	}
	via := m.Via()
	if via == nil {
		return errNoVia
	}
	v.branch, _ = via.Params.Get("branch")
	v.viaHost, v.viaPort = via.Host, via.Port
	if f := m.From(); f != nil {
		v.fromTag, _ = f.Params.Get("tag")
	}
	if t := m.To(); t != nil {
		v.toTag, _ = t.Params.Get("tag")
	}
	if c := m.CallID(); c != nil {
		v.callID = string(*c)
	}
	if c := m.CSeq(); c != nil {
		v.cseq = c.SeqNo
	}
	if c := hs.Contact(); c != nil {
		v.contact = &c.Address
	}
	v.secClient = hs.GetHeader("security-client")
	v.auth = hs.GetHeader("authorization")
	v.body = m.Body()
	return nil
}
