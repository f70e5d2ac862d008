package turnserver

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // TURN REST credentials are HMAC-SHA1 by specification
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/signroom/signroom/internal/keyfile"
)

// SecretFile is the name of the shared secret's file in the data directory.
const SecretFile = "turn-secret.key"

// secretLen is the size of a generated secret in bytes.
const secretLen = 32

// Credentials are the TURN REST credentials of one participant: Username is
// "EXPIRY:PARTICIPANT" (EXPIRY in Unix seconds) and Password is
// base64(HMAC-SHA1(secret, Username)).
type Credentials struct {
	Username string
	Password string
}

// NewCredentials derives the credentials of a participant that expire at expires.
func NewCredentials(secret []byte, participantID string, expires time.Time) Credentials {
	u := strconv.FormatInt(expires.Unix(), 10) + ":" + participantID
	return Credentials{Username: u, Password: password(secret, u)}
}

func password(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Errors of ParseUsername.
var (
	ErrBadUsername = errors.New("turn username is not EXPIRY:PARTICIPANT")
	ErrExpired     = errors.New("turn credentials expired")
)

// ParseUsername returns the participant of a username that has not expired at now.
func ParseUsername(username string, now time.Time) (string, error) {
	exp, pid, ok := strings.Cut(username, ":")
	if !ok || pid == "" {
		return "", ErrBadUsername
	}
	sec, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", ErrBadUsername
	}
	if now.Unix() >= sec {
		return "", ErrExpired
	}
	return pid, nil
}

// Issuer hands participants the embedded TURN server's URLs with their own credentials.
type Issuer struct {
	Secret []byte
	URLs   []string      // turn: and turns: URLs, see URLs
	TTL    time.Duration // longest credential lifetime; an invitation that expires sooner caps it
}

// ICEServers returns the participant's ICE servers, valid until the earlier of the
// invitation's expiry (zero: none) and now plus the TTL.
func (is Issuer) ICEServers(participantID string, invitationExpires time.Time) []webrtc.ICEServer {
	exp := time.Now().Add(is.TTL)
	if !invitationExpires.IsZero() && invitationExpires.Before(exp) {
		exp = invitationExpires
	}
	c := NewCredentials(is.Secret, participantID, exp)
	return []webrtc.ICEServer{{URLs: is.URLs, Username: c.Username, Credential: c.Password}}
}

// URLs returns the URLs browsers use to reach the server at host: UDP and TCP on port,
// TLS on tlsPort; a zero port leaves its URLs out.
func URLs(host string, port, tlsPort int) []string {
	var out []string
	if port != 0 {
		hp := hostPort(host, port)
		out = append(out, "turn:"+hp+"?transport=udp", "turn:"+hp+"?transport=tcp")
	}
	if tlsPort != 0 {
		out = append(out, "turns:"+hostPort(host, tlsPort)+"?transport=tcp")
	}
	return out
}

func hostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// LoadOrCreateSecret reads the shared secret from DIR/SecretFile, creating it (32 random
// bytes, mode 0600) at first start.
func LoadOrCreateSecret(dir string) ([]byte, error) {
	b, err := keyfile.Secret(filepath.Join(dir, SecretFile), secretLen)
	if err != nil {
		return nil, fmt.Errorf("turn secret: %w", err)
	}
	return b, nil
}
