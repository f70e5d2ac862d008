package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/signroom/signroom/signatures"
)

// ErrBundle reports a bundle that cannot be written as requested.
var ErrBundle = errors.New("evidence bundle")

// File is a payload file for a bundle. Either Data holds the bytes or Open
// streams them (for large recordings); Path is the bag path the manifest names.
type File struct {
	Path string
	Data []byte
	Open func(ctx context.Context) (io.ReadCloser, error)
}

// Bundle is everything WriteBundle puts in an evidence bag.
type Bundle struct {
	Manifest  SignedManifest
	SealedPDF []byte
	AuditLog  []signatures.Event
	// Files are the documents, stills, drawings and included recordings, each
	// at the path the manifest gives it.
	Files []File
	// ManifestTimestamp, when set, is the RFC 3161 token over the manifest's SHA-256,
	// written at PathManifestTimestamp.
	ManifestTimestamp []byte
	// LogProof, when set, is the transparency log's inclusion proof of the manifest,
	// written as the tag file TagLogProof.
	LogProof []byte
	Software string    // Bag-Software-Agent; "signroom" if empty
	Created  time.Time // Bagging-Date; the manifest's sealed_at if zero
}

// BagDir is the top-level directory of the bag inside the ZIP.
func BagDir(agreementID string) string { return "signroom-evidence-" + SafeName(agreementID) }

type bagWriter struct {
	zw       *zip.Writer
	dir      string
	modified time.Time
	payload  []manifestLine
	oxumSize int64
}

type manifestLine struct{ sum, path string }

