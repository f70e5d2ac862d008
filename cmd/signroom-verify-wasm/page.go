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
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
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

// TrustStatus says how many certificates a source gave (and of them, CA certificates taken
// as time-stamp authority roots too), whether it gave a transparency log key, or why it
// gave nothing.
type TrustStatus struct {
	Name         string `json:"name"`
	Certificates int    `json:"certificates"`
	TSARoots     int    `json:"tsa_roots,omitempty"`
	LogKeys      int    `json:"log_keys,omitempty"`
	Error        string `json:"error,omitempty"`
}

// anchors are the trust anchors read from the sources: seal certificates, TSA roots (the CA
// certificates among the PEM certificates: a seal certificate is never a CA) and a log key
// (a line "<origin>+<hash>+<key>"; the last one given counts).
type anchors struct {
	opt evidence.Options
}

// verifyBytes verifies data against the trust sources.
func verifyBytes(ctx context.Context, data []byte, sources []TrustSource) Result {
	a, statuses := readTrust(sources)
	sum := sha256.Sum256(data)
	rep := evidence.VerifyFileWith(ctx, bytes.NewReader(data), int64(len(data)), a.opt)
	return Result{Report: rep, File: FileInfo{Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, Trust: statuses}
}

// readTrust reads each source; one that cannot be read adds nothing and says why.
func readTrust(sources []TrustSource) (anchors, []TrustStatus) {
	var a anchors
	statuses := []TrustStatus{}
	for _, s := range sources {
		text, st := a.logKeys(s)
		var t evidence.Trust
		var err error
		if text != "" || st.LogKeys == 0 { // not a source of log keys only
			t, err = readSource(TrustSource{Name: s.Name, Text: text})
		}
		st.Certificates = len(t.Seals)
		if err == nil {
			st.TSARoots = a.tsaRoots(text)
		} else {
			st.Error = err.Error()
		}
		a.opt.Trust.Add(t)
		statuses = append(statuses, st)
	}
	return a, statuses
}

// logKeys takes the lines of s that are note verifier keys as the log key and returns the
// rest of the text.
func (a *anchors) logKeys(s TrustSource) (string, TrustStatus) {
	st := TrustStatus{Name: s.Name}
	var rest []string
	for _, line := range strings.Split(s.Text, "\n") {
		if k, err := evidence.ParseLogKey(line); err == nil {
			a.opt.LogKey = k
			st.LogKeys++
			continue
		}
		rest = append(rest, line)
	}
	return strings.TrimSpace(strings.Join(rest, "\n")), st
}

// tsaRoots adds the CA certificates among text's PEM certificates to the TSA roots.
func (a *anchors) tsaRoots(text string) int {
	n := 0
	for rest := []byte(text); ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return n
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil || block.Type != "CERTIFICATE" || !c.IsCA {
			continue
		}
		if a.opt.TSARoots == nil {
			a.opt.TSARoots = x509.NewCertPool()
		}
		a.opt.TSARoots.AddCert(c)
		n++
	}
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
