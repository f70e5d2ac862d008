// Command signroom-verify-wasm is the browser verifier: package evidence compiled to
// WebAssembly (GOOS=js GOARCH=wasm) for the public verify page, /app/verify.html. The page
// hands it the chosen file's bytes and the seal certificates to trust; it returns the same
// report `signroom verify --json` prints, and nothing leaves the browser.
//
// Build (make build and make run do it):
//
//	GOOS=js GOARCH=wasm go build -o frontend/app/wasm/signroom-verify.wasm ./cmd/signroom-verify-wasm
//
// Built for any other platform it only says so and exits 2.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/signroom/signroom/evidence"
)

// TrustSource is one set of trusted seal certificates the page was given: a published seal
// certificate list (JSON), PEM certificates, or SHA-256 fingerprints one per line.
type TrustSource struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// Result is what the page shows: the report, the file's own fingerprint, and how each trust
// source was read.
type Result struct {
	Report evidence.Report `json:"report"`
	File   FileInfo        `json:"file"`
	Trust  []TrustStatus   `json:"trust"`
}

// FileInfo identifies the verified file.
type FileInfo struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// TrustStatus says how many certificates a source gave, or why it gave none.
type TrustStatus struct {
	Name         string `json:"name"`
	Certificates int    `json:"certificates"`
	Error        string `json:"error,omitempty"`
}

// verifyBytes verifies data against the trust sources.
func verifyBytes(ctx context.Context, data []byte, sources []TrustSource) Result {
	trust, statuses := readTrust(sources)
	sum := sha256.Sum256(data)
	rep := evidence.VerifyFileWith(ctx, bytes.NewReader(data), int64(len(data)), evidence.Options{Trust: trust})
	return Result{Report: rep, File: FileInfo{Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, Trust: statuses}
}

// readTrust reads each source; one that cannot be read adds nothing and says why.
func readTrust(sources []TrustSource) (evidence.Trust, []TrustStatus) {
	var trust evidence.Trust
	statuses := []TrustStatus{}
	for _, s := range sources {
		t, err := readSource(s)
		st := TrustStatus{Name: s.Name, Certificates: len(t.Seals)}
		if err != nil {
			st.Error = err.Error()
		}
		trust.Add(t)
		statuses = append(statuses, st)
	}
	return trust, statuses
}

func readSource(s TrustSource) (evidence.Trust, error) {
	text := strings.TrimSpace(s.Text)
	if strings.HasPrefix(text, "{") || strings.Contains(text, "-----BEGIN") {
		return evidence.ParseTrust(s.Name, []byte(text))
	}
	var trust evidence.Trust
	for _, fp := range strings.Fields(text) {
		t, err := evidence.TrustFingerprint(s.Name, fp)
		if err != nil {
			return evidence.Trust{}, err
		}
		trust.Add(t)
	}
	if trust.Empty() {
		_, err := evidence.TrustFingerprint(s.Name, text)
		return trust, err
	}
	return trust, nil
}
