// Package e2e holds browser tests: the real signroom binary, started as a child process on
// 127.0.0.1:0, driven through its HTTP API and through real Chromium (chromedp) using the
// embedded frontend, with WebRTC media on loopback.
//
// Chromium is /usr/bin/chromium (or $SIGNROOM_CHROMIUM). Without it the tests skip, except
// when CI=true, where they fail. Set SIGNROOM_E2E_SCREENSHOTS to a directory to keep PNG
// screenshots of the pages.
package e2e
