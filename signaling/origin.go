package signaling

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// originAllowed decides whether a WebSocket request may open a ceremony session, by its
// Origin header (docs/signaling.md, "Origin"):
//
//   - no Origin: allowed. Browsers always send Origin on a WebSocket request, so a request
//     without one comes from a non-browser client (the Go client, the load generator, a
//     venue's own software), which could send any Origin it liked; refusing it would protect
//     nothing. The invitation token in join is the authentication either way.
//   - an Origin whose host is the request's Host (same origin): allowed.
//   - an Origin whose host matches one of patterns (path.Match, e.g. "*.example.org"): allowed.
//   - anything else, including "null" (sandboxed frames, file: pages) and an Origin that is not
//     a URL: refused with 403 before the upgrade.
func originAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Values("Origin")
	switch len(origin) {
	case 0:
		return true
	case 1:
	default:
		return false
	}
	u, err := url.Parse(origin[0])
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := strings.ToLower(u.Host)
	if host == strings.ToLower(r.Host) {
		return true
	}
	for _, p := range patterns {
		if ok, err := path.Match(strings.ToLower(p), host); err == nil && ok {
			return true
		}
	}
	return false
}
