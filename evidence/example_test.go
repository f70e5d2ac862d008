package evidence

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/signroom/signroom/signatures"
)

// Example shows the sealing sequence for one signatory: audit events,
// the signer's JWS, the sealed PDF, the signed manifest, the bundle and
// its verification. Errors are ignored for brevity.
func Example() {
	ctx := context.Background()
	at := time.Date(2020, 5, 29, 6, 0, 0, 0, time.UTC)
	sealer, _ := NewSelfSignedSealer("Signroom seal", at) // LoadOrCreateSealer(dir, cn) in a server
	doc := DocumentPDF{ID: "doc-ko", Language: "ko", Filename: "mou-ko.pdf", Data: testDocument("ko", 1)}

	// The audit chain up to the signature.
	e1, _ := signatures.NextEvent(nil, "ag-1", "agreement.scheduled", "user:org", at, nil)

	// In the browser: a WebCrypto P-256 key signs the statement.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk, _ := signatures.JWKFromPublicKey(&key.PublicKey)
	st := signatures.Statement{Issuer: "p-1", Subject: "p-1", Audience: signatures.Audience, IssuedAt: at.Unix(),
		AgreementID: "ag-1", ParticipantID: "p-1", PartyID: "gw", PartyNames: map[string]string{"ko": "강원도"}, SignerName: "Choi", SignerTitle: "Governor",
		Documents: []signatures.Document{{ID: doc.ID, Language: doc.Language, Filename: doc.Filename, SHA256: sha256Hex(doc.Data), Pages: 1}},
		Text:      map[string]string{"ko": "서명합니다"}, Nonce: "n1", ChainHead: e1.Hash}
	jws, _ := signatures.Sign(st, key)

	// On the server: verify, record, then seal.
	_, err := signatures.Verify(jws, jwk)
	fmt.Println("signature:", err)
	e2, _ := signatures.NextEvent(&e1, "ag-1", "signature.recorded", "p-1", at.Add(time.Minute), map[string]string{"kid": jwk.Thumbprint()})
	page := SignaturePage{AgreementID: "ag-1", SealedAt: at.Add(2 * time.Minute), Signers: []PageSigner{{PartyNames: []string{"강원도", "Gangwon Province"}, Name: "Choi", Title: "Governor", TimeZone: "Asia/Seoul", SignedAt: at, Thumbprint: jwk.Thumbprint()}}}
	events := []signatures.Event{e1, e2}
	audit, _ := AuditLogJSONL(events)
	m := Manifest{
		Agreement:    Agreement{ID: "ag-1", Titles: map[string]string{"ko": "협약"}, Languages: []string{"ko"}},
		Parties:      []Party{{ID: "gw", Names: map[string]string{"ko": "강원도", "en": "Gangwon Province"}}},
		Participants: []Participant{{ID: "p-1", PartyID: "gw", Name: "Choi", Title: "Governor", Role: RoleSignatory}},
		Documents: []Document{{ID: doc.ID, Language: "ko", Filename: doc.Filename, SHA256: sha256Hex(doc.Data),
			Size: int64(len(doc.Data)), Pages: 1, Path: DocumentPath(doc.ID, doc.Filename)}},
		Signatures: []Signature{{ParticipantID: "p-1", JWS: jws, JWK: jwk, Thumbprint: jwk.Thumbprint(), SignedAt: at}},
		Audit:      Audit{FileRef: NewFileRef(PathAuditLog, audit), Events: len(events), Head: signatures.Head(events)},
		SealedPDF:  PDFRef{Path: PathSealedPDF},
		SealedAt:   page.SealedAt,
	}
	sm, _ := SignManifest(m, sealer)
	b := Bundle{Manifest: sm, AuditLog: events, Files: []File{{Path: m.Documents[0].Path, Data: doc.Data}}}
	atts, _ := PDFAttachments(ctx, b) // the sealed PDF carries the evidence too
	b.SealedPDF, err = SealPDF(ctx, []DocumentPDF{doc}, page, sealer, atts...)
	fmt.Println("sealed pdf:", err)
	var zip bytes.Buffer
	err = WriteBundle(ctx, &zip, b)
	fmt.Println("bundle:", err)

	rep := VerifyFile(ctx, bytes.NewReader(zip.Bytes()), int64(zip.Len()))
	fmt.Println("without a trusted seal:", rep.Kind, rep.Verdict())
	trust := Options{Trust: TrustCerts("the operator's published list", sealer.Cert)}
	rep = VerifyFileWith(ctx, bytes.NewReader(zip.Bytes()), int64(zip.Len()), trust)
	fmt.Println("with it:", rep.Kind, rep.Verdict())
	// Output:
	// signature: <nil>
	// sealed pdf: <nil>
	// bundle: <nil>
	// without a trusted seal: bundle seal unverified
	// with it: bundle valid
}
