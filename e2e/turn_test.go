package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// collectPeerConnections keeps every RTCPeerConnection the page makes in window.pcs, for
// getStats.
const collectPeerConnections = `(() => {
  window.pcs = [];
  const Real = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Real {
    constructor(...args) { super(...args); window.pcs.push(this); }
  };
})()`

// selectedPairs lists, for each open peer connection of the page, the type and relay
// protocol of the local candidate of its selected pair ("relay/tls", "host/", "none").
const selectedPairs = `(async () => {
  const out = [];
  for (const pc of window.pcs) {
    if (pc.connectionState === "closed") continue;
    const stats = await pc.getStats();
    let pair = null;
    stats.forEach((s) => { if (s.type === "transport" && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
    const local = pair && stats.get(pair.localCandidateId);
    out.push(local ? local.candidateType + "/" + (local.relayProtocol || "") : "none");
  }
  return out.join(",");
})()`

// videoBytes is the page's video bytes sent and received so far, "sent,received".
const videoBytes = `(async () => {
  let sent = 0, received = 0;
  for (const pc of window.pcs) {
    if (pc.connectionState === "closed") continue;
    (await pc.getStats()).forEach((s) => {
      if (s.type === "outbound-rtp" && s.kind === "video") sent += s.bytesSent;
      if (s.type === "inbound-rtp" && s.kind === "video") received += s.bytesReceived;
    });
  }
  return sent + "," + received;
})()`

// turnCert writes a self-signed certificate for ip (the TURN server's TLS port) and returns
// the certificate file, its PEM key and the base64 SHA-256 of its public key, which Chromium
// is told to accept (--ignore-certificate-errors-spki-list: that key only, nothing else).
func turnCert(t *testing.T, ip string) (certFile, keyPEM, spki string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: ip},
		IPAddresses: []net.IP{net.ParseIP(ip)}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(t.TempDir(), "turn.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return certFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})), base64.StdEncoding.EncodeToString(sum[:])
}

// freePort finds a currently free TCP port on ip.
func freePort(t *testing.T, ip string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startTURNService runs the server on the venue network's host side only (web, media and
// TURN on v.HostIP), with the embedded TURN server on UDP/TCP and TLS (a test certificate).
// It returns the certificate's key hash for Chromium and the TCP ports a venue that lets out
// only web traffic still reaches: the web port and the TURN TLS port.
func startTURNService(t *testing.T, v *venueNet) (s *service, spki string, ports []int) {
	t.Helper()
	certFile, keyPEM, spki := turnCert(t, v.HostIP)
	tlsPort := freePort(t, v.HostIP)
	s = startServiceWith(t, []string{"SIGNROOM_TURN_TLS_KEY=" + keyPEM},
		"--addr", v.HostIP+":0", "--turn-addr", v.HostIP+":0",
		"--turn-tls-addr", net.JoinHostPort(v.HostIP, strconv.Itoa(tlsPort)),
		"--turn-tls-cert", certFile, "--turn-host", v.HostIP)
	s.failOnWarnings(t)
	u, err := url.Parse(s.base)
	if err != nil {
		t.Fatal(err)
	}
	webPort, _ := strconv.Atoi(u.Port())
	return s, spki, []int{webPort, tlsPort}
}

// secureOrigin makes Chromium treat the server's plain-HTTP private address as a secure
// context, which camera and microphone need.
func secureOrigin(s *service) chromedp.ExecAllocatorOption {
	return chromedp.Flag("unsafely-treat-insecure-origin-as-secure", s.base)
}

// trustTURN makes Chromium accept the TURN server's test certificate (that key only).
func trustTURN(spki string) chromedp.ExecAllocatorOption {
	return chromedp.Flag("ignore-certificate-errors-spki-list", spki)
}

// mediaFlows checks that the page sends and receives video over 2 s.
func mediaFlows(t *testing.T, b *browser) {
	t.Helper()
	before := strings.Split(evalAwait[string](t, b, videoBytes), ",")
	time.Sleep(2 * time.Second)
	after := strings.Split(evalAwait[string](t, b, videoBytes), ",")
	for i, what := range []string{"sent", "received"} {
		x, _ := strconv.Atoi(before[i])
		y, _ := strconv.Atoi(after[i])
		if y <= x+10_000 {
			t.Errorf("%s's video bytes %s went %d → %d in 2 s, want media flowing", b.name, what, x, y)
		}
	}
}

// TestUDPBlockedUsesTURNOverTLSInChromium: the Nanjing venue's firewall lets out no UDP and
// TCP only to the server's web port and the embedded TURN server's TLS port; a signatory
// there (Chromium in that venue's network namespace) still joins: both of its peer
// connections select a relay candidate over TLS, and video flows both ways between it and
// the MC, who is on an open network. The server listens on the veth address only, with its
// TURN server on UDP/TCP and TLS. It logs the blocked side's join click → first remote frame
// (docs/benchmarks.md).
func TestUDPBlockedUsesTURNOverTLSInChromium(t *testing.T) {
	chromiumPath(t)
	v := newVenueNet(t)
	s, spki, ports := startTURNService(t, v)
	v.blockUDP(t, ports...)
	org := s.organizer(t, "organizer", "a long enough password")
	m := setUpCeremony(t, org)

	host := newBrowserWith(t, "host", secureOrigin(s))
	kim := newBrowserIn(t, "kim", v, secureOrigin(s), trustTURN(spki))
	kim.run(t, "collect peer connections", onNewDocument(collectPeerConnections))
	join(t, host, m.JoinURL(s.base, m.Host, "en"), "")
	join(t, kim, m.JoinURL(s.base, m.Kim, "en"), "")
	kimFirst := waitRemoteVideo(t, kim, m.Host)
	waitRemoteVideo(t, host, m.Kim)
	t.Logf("join click → first remote frame behind the blocked venue (TURN over TLS): %.0f ms", kimFirst)
	kim.screenshot(t, "turn-tls-kim-en")

	pairs := evalAwait[string](t, kim, selectedPairs)
	t.Logf("kim's selected pairs: %s", pairs)
	if got := strings.Split(pairs, ","); len(got) != 2 || got[0] != "relay/tls" || got[1] != "relay/tls" {
		t.Errorf("selected local candidates = %s, want relay/tls on both peer connections", pairs)
	}
	mediaFlows(t, kim)
	video := remoteTile(m.Kim) + `.querySelector("video")`
	now := eval[float64](t, host, video+`.currentTime`)
	host.waitFor(t, "kim's video plays on at the host", video+`.currentTime > `+strconv.FormatFloat(now+1, 'f', 3, 64), 15*time.Second)
}
