package turnserver_test

import (
	"errors"
	"testing"
	"time"

	"github.com/signroom/signroom/turnserver"
)

// TestCredentialsVector checks the TURN REST password against one computed independently:
// printf '%s' '1700000000:kim' | openssl dgst -sha1 -hmac 0123456789abcdef0123456789abcdef -binary | base64
func TestCredentialsVector(t *testing.T) {
	c := turnserver.NewCredentials(testSecret, "kim", time.Unix(1700000000, 0))
	if c.Username != "1700000000:kim" {
		t.Errorf("username %q", c.Username)
	}
	if want := vectorPassword; c.Password != want {
		t.Errorf("password %q, want %q", c.Password, want)
	}
}

func TestParseUsername(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		in, pid string
		err     error
	}{
		{"1700000001:kim", "kim", nil},
		{"1700000001:venue:hall", "venue:hall", nil},
		{"1700000000:kim", "", turnserver.ErrExpired},
		{"kim", "", turnserver.ErrBadUsername},
		{"1700000001:", "", turnserver.ErrBadUsername},
		{"soon:kim", "", turnserver.ErrBadUsername},
	}
	for _, tc := range tests {
		pid, err := turnserver.ParseUsername(tc.in, now)
		if pid != tc.pid || !errors.Is(err, tc.err) {
			t.Errorf("ParseUsername(%q) = %q, %v; want %q, %v", tc.in, pid, err, tc.pid, tc.err)
		}
	}
}

func TestIssuerCapsAtInvitation(t *testing.T) {
	is := turnserver.Issuer{Secret: testSecret, URLs: turnserver.URLs("turn.example.org", 3478, 443), TTL: time.Hour}
	inv := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	s := is.ICEServers("kim", inv)
	if len(s) != 1 || len(s[0].URLs) != 3 {
		t.Fatalf("servers %+v", s)
	}
	if want := turnserver.NewCredentials(testSecret, "kim", inv); s[0].Username != want.Username || s[0].Credential != want.Password {
		t.Errorf("got %s/%v, want %+v", s[0].Username, s[0].Credential, want)
	}
	wantURLs := []string{"turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp", "turns:turn.example.org:443?transport=tcp"}
	for i, u := range wantURLs {
		if s[0].URLs[i] != u {
			t.Errorf("url %d = %q, want %q", i, s[0].URLs[i], u)
		}
	}
	far := is.ICEServers("kim", time.Now().Add(30*24*time.Hour))
	pid, err := turnserver.ParseUsername(far[0].Username, time.Now().Add(time.Hour+time.Minute))
	if !errors.Is(err, turnserver.ErrExpired) {
		t.Errorf("credentials past the TTL: %q, %v; want expired", pid, err)
	}
}

const vectorPassword = "IwVeZhkSWF2200B9eyYCzSod4Jw="
