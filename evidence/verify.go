package evidence

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/signroom/signroom/signatures"
	"golang.org/x/mod/sumdb/note"
)

// Options tune verification.
type Options struct {
	Limits Limits // the zero value means DefaultLimits()
	// Trust lists the seal certificates to accept. Empty, every record is
	// at best "seal unverified" (Report.OK is false).
	Trust Trust
	// OpenRecording, when set, opens the file of a recording the record holds by hash
	// only (say from a directory of files exported from the archive): its bytes are then
	// checked against the manifest's size and SHA-256. An error fails that recording's check.
	OpenRecording func(r Recording) (io.ReadCloser, error)
	// TSARoots are the time-stamp authorities' roots to trust. nil: a time-stamp token is
	// checked (imprint, signature) but not its TSA, and the check's detail says so.
	TSARoots *x509.CertPool
	// ManifestTimestamp is a supplementary time-stamp token over the manifest (the file
	// ManifestTimestampFile published beside the bundle), used when the bundle has none.
	ManifestTimestamp []byte
	// LogKey is the transparency log's public key (ParseLogKey). nil: a bundle's inclusion
	// proof is checked against its checkpoint, whose signature is not checked (the detail
	// says so); set, the signature must verify and a bundle without a proof fails.
	LogKey note.Verifier
}

func (o Options) limits() Limits {
	if o.Limits == (Limits{}) {
		return DefaultLimits()
	}
	return o.Limits
}

// Verify checks an evidence bundle (a ZIP) with DefaultLimits and no
// trusted seal certificate. See VerifyBundle.
func Verify(ctx context.Context, r io.ReaderAt, size int64) Report {
	return VerifyBundle(ctx, r, size, Options{})
}

// VerifyWithLimits checks an evidence bundle with the given limits and no
// trusted seal certificate. See VerifyBundle.
func VerifyWithLimits(ctx context.Context, r io.ReaderAt, size int64, lim Limits) Report {
	return VerifyBundle(ctx, r, size, Options{Limits: lim})
}

// VerifyBundle checks an evidence bundle and reports every check by
// name: bag structure, fixity of each payload file, completeness, tag
// manifests, bag info, manifest seal and format, the seal's trust, payload
// referenced by the manifest, each document hash, the audit chain, each
// signature and its binding to participant, documents and chain, the sealed
// PDF and its PDF seal, stills/drawings and recordings. Hostile input
// (bombs, unsafe names, duplicates, huge entries) fails "bag structure" or
// the check that reads the file.
func VerifyBundle(ctx context.Context, r io.ReaderAt, size int64, opt Options) Report {
	rep := Report{Kind: "bundle"}
	b, err := openBag(r, size, opt.limits())
	if err != nil {
		rep.fail(CheckBagStructure, err.Error())
		return rep
	}
	b.declared = declaredSizes(b)
	b.total = 0 // the manifest read above counts once, when its check reads it
	v := &bundleVerifier{ctx: ctx, bag: b, src: b, lim: opt.limits(), rep: &rep, actual: map[string]fileSum{}, openRecording: opt.OpenRecording,
		tsaRoots: opt.TSARoots}
	if !v.structure() {
		return rep
	}
	v.payloadManifests()
	v.tagManifests()
	m, cert, ok := v.manifest()
	v.bagInfo(m.Agreement.ID)
	if !ok {
		return rep
	}
	sealTrust(&rep, opt.Trust, cert, m.SealedAt)
	if cert != nil {
		rep.Record = newRecord(m, cert, func(r Recording) bool { _, ok := b.files[ExportedRecordingPath(r)]; return ok })
	}
	v.attestTime(m, opt.ManifestTimestamp)
	v.logInclusion(opt.LogKey)
	v.referenced(m)
	v.documents(m)
	chain := v.audit(m)
	v.signatures(m, chain)
	v.sealedPDF(m, cert)
	v.recordings(m)
	v.timeline(m)
	return rep
}

type fileSum struct {
	sum  string
	size int64
}

// bundleVerifier checks a bundle, or (pdfMode) the evidence embedded in a sealed PDF.
type bundleVerifier struct {
	ctx     context.Context
	bag     *bag       // nil in pdfMode
	src     fileReader // the bag, or the PDF's embedded files
	lim     Limits
	pdfMode bool
	rep     *Report
	actual  map[string]fileSum // hashes of payload files that could be read
	// openRecording opens hash-only recordings (Options.OpenRecording); nil: not checked.
	openRecording func(Recording) (io.ReadCloser, error)
	tsaRoots      *x509.CertPool
}

// fileReader reads a payload file by bag path.
type fileReader interface {
	read(rel string) ([]byte, error)
}

