package softswitch

// A minimal user agent server so that calls through the proxy complete (the
// words of PROTOCOL.md §13 ride on them): INVITE gets 200 with a To tag and
// the softswitch's Contact, BYE gets 200, ACK is counted. No media, no
// dialog state: the softswitch is the far end of every call.
//
// Limitation: it keeps no dialogs, so a BYE or re-INVITE for a call it never
// answered gets 200 too, and CANCEL is answered 405 like other methods.

// invite answers an INVITE with 200 OK.
func (s *Server) invite(req *request) []byte {
	s.stats.invites.Add(1)
	return newResponse(200).add("Contact", "<sip:softswitch@"+s.Addr().String()+">").build(req)
}

// bye answers a BYE with 200 OK.
func (s *Server) bye(req *request) []byte {
	s.stats.byes.Add(1)
	return newResponse(200).build(req)
}
