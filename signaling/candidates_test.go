package signaling_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
)

func TestCandidatePolicy(t *testing.T) {
	cand := func(addr string) string { return "candidate:1 1 udp 2122260223 " + addr + " 5000 typ host" }
	tests := []struct {
		name   string
		policy signaling.CandidatePolicy
		value  string
		ok     bool
	}{
		{"public", signaling.CandidatePolicy{}, cand("203.0.113.7"), true},
		{"private allowed by default", signaling.CandidatePolicy{}, cand("192.168.1.20"), true},
		{"private denied", signaling.CandidatePolicy{DenyPrivate: true}, cand("10.1.2.3"), false},
		{"ula denied", signaling.CandidatePolicy{DenyPrivate: true}, cand("fd00::1"), false},
		{"metadata service", signaling.CandidatePolicy{}, cand("169.254.169.254"), false},
		{"ipv6 link-local", signaling.CandidatePolicy{}, cand("fe80::1"), false},
		{"broadcast", signaling.CandidatePolicy{}, cand("255.255.255.255"), false},
		{"multicast", signaling.CandidatePolicy{}, cand("239.255.255.250"), false},
		{"unspecified", signaling.CandidatePolicy{}, cand("0.0.0.0"), false},
		{"this network", signaling.CandidatePolicy{}, cand("0.1.2.3"), false},
		{"mapped metadata", signaling.CandidatePolicy{}, cand("::ffff:169.254.169.254"), false},
		{"loopback", signaling.CandidatePolicy{}, cand("127.0.0.1"), false},
		{"loopback on a loopback server", signaling.CandidatePolicy{AllowLoopback: true}, cand("127.0.0.1"), true},
		{"mdns", signaling.CandidatePolicy{}, cand("0f3c7a1e-1111-2222-3333-444455556666.local"), false},
		{"mdns allowed", signaling.CandidatePolicy{AllowMDNS: true}, cand("0f3c7a1e-1111-2222-3333-444455556666.local"), true},
		{"dns name", signaling.CandidatePolicy{AllowMDNS: true}, cand("metadata.google.internal"), false},
		{"denied range", signaling.CandidatePolicy{Deny: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}}, cand("203.0.113.7"), false},
		{"port 0", signaling.CandidatePolicy{}, "candidate:1 1 udp 2122260223 203.0.113.7 0 typ host", false},
		{"garbage", signaling.CandidatePolicy{}, "candidate:nonsense", false},
		{"end of candidates", signaling.CandidatePolicy{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.policy.CheckCandidate(tt.value); (err == nil) != tt.ok {
				t.Errorf("CheckCandidate(%q) = %v, want ok=%v", tt.value, err, tt.ok)
			}
		})
	}
}

// TestSFUProbesOnlyAllowedCandidates is issue 8 item 8 against the real SFU: a participant
// offers (in the SDP and trickled) candidates naming an address the policy denies, the
// cloud metadata address and an allowed address, each a UDP socket of the test. The SFU
// sends STUN checks to the allowed socket only, and answers the refused trickled candidates
// with bad_candidate errors.
func TestSFUProbesOnlyAllowedCandidates(t *testing.T) {
	denied, allowed := listenUDP(t, "127.0.0.2"), listenUDP(t, "127.0.0.3")
	h := newHarness(t, signaling.Config{Candidates: signaling.CandidatePolicy{Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}})
	ctx := testCtx(t)
	p := h.mustJoin(ctx, "mou", "speaker", "signatory")
	pc, err := h.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	line := func(prio int, a net.Addr) string {
		u := a.(*net.UDPAddr)
		return fmt.Sprintf("candidate:%d 1 udp %d %s %d typ host", prio, 2122260223-prio, u.IP, u.Port)
	}
	sdp := strings.TrimRight(offer.SDP, "\r\n") + "\r\na=" + line(1, denied.LocalAddr()) +
		"\r\na=candidate:2 1 udp 2122260221 169.254.169.254 3478 typ host\r\na=" + line(3, allowed.LocalAddr()) + "\r\n"
	send(t, p, protocol.Message{Type: protocol.TypeOffer, SDP: sdp})
	mid := "0"
	for _, c := range []string{line(4, denied.LocalAddr()), "candidate:5 1 udp 2122260218 169.254.169.254 80 typ host"} {
		send(t, p, protocol.Message{Type: protocol.TypeCandidate, Target: protocol.TargetPublisher,
			Candidate: &protocol.Candidate{Candidate: c, SDPMid: &mid}})
	}
	if !gotSTUN(allowed, 10*time.Second) {
		t.Fatalf("the SFU sent no STUN to the allowed candidate: the test cannot see checks")
	}
	if gotSTUN(denied, 2*time.Second) {
		t.Errorf("the SFU sent STUN to a candidate the policy denies")
	}
	if n := countErrors(p, protocol.CodeBadCandidate, 5*time.Second); n != 2 {
		t.Errorf("%d bad_candidate errors for the 2 refused trickled candidates, want 2", n)
	}
}

func listenUDP(t *testing.T, ip string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, p *peer, m protocol.Message) {
	t.Helper()
	b, _ := json.Marshal(m)
	if err := p.c.SendRaw(testCtx(t), b); err != nil {
		t.Fatal(err)
	}
}

// gotSTUN reports whether a STUN binding request arrives within d.
func gotSTUN(c *net.UDPConn, d time.Duration) bool {
	buf := make([]byte, 1500)
	c.SetReadDeadline(time.Now().Add(d))
	for {
		n, _, err := c.ReadFromUDP(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) || err != nil {
			return false
		}
		if n >= 20 && buf[0] == 0x00 && buf[1] == 0x01 {
			return true
		}
	}
}

func countErrors(p *peer, code string, d time.Duration) int {
	n := 0
	deadline := time.After(d)
	for {
		select {
		case m := <-p.c.Events():
			if m.Type == protocol.TypeError && m.Code == code {
				n++
			}
		case <-deadline:
			return n
		}
	}
}
