package signaling

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/pion/ice/v4"
)

// CandidatePolicy decides which remote ICE candidates the SFU accepts, and so to which
// addresses it sends STUN connectivity checks on a participant's word. Candidates come from
// the browser and name any address it likes; without a policy a participant could make the
// server probe the cloud metadata service, the operator's LAN or hosts on the internet.
//
// Always refused: link-local (169.254.0.0/16, fe80::/10), multicast, broadcast
// (255.255.255.255), unspecified and "this network" (0.0.0.0/8, ::) addresses, host names
// other than mDNS ".local" names, and port 0. By default also refused: loopback (unless the
// hub itself listens on loopback) and mDNS names. Private ranges (10/8, 172.16/12,
// 192.168/16, 100.64/10, fc00::/7) are accepted unless DenyPrivate is set, since venues on
// an organisation's LAN reach a self-hosted server there.
//
// A refused trickled candidate is answered with a bad_candidate error; refused candidates
// inside an offer or answer are dropped from it. A client that can reach the server still
// connects: the server learns its address from the client's own checks (peer-reflexive).
type CandidatePolicy struct {
	DenyPrivate   bool           // also refuse the private ranges
	AllowLoopback bool           // accept 127.0.0.0/8 and ::1 (set by NewHub when it listens on loopback)
	AllowMDNS     bool           // accept ".local" host names (resolved by multicast DNS)
	Deny          []netip.Prefix // further refused ranges
}

// errCandidateRefused marks a candidate the policy refuses.
var errCandidateRefused = errors.New("candidate refused")

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("fc00::/7"),
}

var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// CheckCandidate checks one candidate attribute value ("candidate:..." as in
// RTCIceCandidate.candidate). The empty end-of-candidates value passes.
func (p CandidatePolicy) CheckCandidate(value string) error {
	value = strings.TrimPrefix(strings.TrimSpace(value), "a=")
	if value == "" {
		return nil
	}
	c, err := ice.UnmarshalCandidate(value)
	if err != nil {
		return fmt.Errorf("%w: not a candidate: %w", errCandidateRefused, err)
	}
	if c.Port() == 0 {
		return fmt.Errorf("%w: port 0", errCandidateRefused)
	}
	return p.checkAddress(c.Address())
}

// checkAddress applies the policy to a candidate's connection address.
func (p CandidatePolicy) checkAddress(addr string) error {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if strings.HasSuffix(strings.ToLower(addr), ".local") && p.AllowMDNS {
			return nil
		}
		return fmt.Errorf("%w: host name %q", errCandidateRefused, addr)
	}
	ip = ip.Unmap()
	reason := ""
	switch {
	case ip.IsLinkLocalUnicast():
		reason = "link-local"
	case ip.IsMulticast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast():
		reason = "multicast"
	case ip == netip.IPv4Unspecified() || ip.IsUnspecified() || thisNetwork.Contains(ip):
		reason = "unspecified"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		reason = "broadcast"
	case ip.IsLoopback() && !p.AllowLoopback:
		reason = "loopback"
	case p.DenyPrivate && inAny(privateRanges, ip):
		reason = "private range"
	case inAny(p.Deny, ip):
		reason = "denied range"
	}
	if reason != "" {
		return fmt.Errorf("%w: %s address %s", errCandidateRefused, reason, ip)
	}
	return nil
}

func inAny(ranges []netip.Prefix, ip netip.Addr) bool {
	for _, r := range ranges {
		if r.Contains(ip) {
			return true
		}
	}
	return false
}

// FilterSDP drops the candidate lines the policy refuses from a session description and
// returns what it dropped, one reason per line.
func (p CandidatePolicy) FilterSDP(sdp string) (string, []string) {
	if !strings.Contains(sdp, "a=candidate:") {
		return sdp, nil
	}
	lines := strings.SplitAfter(sdp, "\n")
	out := lines[:0]
	var dropped []string
	for _, l := range lines {
		v := strings.TrimRight(l, "\r\n")
		if strings.HasPrefix(v, "a=candidate:") {
			if err := p.CheckCandidate(strings.TrimPrefix(v, "a=")); err != nil {
				dropped = append(dropped, err.Error())
				continue
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, ""), dropped
}
