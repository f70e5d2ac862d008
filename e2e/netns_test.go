package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A venue network for browser tests: a network namespace of the test's own, joined to the
// host by a veth pair with private addresses (10.200.N.2 in the namespace, 10.200.N.1 on the
// host side, where the server listens). Chromium runs inside it (`ip netns exec`); nftables
// rules inside it play the venue's firewall, `tc` its uplink. Nothing outside the namespace
// and its veth pair is touched: no host interface, route or firewall rule. The test removes
// the namespace (and with it both veth ends and every rule) when it ends, failed or not.
//
// It needs root and Debian's iproute2 and nftables (.ci/run installs them); in CI a missing
// one fails the test, elsewhere it skips as chromiumPath does.

// venueNet is one venue's network namespace.
type venueNet struct {
	ns     string // namespace name
	hostIf string // host end of the veth pair
	nsIf   string // namespace end
	HostIP string // 10.200.N.1: the server's side
	IP     string // 10.200.N.2: the venue's side
}

// requireNetns checks for root and the tools the harness runs.
func requireNetns(t *testing.T) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range []string{"ip", "nft", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("network namespace tests need %s (root; apt-get install iproute2 nftables)", strings.Join(missing, ", "))
	}
	t.Skipf("network namespace tests need %s", strings.Join(missing, ", "))
}

// run runs a command, failing the test with its output on error.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// newVenueNet makes a namespace and its veth pair on a 10.200.N.0/24 that no host address
// is in, and removes them when the test ends.
func newVenueNet(t *testing.T) *venueNet {
	t.Helper()
	requireNetns(t)
	n := freeSubnet(t)
	id := fmt.Sprintf("%d-%d", os.Getpid()%100000, n)
	v := &venueNet{ns: "srvenue-" + id, hostIf: "srh" + id, nsIf: "srn" + id,
		HostIP: fmt.Sprintf("10.200.%d.1", n), IP: fmt.Sprintf("10.200.%d.2", n)}
	t.Cleanup(v.remove)
	run(t, "ip", "netns", "add", v.ns)
	run(t, "ip", "link", "add", v.hostIf, "type", "veth", "peer", "name", v.nsIf, "netns", v.ns)
	run(t, "ip", "addr", "add", v.HostIP+"/24", "dev", v.hostIf)
	run(t, "ip", "link", "set", v.hostIf, "up")
	run(t, "ip", "-n", v.ns, "addr", "add", v.IP+"/24", "dev", v.nsIf)
	run(t, "ip", "-n", v.ns, "link", "set", v.nsIf, "up")
	run(t, "ip", "-n", v.ns, "link", "set", "lo", "up")
	return v
}

// freeSubnet picks N in 10.200.N.0/24 such that no address of this host is in it.
func freeSubnet(t *testing.T) int {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for k := range 254 {
		n := 1 + (os.Getpid()+k)%254
		_, subnet, _ := net.ParseCIDR(fmt.Sprintf("10.200.%d.0/24", n))
		used := false
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && (subnet.Contains(ipn.IP) || ipn.Contains(subnet.IP)) {
				used = true
			}
		}
		if !used {
			return n
		}
	}
	t.Fatal("no free 10.200.N.0/24 on this host")
	return 0
}

// remove deletes the namespace, which deletes the veth pair and the rules in it. The host
// end is deleted too in case the namespace was never made.
func (v *venueNet) remove() {
	_ = exec.Command("ip", "netns", "del", v.ns).Run()
	_ = exec.Command("ip", "link", "del", v.hostIf).Run()
}

// nft loads an nftables ruleset inside the namespace.
func (v *venueNet) nft(t *testing.T, ruleset string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", v.ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft in %s: %v\n%s\n%s", v.ns, err, out, ruleset)
	}
}

// blockUDP is the firewall of a venue that lets out only web traffic: no UDP at all, and TCP
// only to the given ports of the server (its web port, the TURN server's TLS port).
func (v *venueNet) blockUDP(t *testing.T, tcpPorts ...int) {
	t.Helper()
	var ports []string
	for _, p := range tcpPorts {
		ports = append(ports, fmt.Sprint(p))
	}
	v.nft(t, `table inet venue {
  chain output {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    meta l4proto udp drop
    ip daddr `+v.HostIP+` tcp dport { `+strings.Join(ports, ", ")+` } accept
    meta l4proto tcp drop
  }
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "lo" accept
    meta l4proto udp drop
  }
}
`)
}

// newBrowserIn starts Chromium inside the venue's namespace. chromedp talks to it over the
// DevTools pipe, which `ip netns exec` passes on, so no port is opened for it.
func newBrowserIn(t *testing.T, name string, v *venueNet, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	wrapper := filepath.Join(t.TempDir(), "chromium-in-"+v.ns)
	script := "#!/bin/sh\nexec ip netns exec " + v.ns + " " + chromiumPath(t) + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return newBrowserWith(t, name, append([]chromedp.ExecAllocatorOption{chromedp.ExecPath(wrapper)}, extra...)...)
}
