package proxy

import "testing"

// BenchmarkStepMGCP measures the whole MGCP step (parse, registration
// state, edit into the output buffer; for the success also unwrap, MAC and
// session store) per datagram, replayed as retransmissions so each leaves
// the state it found.
func BenchmarkStepMGCP(b *testing.B) {
	wd := newMGCPStepWorld(b, nil)
	r := recordMGCP(b, wd)
	n := wd.net.(*mgcpStepNet)
	for _, c := range []struct {
		name string
		pkt  []byte
		src  string
		side MGCPSide
	}{
		{"RSIP", r.rsip, "gw1", MGCPFromGateway},
		{"ChallengeRQNT", r.challenge, "ca", MGCPFromCallAgent},
		{"NTFY", r.ntfy, "gw1", MGCPFromGateway},
		{"SuccessRQNT", r.success, "ca", MGCPFromCallAgent},
		{"GatewayResponse", r.ack, "gw1", MGCPFromGateway},
		{"CommandByDomain", r.command, "ca", MGCPFromCallAgent},
	} {
		b.Run(c.name, func(b *testing.B) {
			src := mgcpAddrs[c.src]
			b.ReportAllocs()
			b.SetBytes(int64(len(c.pkt)))
			for b.Loop() {
				if _, _, ok := n.w.StepMGCP(c.pkt, src, c.side, n.out); !ok {
					b.Fatal("dropped")
				}
			}
		})
	}
}
