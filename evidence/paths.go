package evidence

import (
	"encoding/json"
	"path"
	"strings"

	"github.com/signroom/signroom/signatures"
)

// Fixed payload paths inside a bag.
const (
	PathManifest     = "data/manifest.json"
	PathManifestJWS  = "data/manifest.jws"
	PathManifestSig  = "data/manifest.json.sig"
	PathSealCert     = "data/seal-cert.pem"
	PathSealedPDF    = "data/sealed.pdf"
	PathAuditLog     = "data/audit.jsonl"
	dirSignatures    = "data/signatures/"
	dirDocuments     = "data/documents/"
	dirStills        = "data/stills/"
	dirDrawings      = "data/drawings/"
	dirRecordings    = "data/recordings/"
	maxPathComponent = 120
)

// SafeName maps s to a file name of ASCII letters, digits, '.', '-' and
// '_' (others become '_'), never starting with '.', at most 120 bytes.
func SafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if out == "" {
		out = "_"
	}
	if len(out) > maxPathComponent {
		out = out[:maxPathComponent]
	}
	return out
}

// DocumentPath is the bag path for a document version.
func DocumentPath(id, filename string) string { return dirDocuments + SafeName(id+"-"+filename) }

// StillPath is the bag path for a signer's camera still (ext like "jpg").
func StillPath(participantID, ext string) string {
	return dirStills + SafeName(participantID+"."+ext)
}

// DrawingPath is the bag path for a signer's drawn signature (ext like "png").
func DrawingPath(participantID, ext string) string {
	return dirDrawings + SafeName(participantID+"."+ext)
}

// RecordingPath is the bag path for a participant's recording file.
func RecordingPath(participantID, filename string) string {
	return dirRecordings + SafeName(participantID+"-"+filename)
}

// ExportedRecordingPath is where a bag holds the file of recording r: the path the manifest
// gives it, or, for a recording the sealed manifest lists by hash only (no path), the path an
// export adds it at, RecordingPath(participant, filename). A verifier checks such a file
// against the manifest's SHA-256 and size like any other payload file.
func ExportedRecordingPath(r Recording) string {
	if r.Path != "" {
		return r.Path
	}
	return RecordingPath(r.ParticipantID, r.Filename)
}

func signatureJWSPath(participantID string) string {
	return dirSignatures + SafeName(participantID) + ".jws"
}

func signatureJWKPath(participantID string) string {
	return dirSignatures + SafeName(participantID) + ".jwk.json"
}

// NewFileRef returns the reference (path, SHA-256, size) for data at p.
func NewFileRef(p string, data []byte) FileRef {
	return FileRef{Path: p, SHA256: sha256Hex(data), Size: int64(len(data))}
}

// AuditLogJSONL encodes events as JSON Lines, one signatures.Event per line,
// as stored at data/audit.jsonl.
func AuditLogJSONL(events []signatures.Event) ([]byte, error) {
	var b strings.Builder
	for _, e := range events {
		line, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// validPayloadPath reports whether p is a clean relative path under data/.
func validPayloadPath(p string) bool {
	return strings.HasPrefix(p, "data/") && path.Clean(p) == p && !strings.Contains(p, "\\") &&
		!strings.Contains(p, "/../") && !strings.HasSuffix(p, "/..") && !strings.ContainsAny(p, "\r\n%") && len(p) < 1024
}