func (v *bundleVerifier) structure() bool {
	var missing []string
	for _, f := range []string{"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"} {
		if _, ok := v.bag.files[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		v.rep.fail(CheckBagStructure, "missing "+strings.Join(missing, ", "))
		return false
	}
	decl, err := v.src.read("bagit.txt")
	if err == nil && !bytes.Equal(decl, []byte(bagitTxt)) {
		err = fmt.Errorf("bagit.txt: want exactly %q", bagitTxt)
	}
	if _, ok := v.bag.files["fetch.txt"]; ok && err == nil {
		err = errors.New("fetch.txt: a Signroom bag is complete and fetches nothing")
	}
	return v.rep.result(CheckBagStructure, err, fmt.Sprintf("BagIt 1.0 bag in %q, %d files", v.bag.dir, len(v.bag.files)))
}

func (v *bundleVerifier) bagInfo(agreementID string) {
	data, err := v.src.read("bag-info.txt")
	if err != nil {
		v.rep.fail(CheckBagInfo, err.Error())
		return
	}
	info := parseBagInfo(data)
	var total int64
	for _, p := range v.payloadPaths() {
		total += int64(v.bag.files[p].UncompressedSize64)
	}
	var problems []string
	if want := fmt.Sprintf("%d.%d", total, len(v.payloadPaths())); info["Payload-Oxum"] != want {
		problems = append(problems, fmt.Sprintf("bag-info.txt: Payload-Oxum %q, payload is %s", info["Payload-Oxum"], want))
	}
	if agreementID != "" && info["External-Identifier"] != agreementID {
		problems = append(problems, fmt.Sprintf("bag-info.txt: External-Identifier %q, manifest agreement %q", info["External-Identifier"], agreementID))
	}
	v.rep.result(CheckBagInfo, joinErr(problems), "Payload-Oxum "+info["Payload-Oxum"])
}

func parseBagInfo(data []byte) map[string]string {
	info := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if k, val, ok := strings.Cut(sc.Text(), ":"); ok && !strings.HasPrefix(k, " ") && !strings.HasPrefix(k, "\t") {
			info[k] = strings.TrimSpace(val)
		}
	}
	return info
}

func (v *bundleVerifier) manifest() (Manifest, *x509.Certificate, bool) {
	body, errJSON := v.src.read(PathManifest)
	cert, err := v.manifestSeal(body, errJSON)
	detail := ""
	if cert != nil {
		detail = certDetail(cert)
	}
	v.rep.result(CheckManifestSeal, err, detail)
	if errJSON != nil {
		v.rep.fail(CheckManifest, errJSON.Error())
		return Manifest{}, nil, false
	}
	m, err := ParseManifest(body)
	if !v.rep.result(CheckManifest, err, FormatVersion) {
		return Manifest{}, nil, false
	}
	return m, cert, true
}

func (v *bundleVerifier) manifestSeal(body []byte, errJSON error) (*x509.Certificate, error) {
	if errJSON != nil {
		return nil, errJSON
	}
	jws, err := v.src.read(PathManifestJWS)
	if err != nil {
		return nil, err
	}
	payload, cert, err := VerifyManifestJWS(jws)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PathManifestJWS, err)
	}
	if !bytes.Equal(payload, body) {
		return nil, fmt.Errorf("%s: signed payload differs from %s", PathManifestJWS, PathManifest)
	}
	if err := v.checkDERSig(body, cert); err != nil {
		return nil, err
	}
	return cert, nil
}

func (v *bundleVerifier) checkDERSig(body []byte, cert *x509.Certificate) error {
	certPEM, err := v.src.read(PathSealCert)
	if err != nil {
		return err
	}
	if !bytes.Equal(certPEM, CertPEM(cert)) {
		return fmt.Errorf("%s: not the certificate in the JWS x5c header", PathSealCert)
	}
	sig, err := v.src.read(PathManifestSig)
	if err != nil {
		return err
	}
	digest := sha256.Sum256(body)
	pub, _ := cert.PublicKey.(*ecdsa.PublicKey)
	if pub == nil || !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return fmt.Errorf("%s: signature over %s does not verify", PathManifestSig, PathManifest)
	}
	return nil
}

