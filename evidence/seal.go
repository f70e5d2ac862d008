package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
	_ "time/tzdata" // venue times on the signature page must not depend on the host's zoneinfo

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// ErrPDF reports a document that is not a usable PDF or a failure to seal.
var ErrPDF = errors.New("pdf")

// DocumentPDF is one frozen document version to be sealed.
type DocumentPDF struct {
	ID, Language, Filename string
	Data                   []byte
}

// pdfConfig returns a pdfcpu configuration built in memory, so pdfcpu never
// reads or writes its per-user configuration directory.
func pdfConfig() *model.Configuration {
	return &model.Configuration{
		CreationDate:              time.Now().Format("2006-01-02 15:04"),
		Version:                   model.VersionStr,
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		WriteObjectStream:         true,
		WriteXRefStream:           true,
		TimestampFormat:           "2006-01-02 15:04",
		DateFormat:                "2006-01-02",
		Optimize:                  true,
		OptimizeBeforeWriting:     true,
		OptimizeResourceDicts:     true,
		Offline:                   true,
		Limits:                    model.DefaultResourceLimits(),
	}
}

// PageCount returns the number of pages of a PDF.
func PageCount(pdfBytes []byte) (n int, err error) {
	defer recoverPDF(&err)
	n, err = api.PageCount(bytes.NewReader(pdfBytes), pdfConfig())
	if err != nil {
		return 0, fmt.Errorf("%w: page count: %v", ErrPDF, err)
	}
	return n, nil
}

// PDFOptions tune SealPDFWith.
type PDFOptions struct {
	// TSAURL, when set, is an RFC 3161 time-stamp authority asked for a token over the
	// signature value, added as the signature-time-stamp unsigned attribute (PAdES B-T).
	TSAURL string
}

// SealPDF is SealPDFWith without a time-stamp.
func SealPDF(ctx context.Context, docs []DocumentPDF, page SignaturePage, s *Sealer, atts ...Attachment) ([]byte, error) {
	return SealPDFWith(ctx, docs, page, s, PDFOptions{}, atts...)
}

// SealPDFWith merges every document, in order, with a generated signature page
// listing each document's SHA-256 and page count, embeds the attachments as
// associated files (see Attachments), and signs the result as a certification
// signature (DocMDP P=1 referenced from the catalog's /Perms: no change
// permitted; SubFilter adbe.pkcs7.detached with a CMS SigningCertificateV2
// attribute, SHA-256, ECDSA P-256) with the seal key, time-stamped when opt.TSAURL is set.
func SealPDFWith(ctx context.Context, docs []DocumentPDF, page SignaturePage, s *Sealer, opt PDFOptions, atts ...Attachment) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("seal pdf: %w: no documents", ErrPDF)
	}
	page.Documents = page.Documents[:0:0]
	inputs := make([]io.ReadSeeker, 0, len(docs)+1)
	for _, d := range docs {
		n, err := PageCount(d.Data)
		if err != nil {
			return nil, fmt.Errorf("seal pdf: document %s: %w", d.ID, err)
		}
		page.Documents = append(page.Documents, PageDocument{d.ID, d.Language, d.Filename, sha256Hex(d.Data), n})
		inputs = append(inputs, bytes.NewReader(d.Data))
	}
	pages, err := page.layout()
	if err != nil {
		return nil, fmt.Errorf("seal pdf: %w", err)
	}
	inputs = append(inputs, bytes.NewReader(renderPDF(pages)))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	merged, err := merge(inputs)
	if err != nil {
		return nil, fmt.Errorf("seal pdf: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prepared, sigObj, err := attachAndPrepare(merged, atts, page.SealedAt)
	if err != nil {
		return nil, fmt.Errorf("seal pdf: %w", err)
	}
	sealed, err := signPDF(prepared, s, page.SealedAt, opt.TSAURL)
	if err != nil {
		return nil, err
	}
	if _, err := readSealedPDF(sealed, DefaultLimits()); err != nil { // the seal must be what verifiers expect
		return nil, fmt.Errorf("seal pdf: certification signature object %d: %w", sigObj, err)
	}
	return sealed, nil
}

func merge(inputs []io.ReadSeeker) (_ []byte, err error) {
	defer recoverPDF(&err)
	var merged bytes.Buffer
	conf := pdfConfig()
	conf.WriteObjectStream, conf.WriteXRefStream = false, false // a classic table for the updates that follow
	if err := api.MergeRaw(inputs, &merged, false, conf); err != nil {
		return nil, fmt.Errorf("%w: merge: %v", ErrPDF, err)
	}
	return merged.Bytes(), nil
}

// recoverPDF turns a panic inside a PDF library, which malformed uploads
// can provoke, into an ErrPDF error instead of a crashed server.
func recoverPDF(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: malformed PDF (%v)", ErrPDF, r)
	}
}

func signPDF(in []byte, s *Sealer, at time.Time, tsaURL string) (_ []byte, err error) {
	defer recoverPDF(&err)
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, fmt.Errorf("seal pdf: %w: read merged: %v", ErrPDF, err)
	}
	chain := append([]*x509.Certificate{s.Cert}, s.Chain...)
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{
				Name:   s.Cert.Subject.CommonName,
				Reason: "Signroom seal: documents and signatures as listed on the signature page",
				Date:   at.UTC(),
			},
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
		},
		Signer:            s.Key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       s.Cert,
		CertificateChains: [][]*x509.Certificate{chain},
		TSA:               sign.TSA{URL: tsaURL},
	})
	if err != nil {
		return nil, fmt.Errorf("seal pdf: %w: sign: %v", ErrPDF, err)
	}
	return out.Bytes(), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
