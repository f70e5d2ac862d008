package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/signroom/signroom/evidence"
)

// maxTrustList bounds the size of a fetched seal certificate list.
const maxTrustList = 1 << 20

// trustListURL turns a service address into the URL of its published seal certificate
// list. Only https is accepted, except for a loopback host (a service on this machine).
func trustListURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
		return "", fmt.Errorf("%q: the list that decides trust must come over https", raw)
	}
	if !strings.HasSuffix(u.Path, ".json") {
		u.Path = strings.TrimSuffix(u.Path, "/") + evidence.SealListPath
	}
	return u.String(), nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// fetchTrust fetches a published seal certificate list once.
func fetchTrust(ctx context.Context, raw string) (evidence.Trust, error) {
	u, err := trustListURL(raw)
	if err != nil {
		return evidence.Trust{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return evidence.Trust{}, err
	}
	req.Header.Set("Accept", "application/json")
	client := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		return errors.New("redirected: give the list's final address")
	}}
	resp, err := client.Do(req)
	if err != nil {
		return evidence.Trust{}, fmt.Errorf("fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return evidence.Trust{}, fmt.Errorf("fetch %s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTrustList+1))
	if err != nil {
		return evidence.Trust{}, fmt.Errorf("fetch %s: %w", u, err)
	}
	if len(body) > maxTrustList {
		return evidence.Trust{}, fmt.Errorf("fetch %s: list larger than %d bytes", u, maxTrustList)
	}
	l, err := evidence.ParseSealList(body)
	if err != nil {
		return evidence.Trust{}, fmt.Errorf("%s: %w", u, err)
	}
	return l.Trust(u)
}
