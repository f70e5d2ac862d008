package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Check is one named verification step and its outcome.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Report lists every check made on a bundle or sealed PDF.
type Report struct {
	Kind   string  `json:"kind"` // "bundle", "pdf" or "unknown"
	Checks []Check `json:"checks"`
}

// OK reports whether at least one check was made and every check passed.
func (r Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// MarshalJSON adds the overall verdict: {"kind","ok","checks"}.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		OK bool `json:"ok"`
		plain
	}{r.OK(), plain(r)})
}

// Failed returns the checks that did not pass.
func (r Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

func (r *Report) pass(name, detail string) { r.Checks = append(r.Checks, Check{name, true, detail}) }
func (r *Report) fail(name, detail string) { r.Checks = append(r.Checks, Check{name, false, detail}) }

// result records err as a failed check, or a passed one with detail.
func (r *Report) result(name string, err error, detail string) bool {
	if err != nil {
		r.fail(name, err.Error())
		return false
	}
	r.pass(name, detail)
	return true
}

// Limits bound the resources verification spends on hostile input.
type Limits struct {
	MaxEntries    int   // ZIP entries
	MaxFileSize   int64 // uncompressed bytes of any one file
	MaxTotalSize  int64 // uncompressed bytes of all files together
	MaxMemoryFile int64 // uncompressed bytes of a file read into memory (PDF, manifest, audit log)
	MaxRatio      int64 // uncompressed/compressed ratio beyond the first MiB
}

// DefaultLimits suit bundles with recordings of a few hours.
func DefaultLimits() Limits {
	return Limits{MaxEntries: 10000, MaxFileSize: 16 << 30, MaxTotalSize: 64 << 30, MaxMemoryFile: 512 << 20, MaxRatio: 200}
}

// ServiceLimits are DefaultLimits with less memory per verification, for a service that
// verifies uploads from many callers: 128 MiB for a file read whole (a sealed PDF, the
// manifest, the audit log).
func ServiceLimits() Limits {
	lim := DefaultLimits()
	lim.MaxMemoryFile = 128 << 20
	return lim
}

// Check names used in reports.
const (
	CheckFormat       = "file format"
	CheckBagStructure = "bag structure"
	CheckBagInfo      = "bag info"
	CheckFixity       = "bag fixity"
	CheckCompleteness = "bag completeness"
	CheckTagManifest  = "tag manifest"
	CheckManifestSeal = "manifest seal"
	CheckManifest     = "manifest format"
	CheckReferenced   = "payload referenced by manifest"
	CheckDocument     = "document"
	CheckSignature    = "signature"
	CheckBinding      = "signature binding"
	CheckAudit        = "audit chain"
	CheckSealedPDF    = "sealed pdf hash"
	CheckPDFSeal      = "pdf seal"
	CheckRecording    = "recording"
	CheckStill        = "still/drawing"
)

// VerifyFile detects a ZIP bundle or a PDF by its magic bytes and verifies it with
// DefaultLimits.
func VerifyFile(ctx context.Context, r io.ReaderAt, size int64) Report {
	return VerifyFileWithLimits(ctx, r, size, DefaultLimits())
}

// VerifyFileWithLimits is VerifyFile with the given limits.
func VerifyFileWithLimits(ctx context.Context, r io.ReaderAt, size int64, lim Limits) Report {
	head := make([]byte, 5)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return VerifyWithLimits(ctx, r, size, lim)
	case bytes.HasPrefix(head, []byte("%PDF-")):
		if size > lim.MaxMemoryFile {
			return Report{Kind: "pdf", Checks: []Check{{CheckFormat, false, fmt.Sprintf("PDF of %d bytes exceeds %d", size, lim.MaxMemoryFile)}}}
		}
		b := make([]byte, size)
		if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
			return Report{Kind: "pdf", Checks: []Check{{CheckFormat, false, "read: " + err.Error()}}}
		}
		return VerifyPDF(ctx, b)
	}
	return Report{Kind: "unknown", Checks: []Check{{CheckFormat, false, "neither a ZIP evidence bundle nor a PDF"}}}
}

// VerifyPDF checks a sealed PDF on its own: its last signature must cover
// the whole file and verify. It cannot say whom the certificate belongs
// to; the detail gives its subject and SHA-256 fingerprint to compare with
// the service's published seal certificate.
func VerifyPDF(ctx context.Context, pdf []byte) Report {
	rep := Report{Kind: "pdf"}
	if err := ctx.Err(); err != nil {
		rep.fail(CheckPDFSeal, err.Error())
		return rep
	}
	cert, err := verifyPDFSeal(pdf)
	if err != nil {
		rep.fail(CheckPDFSeal, err.Error())
		return rep
	}
	rep.pass(CheckPDFSeal, certDetail(cert))
	return rep
}
