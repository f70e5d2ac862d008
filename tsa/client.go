package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// ErrUnavailable reports that no configured TSA gave a usable token.
var ErrUnavailable = errors.New("no time-stamp authority gave a token")

// DefaultTimeout bounds one request to one TSA.
const DefaultTimeout = 10 * time.Second

// maxResponse bounds a TSA's response body.
const maxResponse = 1 << 20

// Token is a time-stamp token a TSA granted.
type Token struct {
	DER  []byte    // the TimeStampToken (CMS ContentInfo), DER
	URL  string    // the TSA that granted it
	Time time.Time // the time it attests (genTime)
}

// Client asks TSAs for tokens. The zero value has no TSA.
type Client struct {
	urls    []string
	http    *http.Client
	timeout time.Duration
}

// New returns a Client for the TSAs at urls, tried in order, each request bounded by
// timeout (0: DefaultTimeout). hc nil: http.DefaultClient.
func New(urls []string, hc *http.Client, timeout time.Duration) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{urls: append([]string(nil), urls...), http: hc, timeout: timeout}
}

// Configured reports whether c has at least one TSA.
func (c *Client) Configured() bool { return c != nil && len(c.urls) > 0 }

// URLs returns the TSAs' URLs in the order they are tried.
func (c *Client) URLs() []string { return append([]string(nil), c.urls...) }

// Stamp asks each TSA in order for a token over digest, a SHA-256 hash, and returns the
// first usable one. If none answers usably the error wraps ErrUnavailable and names each
// TSA's failure.
func (c *Client) Stamp(ctx context.Context, digest []byte) (Token, error) {
	if len(digest) != crypto.SHA256.Size() {
		return Token{}, fmt.Errorf("time-stamp: digest of %d bytes, want a SHA-256", len(digest))
	}
	var errs []error
	for _, u := range c.urls {
		tok, err := c.stampAt(ctx, u, digest)
		if err == nil {
			return tok, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return Token{}, fmt.Errorf("time-stamp: %w: %w", ErrUnavailable, errors.Join(errs...))
}

func (c *Client) stampAt(ctx context.Context, url string, digest []byte) (Token, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return Token{}, err
	}
	req := timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest, Certificates: true, Nonce: nonce}
	body, err := req.Marshal()
	if err != nil {
		return Token{}, err
	}
	resp, err := c.post(ctx, url, body)
	if err != nil {
		return Token{}, err
	}
	ts, err := timestamp.ParseResponse(resp)
	if err != nil {
		return Token{}, fmt.Errorf("response: %w", err)
	}
	switch {
	case len(ts.Certificates) == 0:
		return Token{}, errors.New("the token carries no TSA certificate")
	case ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, digest):
		return Token{}, errors.New("the token is over another hash than the one asked for")
	case ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0:
		return Token{}, errors.New("the token does not carry the request's nonce")
	}
	return Token{DER: ts.RawToken, URL: url, Time: ts.Time.UTC()}, nil
}

// post sends one time-stamp query and returns the response body.
func (c *Client) post(ctx context.Context, url string, query []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(query))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return body, nil
}
