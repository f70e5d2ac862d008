package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Check is one named verification step and its outcome. A check that could
// not be decided for lack of a trust anchor (the seal's certificate when no
// trusted seal certificate was given) has OK false and Unverified true.
type Check struct {
	Name       string `json:"name"`
	OK         bool   `json:"ok"`
	Unverified bool   `json:"unverified,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// Report lists every check made on a bundle or sealed PDF.
type Report struct {
	Kind   string  `json:"kind"` // "bundle", "pdf" or "unknown"
	Checks []Check `json:"checks"`
	// Record is what the sealed manifest says, once its seal verified (nil before).
	Record *Record `json:"record,omitempty"`
}

// Verdicts of a report.
const (
	VerdictValid      = "valid"           // every check passed, the seal is trusted
	VerdictUnverified = "seal unverified" // every check passed but nobody said which seal to trust
	VerdictInvalid    = "invalid"         // a check failed
)

// Verdict is VerdictInvalid if any check failed, VerdictUnverified if the
// only checks not passed are unverified ones, else VerdictValid.
func (r Report) Verdict() string {
	verdict := VerdictValid
	for _, c := range r.Checks {
		switch {
		case c.OK:
		case c.Unverified:
			verdict = VerdictUnverified
		default:
			return VerdictInvalid
		}
	}
	if len(r.Checks) == 0 {
		return VerdictInvalid
	}
	return verdict
}

// OK reports whether the verdict is valid: every check passed, including the
// seal's trust. A record checked without a trusted seal certificate is
// never OK, however intact.
func (r Report) OK() bool { return r.Verdict() == VerdictValid }

// MarshalJSON adds the verdict: {"kind","ok","verdict","checks"}; "ok" is
// true only for a valid verdict.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		OK      bool   `json:"ok"`
		Verdict string `json:"verdict"`
		plain
	}{r.OK(), r.Verdict(), plain(r)})
}

// Failed returns the checks that did not pass (unverified ones included).
func (r Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

func (r *Report) pass(name, detail string) {
	r.Checks = append(r.Checks, Check{Name: name, OK: true, Detail: detail})
}
func (r *Report) fail(name, detail string) {
	r.Checks = append(r.Checks, Check{Name: name, Detail: detail})
}
func (r *Report) unverified(name, detail string) {
	r.Checks = append(r.Checks, Check{Name: name, Unverified: true, Detail: detail})
}

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
	CheckSealTrust    = "seal trust"
	CheckSealedPDF    = "sealed pdf"
	CheckEmbedded     = "embedded evidence"
	CheckPDFSeal      = "pdf seal"
	CheckRecording    = "recording"
	CheckStill        = "still/drawing"
	CheckTrustedTime  = "trusted time"
	CheckPDFTimestamp = "pdf timestamp"
	CheckLogInclusion = "log inclusion"
)

// VerifyFile detects a ZIP bundle or a PDF by its magic bytes and verifies
// it with no trusted seal certificate. See VerifyFileWith.
func VerifyFile(ctx context.Context, r io.ReaderAt, size int64) Report {
	return VerifyFileWith(ctx, r, size, Options{})
}

// VerifyFileWithLimits is VerifyFile with the given limits.
func VerifyFileWithLimits(ctx context.Context, r io.ReaderAt, size int64, lim Limits) Report {
	return VerifyFileWith(ctx, r, size, Options{Limits: lim})
}

// VerifyFileWith detects a ZIP bundle or a PDF by its magic bytes and
// verifies it (VerifyBundle or VerifyPDFWith).
func VerifyFileWith(ctx context.Context, r io.ReaderAt, size int64, opt Options) Report {
	head := make([]byte, 5)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return VerifyBundle(ctx, r, size, opt)
	case bytes.HasPrefix(head, []byte("%PDF-")):
		lim := opt.limits()
		if size > lim.MaxMemoryFile {
			return Report{Kind: "pdf", Checks: []Check{{Name: CheckFormat, Detail: fmt.Sprintf("PDF of %d bytes exceeds %d", size, lim.MaxMemoryFile)}}}
		}
		b := make([]byte, size)
		if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
			return Report{Kind: "pdf", Checks: []Check{{Name: CheckFormat, Detail: "read: " + err.Error()}}}
		}
		return VerifyPDFWith(ctx, b, opt)
	}
	return Report{Kind: "unknown", Checks: []Check{{Name: CheckFormat, Detail: "neither a ZIP evidence bundle nor a PDF"}}}
}
