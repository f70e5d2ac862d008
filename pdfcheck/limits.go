package pdfcheck

import "errors"

// Limits bound what one PDF may cost to inspect and parse.
type Limits struct {
	MaxObjects      int   // indirect objects, including those inside object streams
	MaxPages        int   // page objects
	MaxStreamBytes  int64 // decoded bytes of any one stream
	MaxDecodedBytes int64 // decoded bytes of all streams together
	MaxFilterDepth  int   // filters chained on one stream
}

// DefaultLimits suit agreements of a few hundred pages with scanned signatures: they keep
// one document's inspection and parse under about 256 MiB of memory (docs/benchmarks.md).
func DefaultLimits() Limits {
	return Limits{MaxObjects: 200_000, MaxPages: 2_000, MaxStreamBytes: 64 << 20, MaxDecodedBytes: 128 << 20, MaxFilterDepth: 4}
}

// Errors of Scan and Check, wrapped with the details; test with errors.Is.
var (
	// ErrLimit: the file passes one of the Limits.
	ErrLimit = errors.New("pdf exceeds a limit")
	// ErrActive: the file carries active content (the message names what was found).
	ErrActive = errors.New("pdf carries active content")
	// ErrEncrypted: the file is encrypted.
	ErrEncrypted = errors.New("pdf is encrypted")
	// ErrInvalid: the file is not a readable PDF.
	ErrInvalid = errors.New("pdf is not readable")
)
