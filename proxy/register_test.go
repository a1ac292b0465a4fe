package proxy

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/sigproxy/sigproxy/codec/sip"
	"github.com/sigproxy/sigproxy/keystore/skd"
)

func TestFirstRegisterForwarded(t *testing.T) {
	r := newRig(t)
	fwd, dst := r.step(r.firstRegister(), testTerminal)
	if dst != testSoftswitch {
		t.Fatalf("forwarded to %v, want the softswitch", dst)
	}
	if fwd.Count(sip.HdrSecurityClient) != 0 {
		t.Error("Security-Client was not removed")
	}
	for _, id := range []sip.HeaderID{sip.HdrRequire, sip.HdrProxyRequire} {
		if v, ok := fwd.Get(id); ok {
			t.Errorf("%v still present: %q", id, v)
		}
	}
	path, _ := fwd.Get(sip.HdrPath)
	if want := "<sip:sp1@127.0.0.1:5060;lr;wrap=aes128gcm>"; string(path) != want {
		t.Errorf("Path = %q, want %q", path, want)
	}
	top, _ := fwd.Get(sip.HdrVia)
	via, err := sip.ParseVia(top)
	if err != nil || string(via.Host) != "127.0.0.1" || via.Port != 5060 ||
		!strings.HasPrefix(string(via.Branch), branchPrefix) {
		t.Errorf("top Via = %q (%v), want the proxy's", top, err)
	}
	second := fwd.Header(fwd.Index(sip.HdrVia, fwd.Index(sip.HdrVia, 0)+1)).Value
	v2, err := sip.ParseVia(second)
	if err != nil || v2.RPort != 40001 || string(v2.Received) != "127.0.0.1" {
		t.Errorf("terminal Via = %q, want received and rport filled", second)
	}
	if mf, _ := fwd.Get(sip.HdrMaxForwards); string(mf) != "69" {
		t.Errorf("Max-Forwards = %q, want 69", mf)
	}
}

func TestFullRegistration(t *testing.T) {
	for _, tc := range []struct {
		offer, chosen string
		mech          skd.Mechanism
	}{
		{"ascon128a-v12;q=0.5, hmac-sha256;q=0.9", "hmac-sha256;q=0.9", skd.MechHMACSHA256},
		{"hmac-sha256;q=0.1, ascon128a-v12;q=0.7", "ascon128a-v12;q=0.7", skd.MechAscon128aV12},
		{"ipsec-3gpp;q=1, hmac-sha256", "hmac-sha256", skd.MechHMACSHA256},
		{"hmac-sha256;q=0.5, ascon128a-v12;q=0.500", "hmac-sha256;q=0.5", skd.MechHMACSHA256},
	} {
		t.Run(tc.offer, func(t *testing.T) {
			r := newRig(t)
			r.offer = tc.offer
			kd, terminal := r.keyDistribution(tc.mech.Wrap(), testKID)
			resp, dst := r.step(r.flowTo200(kd), testSoftswitch)
			if dst != testTerminal || resp.StatusCode() != 200 {
				t.Fatalf("got %d to %v, want 200 to the terminal", resp.StatusCode(), dst)
			}
			got, _ := resp.Get(sip.HdrKeyDistribution)
			if _, ok := sip.ListParam(got, "proxy"); ok {
				t.Error("the proxy's copy reached the terminal")
			}
			if _, ok := sip.ListParam(got, "kid"); ok {
				t.Error("kid reached the terminal")
			}
			if v, _ := sip.ListParam(got, "terminal"); string(v) != terminal {
				t.Errorf("terminal copy changed: %q", v)
			}
			if !r.verifyMAC(resp, tc.chosen, tc.mech) {
				t.Error("MAC does not verify with SK")
			}
			s, ok := r.h.Session([]byte("sip:alice@sigproxy.test"))
			if !ok || s.Mech != tc.mech || s.SK != r.sk {
				t.Error("session key not stored for the AOR")
			}
			// The finished registration stays for retransmissions.
			if st := r.h.Stats(); st.Registered != 1 || st.Pending != 1 {
				t.Errorf("stats: registered %d pending %d", st.Registered, st.Pending)
			}
		})
	}
}

// failing runs a registration whose 200 carries kd and expects the proxy to
// send 500 Key Distribution Failed counted under reason.
func failing(t *testing.T, r *rig, kd string, reason Reason) {
	t.Helper()
	resp, dst := r.step(r.flowTo200(kd), testSoftswitch)
	if dst != testTerminal || resp.StatusCode() != 500 {
		t.Fatalf("got %d, want 500 to the terminal", resp.StatusCode())
	}
	if resp.Count(sip.HdrKeyDistribution) != 0 {
		t.Error("a failed registration leaked Key-Distribution to the terminal")
	}
	if n := r.h.Stats().Reasons[reason.String()]; n != 1 {
		t.Errorf("reason %v counted %d times, want 1", reason, n)
	}
	if _, ok := r.h.Session([]byte("sip:alice@sigproxy.test")); ok {
		t.Error("a session was stored for a failed registration")
	}
}

