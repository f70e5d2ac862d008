// Package apitest holds what the end-to-end tests share: a small client of the Signroom HTTP
// API, the demo MOU of DESIGN.md set up through it, and a way to build and run the real
// signroom binary.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// Client is a test client of the HTTP API; every call fails the test on an unexpected status.
type Client struct {
	T     testing.TB
	Base  string // e.g. http://127.0.0.1:4321
	Token string // bearer token, staff or invitation
}

// Do sends a request and decodes the JSON answer into out (when not nil), failing the test
// unless the status is want.
func (c *Client) Do(method, path string, body io.Reader, contentType string, want int, out any) {
	c.T.Helper()
	b := c.send(method, path, body, contentType, want)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.T.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// Post sends in as JSON (no body when nil).
func (c *Client) Post(path string, in any, want int, out any) {
	c.T.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	c.Do("POST", path, body, "application/json", want, out)
}

// Raw GETs path and returns the body, failing unless the status is 200.
func (c *Client) Raw(path string) []byte {
	c.T.Helper()
	return c.send("GET", path, nil, "", http.StatusOK)
}

func (c *Client) send(method, path string, body io.Reader, contentType string, want int) []byte {
	c.T.Helper()
	req, err := http.NewRequest(method, c.Base+path, body)
	if err != nil {
		c.T.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.T.Fatalf("%s %s: read body: %v", method, path, err)
	}
	if resp.StatusCode != want {
		c.T.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	return b
}

// Login logs in with a username and password and returns a client holding the access token.
func Login(t testing.TB, base, user, password string) *Client {
	t.Helper()
	c := &Client{T: t, Base: base}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	c.Post("/api/login", map[string]string{"username": user, "password": password}, http.StatusOK, &tok)
	c.Token = tok.AccessToken
	return c
}
