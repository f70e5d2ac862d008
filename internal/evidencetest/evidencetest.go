// Package evidencetest seals small but complete records for tests outside package evidence:
// two documents, signatories who sign with their own P-256 keys, an audit chain, the sealed
// PDF with its embedded evidence and the bundle, all through evidence's exported API.
package evidencetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/pdftest"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/tsa"
)

// At is when the test ceremony takes place.
var At = time.Date(2020, 5, 29, 6, 0, 0, 0, time.UTC)

// Record is a sealed test record.
type Record struct {
	Bundle   []byte
	PDF      []byte
	Manifest []byte // data/manifest.json, as signed
}

// Options change the record before it is sealed, as a forger would.
type Options struct {
	Signers     int                           // signatories; 0: 2
	EditParty   func(names map[string]string) // rewrites the first party's names
	DropLastOne bool                          // the last signatory disappears from the record
	// TSAURL, when set, time-stamps the manifest (its token in the bundle) and the PDF
	// signature with this RFC 3161 TSA.
	TSAURL string
	// LogProof, when set, makes the bundle's tlog-proof tag file from the manifest's SHA-256.
	LogProof func(manifestSHA256 []byte) []byte
	// AgreementID replaces the record's agreement id ("ag-2020-0529").
	AgreementID string
	// Recordings are listed in the manifest as they are (by hash only when Path is empty, as
	// sealing lists archived recordings) and placed on the timeline.
	Recordings []evidence.Recording
}

// Seal makes a record sealed by sealer.
func Seal(tb testing.TB, sealer *evidence.Sealer, opt Options) Record {
	tb.Helper()
	if opt.Signers == 0 {
		opt.Signers = 2
	}
	id := "ag-2020-0529"
	if opt.AgreementID != "" {
		id = opt.AgreementID
	}
	b := &builder{tb: tb, m: evidence.Manifest{Format: evidence.FormatVersion, SealedAt: At.Add(time.Hour),
		Agreement: evidence.Agreement{ID: id, Languages: []string{"ko", "zh"}, RetentionUntil: At.AddDate(10, 0, 0),
			Titles: map[string]string{"ko": "강원도 상품 중국 전자상거래 판매 협약", "zh": "江原道产品中国跨境电商销售协议"}},
		Venues: []evidence.Venue{{ID: "v-1", Names: map[string]string{"ko": "스카이컨벤션 2층 홀", "en": "Sky Convention, 2F hall"}, TimeZone: "Asia/Seoul"},
			{ID: "v-2", Names: map[string]string{"zh": "苏宁诺富特酒店 中华厅B", "en": "Suning Novotel, Zhonghua Hall B"}, TimeZone: "Asia/Shanghai"}},
		SealedPDF: evidence.PDFRef{Path: evidence.PathSealedPDF}}}
	b.documents()
	b.event("agreement.scheduled", "user:organizer", map[string]any{"documents": 2})
	for i := range opt.Signers {
		b.sign(i)
	}
	if opt.EditParty != nil {
		opt.EditParty(b.m.Parties[0].Names)
	}
	if opt.DropLastOne {
		n := len(b.m.Signatures) - 1
		b.m.Signatures, b.m.Participants, b.page.Signers = b.m.Signatures[:n], b.m.Participants[:n], b.page.Signers[:n]
	}
	b.m.Recordings = append(b.m.Recordings, opt.Recordings...)
	evidence.PlaceOnTimeline(&b.m)
	return b.seal(sealer, opt)
}

type builder struct {
	tb     testing.TB
	m      evidence.Manifest
	events []signatures.Event
	docs   []evidence.DocumentPDF
	files  []evidence.File
	page   evidence.SignaturePage
}

func (b *builder) documents() {
	for _, lang := range []string{"ko", "zh"} {
		d := evidence.DocumentPDF{ID: "doc-" + lang, Language: lang, Filename: "mou-" + lang + ".pdf", Data: pdftest.Minimal(2, "MOU "+lang)}
		p := evidence.DocumentPath(d.ID, d.Filename)
		b.docs = append(b.docs, d)
		b.files = append(b.files, evidence.File{Path: p, Data: d.Data})
		b.m.Documents = append(b.m.Documents, evidence.Document{ID: d.ID, Language: lang, Filename: d.Filename,
			SHA256: sum(d.Data), Size: int64(len(d.Data)), Pages: 2, Path: p})
	}
	b.page = evidence.SignaturePage{AgreementID: b.m.Agreement.ID, Titles: b.m.Agreement.Titles, SealedAt: b.m.SealedAt}
}

