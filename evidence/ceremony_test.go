package evidence

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/signroom/signroom/signatures"
)

// ceremony is a complete agreement ready to be bundled; tests mutate it
// to play an insider who holds the seal key.
type ceremony struct {
	sealer    *Sealer
	manifest  Manifest
	events    []signatures.Event
	sealedPDF []byte // made by bundle, unless keepPDF
	keepPDF   bool
	files     []File
	keys      []*ecdsa.PrivateKey
	docs      []DocumentPDF
	page      SignaturePage
	// tsaURL time-stamps the PDF signature; stamp, when set, makes the manifest's token
	// from its SHA-256; logProof, when set, makes the tlog-proof tag file from it.
	tsaURL   string
	stamp    func(digest []byte) []byte
	logProof func(digest []byte) []byte
}

var partyNames = []struct{ ko, zh, latin string }{
	{"강원도", "江原道", "Gangwon Province"}, {"남경시", "南京市", "Nanjing Municipal Government"},
	{"남경시 전자상거래협회", "南京市电子商务协会", "Nanjing E-commerce Association"}, {"가의현 그룹", "嘉义县集团", "Jiayixian Group"},
	{"㈜강원수출", "江原出口株式会社", "Gangwon Export Co., Ltd."}, {"강원도 화장품협회", "江原道化妆品协会", "Gangwon Cosmetics Association"},
}

// newCeremony runs a whole ceremony: n signatories sign two documents of
// the given page count in order, then the agreement is sealed.
func newCeremony(tb testing.TB, sealer *Sealer, n, pages int) *ceremony {
	tb.Helper()
	return newCeremonyOf(tb, sealer, n, pages, []DocumentPDF{
		{ID: "doc-ko", Language: "ko", Filename: "mou-ko.pdf", Data: testDocument("ko", pages)},
		{ID: "doc-zh", Language: "zh", Filename: "mou-zh.pdf", Data: testDocument("zh", pages)},
	})
}

// newCeremonyOf is newCeremony over the given documents (of the given page count each).
func newCeremonyOf(tb testing.TB, sealer *Sealer, n, pages int, docs []DocumentPDF) *ceremony {
	tb.Helper()
	c := &ceremony{sealer: sealer}
	m := Manifest{
		Format: FormatVersion,
		Agreement: Agreement{ID: "ag-2020-0529", Languages: []string{"ko", "zh"},
			Titles:         map[string]string{"ko": "강원도 상품 중국 전자상거래 판매 협약", "zh": "江原道产品中国跨境电商销售协议"},
			RetentionUntil: ceremonyTime.AddDate(10, 0, 0)},
		Venues: []Venue{{ID: "v-seoul", Names: map[string]string{"ko": "스카이컨벤션 2층 홀", "en": "Sky Convention, 2F hall"}, Place: "Chuncheon", TimeZone: "Asia/Seoul"},
			{ID: "v-nanjing", Names: map[string]string{"zh": "苏宁诺富特酒店 中华厅B", "en": "Suning Novotel, Zhonghua Hall B"}, Place: "Nanjing", TimeZone: "Asia/Shanghai"}},
	}
	for _, d := range docs {
		m.Documents = append(m.Documents, Document{ID: d.ID, Language: d.Language, Filename: d.Filename,
			SHA256: sha256Hex(d.Data), Size: int64(len(d.Data)), Pages: pages, Path: DocumentPath(d.ID, d.Filename),
			ObjectKey: "agreements/ag-2020-0529/documents/" + d.ID})
		c.files = append(c.files, File{Path: DocumentPath(d.ID, d.Filename), Data: d.Data})
	}
	c.event(tb, "agreement.created", "user:organizer", map[string]any{"title": "MOU"})
	c.event(tb, "agreement.scheduled", "user:organizer", map[string]any{"documents": 2})
	page := SignaturePage{AgreementID: m.Agreement.ID, Titles: m.Agreement.Titles}
	for i := range n {
		c.sign(tb, &m, &page, i)
	}
	m.SealedAt = ceremonyTime.Add(time.Hour)
	page.SealedAt = m.SealedAt
	m.SealedPDF = PDFRef{Path: PathSealedPDF}
	for i := range min(n, 2) { // two recordings: one included (streamed), one by hash only
		webm := bytes.Repeat([]byte{0x1a, 0x45, 0xdf, 0xa3, byte(i)}, 4000)
		rec := Recording{ParticipantID: fmt.Sprintf("p-%d", i+1), Filename: "camera.webm", SHA256: sha256Hex(webm),
			Size: int64(len(webm)), StartOffsetMS: int64(i * 1500)}
		if i == 0 {
			rec.Path = RecordingPath(rec.ParticipantID, rec.Filename)
			c.files = append(c.files, File{Path: rec.Path, Open: func(context.Context) (io.ReadCloser, error) {
				return io.NopCloser(bytes.NewReader(webm)), nil
			}})
		}
		m.Recordings = append(m.Recordings, rec)
	}
	c.manifest, c.docs, c.page = m, docs, page
	return c
}

