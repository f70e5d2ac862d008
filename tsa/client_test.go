package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"net/http"
	"testing"

	"github.com/digitorus/timestamp"

	"github.com/signroom/signroom/internal/tsatest"
)

func TestStampTriesTSAsInOrder(t *testing.T) {
	first, second := tsatest.Start(t, "first"), tsatest.Start(t, "second")
	sum := sha256.Sum256([]byte("manifest"))
	tests := []struct {
		name     string
		downs    []bool
		wantURL  string
		wantFail bool
	}{
		{"first answers", []bool{false, false}, first.URL, false},
		{"first down", []bool{true, false}, second.URL, false},
		{"all down", []bool{true, true}, "", true},
	}
	c := New([]string{first.URL, second.URL}, nil, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first.SetDown(tt.downs[0])
			second.SetDown(tt.downs[1])
			tok, err := c.Stamp(context.Background(), sum[:])
			if tt.wantFail {
				if !errors.Is(err, ErrUnavailable) {
					t.Fatalf("err = %v, want ErrUnavailable", err)
				}
				return
			}
			if err != nil || tok.URL != tt.wantURL || len(tok.DER) == 0 || tok.Time.IsZero() {
				t.Fatalf("token from %q at %v (%d bytes), err %v; want from %q", tok.URL, tok.Time, len(tok.DER), err, tt.wantURL)
			}
			ts, err := timestamp.Parse(tok.DER)
			if err != nil || !bytes.Equal(ts.HashedMessage, sum[:]) {
				t.Errorf("token does not parse or is over another hash: %v", err)
			}
		})
	}
	if _, err := c.Stamp(context.Background(), []byte("short")); err == nil {
		t.Error("a digest that is not SHA-256 was accepted")
	}
	if New(nil, nil, 0).Configured() {
		t.Error("a client without TSAs says it is configured")
	}
}

// TestRelayForwardsInOrder: the loopback relay answers an RFC 3161 query from the first TSA
// that grants it, and 502 when none does.
func TestRelayForwardsInOrder(t *testing.T) {
	down, up := tsatest.Start(t, "down"), tsatest.Start(t, "up")
	down.SetDown(true)
	c := New([]string{down.URL, up.URL}, nil, 0)
	url, stop, err := c.Relay(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	sum := sha256.Sum256([]byte("signature value"))
	query, _ := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: sum[:], Certificates: true}).Marshal()
	post := func() *http.Response {
		resp, err := http.Post(url, "application/timestamp-query", bytes.NewReader(query))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || up.Served() != 1 {
		t.Fatalf("relay: HTTP %d, up TSA served %d", resp.StatusCode, up.Served())
	}
	up.SetDown(true)
	resp2 := post()
	defer resp2.Body.Close()
	if resp2.StatusCode != http.StatusBadGateway {
		t.Errorf("relay with every TSA down: HTTP %d, want 502", resp2.StatusCode)
	}
}