func TestKeyDistributionFailsClosed(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		failing(t, newRig(t), "", ReasonKeyDistMissing)
	})
	t.Run("unknown kid", func(t *testing.T) {
		r := newRig(t)
		kd, _ := r.keyDistribution(skd.WrapAES128GCM, "99")
		failing(t, r, kd, ReasonUnknownKID)
	})
	t.Run("wrong proxy key", func(t *testing.T) {
		r := newRig(t)
		r.ksp = randBytes(t, skd.KspSize) // the AC wrapped under another key
		kd, _ := r.keyDistribution(skd.WrapAES128GCM, testKID)
		failing(t, r, kd, ReasonUnwrap)
	})
	t.Run("wrap not the mechanism's", func(t *testing.T) {
		r := newRig(t)
		kd, _ := r.keyDistribution(skd.WrapAscon128aV12, testKID)
		failing(t, r, kd, ReasonKeyDistMalformed)
	})
	t.Run("flipped bit", func(t *testing.T) {
		r := newRig(t)
		kd, _ := r.keyDistribution(skd.WrapAES128GCM, testKID)
		blob, _ := sip.ListParam([]byte(strings.TrimPrefix(kd, "Key-Distribution: ")), "proxy")
		raw, err := base64.StdEncoding.DecodeString(string(blob))
		if err != nil {
			t.Fatal(err)
		}
		raw[20] ^= 0x04
		kd = strings.Replace(kd, string(blob), base64.StdEncoding.EncodeToString(raw), 1)
		failing(t, r, kd, ReasonUnwrap)
	})
	t.Run("not base64", func(t *testing.T) {
		r := newRig(t)
		failing(t, r, "Key-Distribution: terminal=\"AA==\", proxy=\"%%%\", kid=7, wrap=aes128gcm\r\n",
			ReasonKeyDistMalformed)
	})
}

func TestSecurityAgreementChecks(t *testing.T) {
	t.Run("verify mismatch", func(t *testing.T) {
		r := newRig(t)
		fwd1, _ := r.step(r.firstRegister(), testTerminal)
		r.step(answer(fwd1, "401 Unauthorized", challenge()), testSoftswitch)
		resp, dst := r.step(r.secondRegister("ascon128a-v12;q=0.5"), testTerminal)
		if resp.StatusCode() != 494 || dst != testTerminal {
			t.Fatalf("got %d, want 494", resp.StatusCode())
		}
		if r.h.Stats().Reasons[ReasonVerifyMismatch.String()] != 1 {
			t.Error("verify mismatch not counted")
		}
		if w, _ := resp.Get(sip.HdrWarning); string(w) != `399 sigproxy "verify_mismatch"` {
			t.Errorf("494 Warning = %q, want the reason", w)
		}
	})
	t.Run("client list changed", func(t *testing.T) {
		r := newRig(t)
		fwd1, _ := r.step(r.firstRegister(), testTerminal)
		resp401, _ := r.step(answer(fwd1, "401 Unauthorized", challenge()), testSoftswitch)
		server, _ := resp401.Get(sip.HdrSecurityServer)
		r.offer = "hmac-sha256;q=0.9" // an attacker removed an entry
		resp, _ := r.step(r.secondRegister(string(server)), testTerminal)
		if resp.StatusCode() != 494 {
			t.Fatalf("got %d, want 494", resp.StatusCode())
		}
		if r.h.Stats().Reasons[ReasonClientMismatch.String()] != 1 {
			t.Error("client mismatch not counted")
		}
	})
	t.Run("verify without agreement", func(t *testing.T) {
		r := newRig(t)
		resp, _ := r.step(r.secondRegister("hmac-sha256;q=0.9"), testTerminal)
		if resp.StatusCode() != 494 {
			t.Fatalf("got %d, want 494", resp.StatusCode())
		}
	})
	t.Run("nothing supported", func(t *testing.T) {
		r := newRig(t)
		r.offer = "ipsec-3gpp;q=0.9, tls;q=0.5, hmac-sha256;q=1.5"
		resp, dst := r.step(r.firstRegister(), testTerminal)
		if resp.StatusCode() != 494 || dst != testTerminal {
			t.Fatalf("got %d to %v, want 494 to the terminal", resp.StatusCode(), dst)
		}
		list, _ := resp.Get(sip.HdrSecurityServer)
		if string(list) != "hmac-sha256;q=1, ascon128a-v12;q=0.9" {
			t.Errorf("494 Security-Server = %q", list)
		}
		if tag := sip.Tag(mustGet(t, resp, sip.HdrTo)); len(tag) == 0 {
			t.Error("local response without a To tag")
		}
	})
}

