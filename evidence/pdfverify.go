package evidence

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"maps"
	"slices"
	"time"
)

// VerifyPDF checks a sealed PDF on its own with no trusted seal
// certificate. See VerifyPDFWith.
func VerifyPDF(ctx context.Context, pdf []byte) Report {
	return VerifyPDFWith(ctx, pdf, Options{})
}

// VerifyPDFWith checks a sealed PDF on its own. "pdf seal": a certification
// signature (DocMDP, no change permitted) covering the whole file, nothing
// signed or appended after it. Then the evidence it embeds: the manifest and
// its seal (by the PDF's own signer), the seal's trust, each document, the
// audit chain, each signature and its binding, signatories complete; the
// recordings are checked by hash only (their bytes travel in the bundle).
func VerifyPDFWith(ctx context.Context, pdf []byte, opt Options) Report {
	rep := Report{Kind: "pdf"}
	if err := ctx.Err(); err != nil {
		rep.fail(CheckPDFSeal, err.Error())
		return rep
	}
	sp, err := readSealedPDF(pdf, opt.limits())
	if err != nil {
		rep.fail(CheckPDFSeal, err.Error())
		return rep
	}
	rep.pass(CheckPDFSeal, certDetail(sp.cert)+"; certification signature (no change permitted) over the whole file")
	pdfTime(&rep, sp, opt.TSARoots, time.Time{})
	if len(sp.files) == 0 {
		sealTrust(&rep, opt.Trust, sp.cert, time.Time{})
		rep.fail(CheckEmbedded, "the PDF carries no evidence files: verify the evidence bundle instead")
		return rep
	}
	v := &bundleVerifier{ctx: ctx, src: embeddedFiles(sp.files), lim: opt.limits(), pdfMode: true, rep: &rep, actual: map[string]fileSum{},
		openRecording: opt.OpenRecording}
	for p, data := range sp.files {
		v.actual[p] = fileSum{sha256Hex(data), int64(len(data))}
	}
	m, cert, ok := v.manifest()
	if !ok {
		sealTrust(&rep, opt.Trust, sp.cert, time.Time{})
		return rep
	}
	if cert != nil && !bytes.Equal(cert.Raw, sp.cert.Raw) {
		rep.fail(CheckManifestSeal, "the manifest is sealed with a certificate other than the PDF's")
	}
	sealTrust(&rep, opt.Trust, sp.cert, m.SealedAt)
	if cert != nil {
		rep.Record = newRecord(m, sp.cert, func(Recording) bool { return false })
	}
	rep.result(CheckEmbedded, embeddedMatch(m, sp.files, nil), fmt.Sprintf("%d files: exactly those the manifest names, recordings aside", len(sp.files)))
	v.documents(m)
	chain := v.audit(m)
	v.signatures(m, chain)
	v.recordings(m)
	v.timeline(m)
	return rep
}

type embeddedFiles map[string][]byte

func (e embeddedFiles) read(rel string) ([]byte, error) {
	b, ok := e[rel]
	if !ok {
		return nil, fmt.Errorf("%s: not embedded in the PDF", rel)
	}
	return b, nil
}

// pdfEvidencePaths are the bag paths a sealed PDF embeds for manifest m: every payload
// file but the sealed PDF itself and the recordings.
func pdfEvidencePaths(m Manifest) map[string]bool {
	want := map[string]bool{PathManifest: true, PathManifestJWS: true, PathManifestSig: true, PathSealCert: true}
	for p := range expectedRefs(m) {
		want[p] = true
	}
	for _, s := range m.Signatures {
		want[signatureJWSPath(s.ParticipantID)], want[signatureJWKPath(s.ParticipantID)] = true, true
	}
	for _, r := range m.Recordings {
		delete(want, r.Path)
	}
	delete(want, "")
	return want
}

// embeddedMatch checks that the embedded files are exactly the evidence paths of m and,
// when actual is given (a bundle's files), that each equals the bundle's file.
func embeddedMatch(m Manifest, files map[string][]byte, actual map[string]fileSum) error {
	want := pdfEvidencePaths(m)
	var problems []string
	for _, p := range slices.Sorted(maps.Keys(want)) {
		data, ok := files[p]
		switch {
		case !ok:
			problems = append(problems, p+" is not embedded in the PDF")
		case actual != nil && actual[p].sum != sha256Hex(data):
			problems = append(problems, p+" embedded in the PDF differs from the bundle's")
		}
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		if !want[p] {
			problems = append(problems, "the PDF embeds "+p+", which the manifest does not name")
		}
	}
	return joinErr(problems)
}

// sealedPDF checks a bundle's sealed PDF: its certification signature, by the manifest's
// seal certificate ("pdf seal"), and that it embeds this very manifest and the bundle's
// evidence files ("sealed pdf").
func (v *bundleVerifier) sealedPDF(m Manifest, sealCert *x509.Certificate) {
	pdf, err := v.src.read(m.SealedPDF.Path)
	var sp *sealedPDF
	if err == nil {
		sp, err = readSealedPDF(pdf, v.lim)
	}
	if err == nil && (sealCert == nil || !bytes.Equal(sp.cert.Raw, sealCert.Raw)) {
		err = fmt.Errorf("the PDF is sealed with a certificate other than the manifest's seal certificate")
	}
	if err != nil {
		v.rep.fail(CheckPDFSeal, m.SealedPDF.Path+": "+err.Error())
		v.rep.fail(CheckSealedPDF, "the sealed PDF could not be checked")
		return
	}
	v.rep.pass(CheckPDFSeal, certDetail(sp.cert)+"; certification signature (no change permitted) over the whole file")
	pdfTime(v.rep, sp, v.tsaRoots, m.SealedAt)
	err = embeddedMatch(m, sp.files, v.actual)
	if err == nil && !bytes.Equal(sp.files[PathManifest], mustRead(v.src, PathManifest)) {
		err = fmt.Errorf("the manifest embedded in the PDF is not this bundle's")
	}
	v.rep.result(CheckSealedPDF, err, fmt.Sprintf("%s embeds this manifest and %d evidence files", m.SealedPDF.Path, len(sp.files)))
}

func mustRead(r fileReader, p string) []byte {
	b, _ := r.read(p)
	return b
}
