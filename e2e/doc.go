// Package e2e holds browser tests: the real signroom binary, started as a child process on
// 127.0.0.1:0, driven through its HTTP API and through real Chromium (chromedp) using the
// embedded frontend, with WebRTC media on loopback.
//
// Chromium is /usr/bin/chromium (or $SIGNROOM_CHROMIUM). Without it the tests skip, except
// when CI=true, where they fail. Set SIGNROOM_E2E_SCREENSHOTS to a directory to keep PNG
// screenshots of the pages.
//
// The venue network tests (netns_test.go) run one Chromium in a network namespace of their
// own, joined to the host by a veth pair on 10.200.N.0/24, with the server listening on the
// host end only and nftables rules in the namespace as the venue's firewall. They need root,
// iproute2 and nftables: without them they skip, except when CI=true, where they fail.
package e2e