func mustGet(t *testing.T, m *sip.Message, id sip.HeaderID) []byte {
	t.Helper()
	v, ok := m.Get(id)
	if !ok {
		t.Fatalf("missing %v", id)
	}
	return v
}

func TestProxyChecks(t *testing.T) {
	r := newRig(t)
	mf0 := strings.Replace(register(1, ""), "Max-Forwards: 70", "Max-Forwards: 0", 1)
	if resp, _ := r.step(mf0, testTerminal); resp.StatusCode() != 483 {
		t.Errorf("Max-Forwards 0: got %d, want 483", resp.StatusCode())
	}
	ext := register(1, "Proxy-Require: sec-agree, foo\r\n")
	resp, _ := r.step(ext, testTerminal)
	if resp.StatusCode() != 420 || !strings.Contains(string(resp.Bytes()), "Unsupported: foo\r\n") {
		t.Errorf("unknown Proxy-Require: got %d, want 420", resp.StatusCode())
	}
	plain, dst := r.step(register(1, ""), testTerminal)
	path, _ := plain.Get(sip.HdrPath)
	if dst != testSoftswitch || string(path) != "<sip:sp1@127.0.0.1:5060;lr>" {
		t.Errorf("plain REGISTER: Path %q to %v", path, dst)
	}
}

func TestForeignResponseDropped(t *testing.T) {
	r := newRig(t)
	resp := "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx\r\n" +
		"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n"
	if _, _, ok := r.w.Step([]byte(resp), testSoftswitch, r.out); ok {
		t.Fatal("a response with another proxy's Via was relayed")
	}
	if r.h.Stats().Reasons[ReasonViaNotOurs.String()] != 1 {
		t.Error("drop not counted")
	}
}

func TestMalformedRequestGets400(t *testing.T) {
	r := newRig(t)
	bad := "REGISTER sip:sigproxy.test SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:40001;branch=z9hG4bK.t1\r\n" +
		"From: <sip:alice@sigproxy.test>;tag=ft1\r\nTo: <sip:alice@sigproxy.test>\r\n" +
		"Call-ID: c1\r\nCSeq: 1 REGISTER\r\nContent-Length: 9999\r\n\r\n"
	resp, dst := r.step(bad, testTerminal)
	if resp.StatusCode() != 400 || dst != testTerminal {
		t.Fatalf("got %d to %v, want 400 to the sender", resp.StatusCode(), dst)
	}
	if w, ok := resp.Get(sip.HdrWarning); !ok || !strings.Contains(string(w), "sigproxy") {
		t.Errorf("400 without a Warning naming the finding: %q", w)
	}
}

func TestRegistrationExpiry(t *testing.T) {
	for _, tc := range []struct {
		headers string
		want    int64
	}{
		{"Contact: <sip:a@h>;expires=60, <sip:a@k>;expires=600\r\nExpires: 30\r\n", 600},
		{"Contact: <sip:a@h>;expires=60\r\nContact: <sip:a@k>;expires=90\r\n", 90},
		{"Contact: <sip:a@h>\r\nExpires: 120\r\n", 120},
		{"Expires: 0\r\n", 0},
		{"", int64(DefaultRegistrationExpiry.Seconds())},
		{"Contact: <sip:a@h>;expires=999999999\r\n", int64(MaxRegistrationExpiry.Seconds())},
		{"Expires: soon\r\n", int64(DefaultRegistrationExpiry.Seconds())},
	} {
		var m sip.Message
		msg := "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n" +
			"To: <sip:a@h>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n" + tc.headers + "\r\n"
		if err := m.Parse([]byte(msg)); err != nil {
			t.Fatalf("%q: %v", tc.headers, err)
		}
		if got := registrationExpiry(&m); got != tc.want {
			t.Errorf("%q: expiry %d, want %d", tc.headers, got, tc.want)
		}
	}
}

func TestOversizeDatagramCounted(t *testing.T) {
	r := newRig(t)
	pkt := register(1, "X-Pad: "+strings.Repeat("a", sip.MaxMessageSize)+"\r\n")
	res, _, ok := r.w.Step([]byte(pkt), testTerminal, r.out)
	if ok && !strings.HasPrefix(string(res), "SIP/2.0 400 ") {
		t.Fatalf("oversize request answered %.40q", res)
	}
	st := r.h.Stats()
	if st.Reasons[ReasonTooLarge.String()] != 1 {
		t.Errorf("oversize datagram not counted as too_large: %v", st.Reasons)
	}
}
