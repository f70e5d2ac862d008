package signaling_test

import (
	"net/http"
	"testing"

	"github.com/coder/websocket"

	"github.com/signroom/signroom/signaling"
)

// TestOriginRules: no Origin (a non-browser client), the server's own origin and an allowed
// pattern open the socket; a foreign origin, "null", a non-URL and two Origin headers get 403.
func TestOriginRules(t *testing.T) {
	h := newHarness(t, signaling.Config{OriginPatterns: []string{"*.example.org"}})
	tests := []struct {
		name    string
		origins []string
		want    int
	}{
		{"none", nil, http.StatusSwitchingProtocols},
		{"same origin", []string{h.srv.URL}, http.StatusSwitchingProtocols},
		{"allowed pattern", []string{"https://venue.example.org"}, http.StatusSwitchingProtocols},
		{"foreign", []string{"https://evil.example.com"}, http.StatusForbidden},
		{"pattern is not a suffix match", []string{"https://example.org.evil.net"}, http.StatusForbidden},
		{"null", []string{"null"}, http.StatusForbidden},
		{"not a URL", []string{"venue.example.org"}, http.StatusForbidden},
		{"two origins", []string{h.srv.URL, "https://evil.example.com"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{}
			for _, o := range tt.origins {
				hdr.Add("Origin", o)
			}
			conn, resp, err := websocket.Dial(testCtx(t), h.url("mou"), &websocket.DialOptions{HTTPHeader: hdr})
			if conn != nil {
				conn.CloseNow()
			}
			if resp == nil {
				t.Fatalf("no HTTP response: %v", err)
			}
			if resp.StatusCode != tt.want {
				t.Errorf("Origin %q: status %d, want %d (err %v)", tt.origins, resp.StatusCode, tt.want, err)
			}
		})
	}
}