func (v *bundleVerifier) referenced(m Manifest) {
	allowed := map[string]bool{PathManifest: true, PathManifestJWS: true, PathManifestSig: true, PathSealCert: true, m.SealedPDF.Path: true,
		PathManifestTimestamp: true}
	for p := range expectedRefs(m) {
		allowed[p] = true
	}
	for _, r := range m.Recordings {
		allowed[ExportedRecordingPath(r)] = true
	}
	for _, s := range m.Signatures {
		allowed[signatureJWSPath(s.ParticipantID)], allowed[signatureJWKPath(s.ParticipantID)] = true, true
	}
	var problems []string
	for p := range allowed {
		if !validPayloadPath(p) {
			problems = append(problems, fmt.Sprintf("manifest names invalid path %q", p))
		}
	}
	for _, p := range v.payloadPaths() {
		if !allowed[p] {
			problems = append(problems, p+" is not referenced by the signed manifest")
		}
	}
	v.rep.result(CheckReferenced, joinErr(problems), "")
}

func joinErr(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	if len(problems) > 20 {
		problems = append(problems[:20], fmt.Sprintf("and %d more", len(problems)-20))
	}
	return errors.New(strings.Join(problems, "; "))
}

// fileMatches checks a manifest reference against the payload file's hash.
func (v *bundleVerifier) fileMatches(ref FileRef) error {
	if !validPayloadPath(ref.Path) {
		return fmt.Errorf("invalid path %q", ref.Path)
	}
	got, ok := v.actual[ref.Path]
	if !ok {
		return fmt.Errorf("%s: missing or unreadable", ref.Path)
	}
	if got.sum != ref.SHA256 || got.size != ref.Size {
		return fmt.Errorf("%s: sha256 %s size %d, manifest says sha256 %s size %d", ref.Path, got.sum, got.size, ref.SHA256, ref.Size)
	}
	return nil
}

func (v *bundleVerifier) documents(m Manifest) {
	if len(m.Documents) == 0 {
		v.rep.fail(CheckDocument, "manifest lists no documents")
	}
	for _, d := range m.Documents {
		err := v.fileMatches(FileRef{d.Path, d.SHA256, d.Size})
		v.rep.result(CheckDocument+": "+d.ID, err, fmt.Sprintf("%s [%s] sha256 %s", d.Filename, d.Language, d.SHA256))
	}
}

func (v *bundleVerifier) recordings(m Manifest) {
	for _, r := range m.Recordings {
		name := CheckRecording + ": " + r.ParticipantID + "/" + r.Filename
		if r.Path == "" && !v.pdfMode && v.bag != nil && v.bag.files[ExportedRecordingPath(r)] != nil {
			ref := FileRef{ExportedRecordingPath(r), r.SHA256, r.Size}
			v.rep.result(name, v.fileMatches(ref), "exported with the record: "+ref.Path+" sha256 "+r.SHA256)
			continue
		}
		if (r.Path == "" || v.pdfMode) && v.openRecording != nil {
			v.rep.result(name, recordingMatches(v.openRecording, r), "the given file matches: sha256 "+r.SHA256)
			continue
		}
		if r.Path == "" || v.pdfMode {
			v.rep.pass(name, "hash only, the recording is not in this "+map[bool]string{false: "bundle", true: "PDF"}[v.pdfMode]+": sha256 "+r.SHA256)
			continue
		}
		v.rep.result(name, v.fileMatches(FileRef{r.Path, r.SHA256, r.Size}), "sha256 "+r.SHA256)
	}
}

// audit verifies the audit log and returns the set of its event hashes
// (with the genesis value), or nil if it cannot be trusted.
func (v *bundleVerifier) audit(m Manifest) map[string]bool {
	events, err := v.readAudit(m)
	if err == nil {
		err = signatures.VerifyChain(events)
	}
	switch {
	case err != nil:
	case len(events) != m.Audit.Events:
		err = fmt.Errorf("%d events, manifest says %d", len(events), m.Audit.Events)
	case signatures.Head(events) != m.Audit.Head:
		err = fmt.Errorf("head %s, manifest says %s (events cut off or added)", signatures.Head(events), m.Audit.Head)
	case events[0].AgreementID != m.Agreement.ID:
		err = fmt.Errorf("events of agreement %q in a bundle for %q", events[0].AgreementID, m.Agreement.ID)
	}
	if !v.rep.result(CheckAudit, err, fmt.Sprintf("%d events, head %s", len(events), m.Audit.Head)) {
		return nil
	}
	hashes := map[string]bool{signatures.GenesisPrev: true}
	for _, e := range events {
		hashes[e.Hash] = true
	}
	return hashes
}

func (v *bundleVerifier) readAudit(m Manifest) ([]signatures.Event, error) {
	if err := v.fileMatches(m.Audit.FileRef); err != nil {
		return nil, err
	}
	data, err := v.src.read(m.Audit.Path)
	if err != nil {
		return nil, err
	}
	var events []signatures.Event
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var e signatures.Event
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("%s line %d: %v", m.Audit.Path, line, err)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", m.Audit.Path, err)
	}
	return events, nil
}