// WriteBundle writes b to w as a ZIP holding one BagIt 1.0 bag (RFC 8493)
// in the directory BagDir(agreement id). Every file the manifest names must
// be supplied and must match the manifest's hash; otherwise WriteBundle
// fails with ErrBundle and w holds an incomplete ZIP to be discarded.
func WriteBundle(ctx context.Context, w io.Writer, b Bundle) error {
	m, err := ParseManifest(b.Manifest.JSON)
	if err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if b.Created.IsZero() {
		b.Created = m.SealedAt
	}
	bw := &bagWriter{zw: zip.NewWriter(w), dir: BagDir(m.Agreement.ID), modified: b.Created.UTC()}
	if err := bw.writePayload(ctx, m, b); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := bw.writeTags(m, b); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := bw.zw.Close(); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

func (bw *bagWriter) writePayload(ctx context.Context, m Manifest, b Bundle) error {
	audit, err := AuditLogJSONL(b.AuditLog)
	if err != nil {
		return err
	}
	fixed := []File{
		{Path: PathManifest, Data: b.Manifest.JSON}, {Path: PathManifestJWS, Data: b.Manifest.JWS},
		{Path: PathManifestSig, Data: b.Manifest.Sig}, {Path: PathSealCert, Data: b.Manifest.CertPEM},
		{Path: m.SealedPDF.Path, Data: b.SealedPDF}, {Path: m.Audit.Path, Data: audit},
	}
	for _, s := range m.Signatures {
		fixed = append(fixed, File{Path: signatureJWSPath(s.ParticipantID), Data: []byte(s.JWS)},
			File{Path: signatureJWKPath(s.ParticipantID), Data: jwkFile(s.JWK)})
	}
	if b.ManifestTimestamp != nil {
		fixed = append(fixed, File{Path: PathManifestTimestamp, Data: b.ManifestTimestamp})
	}
	files := append(fixed, b.Files...)
	want := expectedRefs(m)
	seen := map[string]bool{}
	for _, f := range files {
		if !validPayloadPath(f.Path) || seen[f.Path] {
			return fmt.Errorf("%w: bad or duplicate path %q", ErrBundle, f.Path)
		}
		seen[f.Path] = true
		if err := bw.writeFile(ctx, f, want[f.Path]); err != nil {
			return err
		}
	}
	for p := range want {
		if !seen[p] {
			return fmt.Errorf("%w: manifest names %s but no file was supplied", ErrBundle, p)
		}
	}
	return nil
}

// expectedRefs maps every bag path the manifest names to its reference.
func expectedRefs(m Manifest) map[string]FileRef {
	refs := map[string]FileRef{m.Audit.Path: m.Audit.FileRef}
	for _, d := range m.Documents {
		refs[d.Path] = FileRef{Path: d.Path, SHA256: d.SHA256, Size: d.Size}
	}
	for _, s := range m.Signatures {
		for _, f := range []*FileRef{s.Still, s.Drawing} {
			if f != nil {
				refs[f.Path] = *f
			}
		}
	}
	for _, r := range m.Recordings {
		if r.Path != "" {
			refs[r.Path] = FileRef{Path: r.Path, SHA256: r.SHA256, Size: r.Size}
		}
	}
	return refs
}

func (bw *bagWriter) create(name string, method uint16) (io.Writer, error) {
	return bw.zw.CreateHeader(&zip.FileHeader{Name: bw.dir + "/" + name, Method: method, Modified: bw.modified})
}

func (bw *bagWriter) writeFile(ctx context.Context, f File, want FileRef) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	method := zip.Deflate
	if ext := path.Ext(f.Path); ext == ".webm" || ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".mp4" {
		method = zip.Store
	}
	zf, err := bw.create(f.Path, method)
	if err != nil {
		return err
	}
	src, err := f.reader(ctx)
	if err != nil {
		return fmt.Errorf("%w: open %s: %v", ErrBundle, f.Path, err)
	}
	defer src.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(zf, h), src)
	if err != nil {
		return fmt.Errorf("%w: copy %s: %v", ErrBundle, f.Path, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want.Path != "" && (sum != want.SHA256 || n != want.Size) {
		return fmt.Errorf("%w: %s does not match the manifest (sha256 %s size %d)", ErrBundle, f.Path, sum, n)
	}
	bw.payload = append(bw.payload, manifestLine{sum, f.Path})
	bw.oxumSize += n
	return nil
}

func (f File) reader(ctx context.Context) (io.ReadCloser, error) {
	if f.Open != nil && f.Data == nil {
		return f.Open(ctx)
	}
	return io.NopCloser(bytes.NewReader(f.Data)), nil
}

func (bw *bagWriter) writeTags(m Manifest, b Bundle) error {
	software := b.Software
	if software == "" {
		software = "signroom"
	}
	info := fmt.Sprintf("Bag-Software-Agent: %s\nBagging-Date: %s\nPayload-Oxum: %d.%d\nExternal-Identifier: %s\n"+
		"External-Description: Signroom evidence bundle, manifest format %s\n",
		oneLine(software), b.Created.UTC().Format("2006-01-02"), bw.oxumSize, len(bw.payload), oneLine(m.Agreement.ID), FormatVersion)
	tags := []File{
		{Path: "bagit.txt", Data: []byte(bagitTxt)},
		{Path: "bag-info.txt", Data: []byte(info)},
		{Path: "manifest-sha256.txt", Data: manifestText(bw.payload)},
		{Path: "README.txt", Data: readme(m)},
	}
	if b.LogProof != nil {
		tags = append(tags, File{Path: TagLogProof, Data: b.LogProof})
	}
	var tagLines []manifestLine
	for _, t := range tags {
		zf, err := bw.create(t.Path, zip.Deflate)
		if err != nil {
			return err
		}
		if _, err := zf.Write(t.Data); err != nil {
			return err
		}
		tagLines = append(tagLines, manifestLine{sha256Hex(t.Data), t.Path})
	}
	zf, err := bw.create("tagmanifest-sha256.txt", zip.Deflate)
	if err != nil {
		return err
	}
	_, err = zf.Write(manifestText(tagLines))
	return err
}

const bagitTxt = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"

func manifestText(lines []manifestLine) []byte {
	sorted := slices.Clone(lines)
	slices.SortFunc(sorted, func(a, b manifestLine) int { return strings.Compare(a.path, b.path) })
	var b bytes.Buffer
	for _, l := range sorted {
		fmt.Fprintf(&b, "%s  %s\n", l.sum, l.path)
	}
	return b.Bytes()
}

// jwkFile is the content of data/signatures/<participant>.jwk.json.
func jwkFile(k signatures.JWK) []byte {
	b, _ := json.MarshalIndent(k, "", "  ") // a struct of strings always marshals
	return append(b, '\n')
}

func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

// PDFAttachments returns the evidence files SealPDF embeds for b: the signed manifest
// (JSON, JWS, DER signature, seal certificate), the audit log, each signature's JWS and JWK,
// and b.Files except recordings (documents as AFRelationship Source, the rest as Data).
// b.SealedPDF is not used: call it before sealing.
func PDFAttachments(ctx context.Context, b Bundle) ([]Attachment, error) {
	m, err := ParseManifest(b.Manifest.JSON)
	if err != nil {
		return nil, fmt.Errorf("pdf attachments: %w", err)
	}
	audit, err := AuditLogJSONL(b.AuditLog)
	if err != nil {
		return nil, fmt.Errorf("pdf attachments: %w", err)
	}
	files := []File{
		{Path: PathManifest, Data: b.Manifest.JSON}, {Path: PathManifestJWS, Data: b.Manifest.JWS},
		{Path: PathManifestSig, Data: b.Manifest.Sig}, {Path: PathSealCert, Data: b.Manifest.CertPEM}, {Path: m.Audit.Path, Data: audit},
	}
	for _, s := range m.Signatures {
		files = append(files, File{Path: signatureJWSPath(s.ParticipantID), Data: []byte(s.JWS)},
			File{Path: signatureJWKPath(s.ParticipantID), Data: jwkFile(s.JWK)})
	}
	want := pdfEvidencePaths(m)
	var out []Attachment
	for _, f := range append(files, b.Files...) {
		if !want[f.Path] {
			continue
		}
		data, err := f.bytes(ctx)
		if err != nil {
			return nil, fmt.Errorf("pdf attachments: %w", err)
		}
		rel := "Data"
		if strings.HasPrefix(f.Path, dirDocuments) {
			rel = "Source"
		}
		out = append(out, Attachment{Path: f.Path, Data: data, Relationship: rel})
	}
	return out, nil
}

func (f File) bytes(ctx context.Context) ([]byte, error) {
	if f.Data != nil || f.Open == nil {
		return f.Data, nil
	}
	rc, err := f.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