func (c *ceremony) event(tb testing.TB, typ, actor string, data any) {
	var prev *signatures.Event
	if len(c.events) > 0 {
		prev = &c.events[len(c.events)-1]
	}
	e, err := signatures.NextEvent(prev, "ag-2020-0529", typ, actor, ceremonyTime.Add(time.Duration(len(c.events))*time.Minute), data)
	if err != nil {
		tb.Fatal(err)
	}
	c.events = append(c.events, e)
}

func (c *ceremony) sign(tb testing.TB, m *Manifest, page *SignaturePage, i int) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	c.keys = append(c.keys, key)
	jwk, _ := signatures.JWKFromPublicKey(&key.PublicKey)
	pid, party := fmt.Sprintf("p-%d", i+1), fmt.Sprintf("party-%d", i+1)
	venue := m.Venues[i%2]
	names := partyNames[i%6]
	m.Parties = append(m.Parties, Party{ID: party, Names: map[string]string{"ko": names.ko, "zh": names.zh, "en": names.latin}})
	m.Participants = append(m.Participants, Participant{ID: pid, PartyID: party, VenueID: venue.ID, Name: fmt.Sprintf("Signer %d", i+1), Title: "Representative", Role: "signatory"})
	c.event(tb, "key.registered", pid, map[string]any{"thumbprint": jwk.Thumbprint()})
	still, drawing := testJPEG(tb), testPNG(tb)
	signedAt := ceremonyTime.Add(time.Duration(10+i) * time.Minute)
	st := signatures.Statement{Issuer: pid, Subject: pid, Audience: signatures.Audience, IssuedAt: signedAt.Unix(),
		AgreementID: m.Agreement.ID, ParticipantID: pid, PartyID: party, PartyNames: signatures.PartyNamesFor(m.Parties[i].Names, m.Agreement.Languages),
		SignerName: fmt.Sprintf("Signer %d", i+1), SignerTitle: "Representative",
		Text:  map[string]string{"ko": "위 협약서에 서명합니다.", "zh": "签署上述协议。"},
		Nonce: fmt.Sprintf("nonce-%d", i), ChainHead: signatures.Head(c.events),
		StillSHA256: sha256Hex(still), DrawingSHA256: sha256Hex(drawing)}
	for _, d := range m.Documents {
		st.Documents = append(st.Documents, signatures.Document{ID: d.ID, Language: d.Language, Filename: d.Filename, SHA256: d.SHA256, Pages: d.Pages})
	}
	jws, err := signatures.Sign(st, key)
	if err != nil {
		tb.Fatal(err)
	}
	stillRef, drawRef := NewFileRef(StillPath(pid, "jpg"), still), NewFileRef(DrawingPath(pid, "png"), drawing)
	c.files = append(c.files, File{Path: stillRef.Path, Data: still}, File{Path: drawRef.Path, Data: drawing})
	m.Signatures = append(m.Signatures, Signature{ParticipantID: pid, JWS: jws, JWK: jwk, Thumbprint: jwk.Thumbprint(),
		SignedAt: signedAt, Still: &stillRef, Drawing: &drawRef})
	c.event(tb, "signature.recorded", pid, map[string]any{"thumbprint": jwk.Thumbprint()})
	page.Signers = append(page.Signers, PageSigner{PartyNames: []string{names.ko, names.zh, names.latin},
		Name: st.SignerName, Title: st.SignerTitle, Venue: venue.Names["en"] + ", " + venue.Place, TimeZone: venue.TimeZone, SignedAt: signedAt,
		Thumbprint: jwk.Thumbprint(), Drawing: drawing, Still: still})
}

// pdf returns the sealed PDF, sealing the ceremony first if no bundle was made yet.
func (c *ceremony) pdf(tb testing.TB) []byte {
	if c.sealedPDF == nil {
		c.bundle(tb)
	}
	return c.sealedPDF
}

// bundle seals the (possibly mutated) manifest and writes the bundle.
func (c *ceremony) bundle(tb testing.TB) []byte {
	tb.Helper()
	m := c.manifest
	audit, err := AuditLogJSONL(c.events)
	if err != nil {
		tb.Fatal(err)
	}
	m.Audit = Audit{FileRef: NewFileRef(PathAuditLog, audit), Events: len(c.events), Head: signatures.Head(c.events)}
	sm, err := SignManifest(m, c.sealer)
	if err != nil {
		tb.Fatal(err)
	}
	b := Bundle{Manifest: sm, AuditLog: c.events, Files: c.files}
	sum := sha256.Sum256(sm.JSON)
	if c.stamp != nil {
		b.ManifestTimestamp = c.stamp(sum[:])
	}
	if c.logProof != nil {
		b.LogProof = c.logProof(sum[:])
	}
	if !c.keepPDF {
		atts, err := PDFAttachments(context.Background(), b)
		if err != nil {
			tb.Fatal(err)
		}
		if c.sealedPDF, err = SealPDFWith(context.Background(), c.docs, c.page, c.sealer, PDFOptions{TSAURL: c.tsaURL}, atts...); err != nil {
			tb.Fatal(err)
		}
	}
	b.SealedPDF = c.sealedPDF
	var out bytes.Buffer
	if err := WriteBundle(context.Background(), &out, b); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// testTrust trusts testSealer's certificate only.
func testTrust() Options { return Options{Trust: TrustCerts("test", testSealer.Cert)} }

func verifyBytes(b []byte) Report {
	return VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), testTrust())
}