func (b *builder) event(typ, actor string, data any) {
	var prev *signatures.Event
	if len(b.events) > 0 {
		prev = &b.events[len(b.events)-1]
	}
	e, err := signatures.NextEvent(prev, b.m.Agreement.ID, typ, actor, At.Add(time.Duration(len(b.events))*time.Minute), data)
	if err != nil {
		b.tb.Fatal(err)
	}
	b.events = append(b.events, e)
}

func (b *builder) sign(i int) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.tb.Fatal(err)
	}
	jwk, _ := signatures.JWKFromPublicKey(&key.PublicKey)
	pid, party, venue := fmt.Sprintf("p-%d", i+1), fmt.Sprintf("party-%d", i+1), b.m.Venues[i%2]
	names := [][2]string{{"강원도", "江原道"}, {"남경시", "南京市"}, {"남경시 전자상거래협회", "南京市电子商务协会"}}[i%3]
	b.m.Parties = append(b.m.Parties, evidence.Party{ID: party, Names: map[string]string{"ko": names[0], "zh": names[1]}})
	b.m.Participants = append(b.m.Participants, evidence.Participant{ID: pid, PartyID: party, VenueID: venue.ID,
		Name: fmt.Sprintf("Signer %d", i+1), Title: "Representative", Role: evidence.RoleSignatory})
	b.event("signer_key.registered", pid, map[string]any{"thumbprint": jwk.Thumbprint()})
	signedAt := At.Add(time.Duration(10+i) * time.Minute)
	st := signatures.Statement{Issuer: pid, Subject: pid, Audience: signatures.Audience, IssuedAt: signedAt.Unix(),
		AgreementID: b.m.Agreement.ID, ParticipantID: pid, PartyID: party, PartyNames: map[string]string{"ko": names[0], "zh": names[1]},
		SignerName: fmt.Sprintf("Signer %d", i+1), SignerTitle: "Representative",
		Text: map[string]string{"ko": "위 협약서에 서명합니다.", "zh": "签署上述协议。"}, Nonce: fmt.Sprintf("nonce-%d", i), ChainHead: signatures.Head(b.events)}
	for _, d := range b.m.Documents {
		st.Documents = append(st.Documents, signatures.Document{ID: d.ID, Language: d.Language, Filename: d.Filename, SHA256: d.SHA256, Pages: d.Pages})
	}
	jws, err := signatures.Sign(st, key)
	if err != nil {
		b.tb.Fatal(err)
	}
	b.m.Signatures = append(b.m.Signatures, evidence.Signature{ParticipantID: pid, JWS: jws, JWK: jwk, Thumbprint: jwk.Thumbprint(), SignedAt: signedAt})
	b.event("signature.added", pid, map[string]any{"thumbprint": jwk.Thumbprint()})
	b.page.Signers = append(b.page.Signers, evidence.PageSigner{PartyNames: names[:], Name: st.SignerName, Title: st.SignerTitle,
		Venue: venue.Names["en"], TimeZone: venue.TimeZone, SignedAt: signedAt, Thumbprint: jwk.Thumbprint()})
}

func (b *builder) seal(sealer *evidence.Sealer, opt Options) Record {
	ctx := context.Background()
	audit, err := evidence.AuditLogJSONL(b.events)
	if err != nil {
		b.tb.Fatal(err)
	}
	b.m.Audit = evidence.Audit{FileRef: evidence.NewFileRef(evidence.PathAuditLog, audit), Events: len(b.events), Head: signatures.Head(b.events)}
	sm, err := evidence.SignManifest(b.m, sealer)
	if err != nil {
		b.tb.Fatal(err)
	}
	bundle := evidence.Bundle{Manifest: sm, AuditLog: b.events, Files: b.files}
	digest := sha256.Sum256(sm.JSON)
	if opt.TSAURL != "" {
		tok, err := tsa.New([]string{opt.TSAURL}, nil, 0).Stamp(ctx, digest[:])
		if err != nil {
			b.tb.Fatal(err)
		}
		bundle.ManifestTimestamp = tok.DER
	}
	if opt.LogProof != nil {
		bundle.LogProof = opt.LogProof(digest[:])
	}
	atts, err := evidence.PDFAttachments(ctx, bundle)
	if err != nil {
		b.tb.Fatal(err)
	}
	if bundle.SealedPDF, err = evidence.SealPDFWith(ctx, b.docs, b.page, sealer, evidence.PDFOptions{TSAURL: opt.TSAURL}, atts...); err != nil {
		b.tb.Fatal(err)
	}
	var zip bytes.Buffer
	if err := evidence.WriteBundle(ctx, &zip, bundle); err != nil {
		b.tb.Fatal(err)
	}
	return Record{Bundle: zip.Bytes(), PDF: bundle.SealedPDF, Manifest: sm.JSON}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
