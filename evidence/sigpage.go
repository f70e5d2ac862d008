package evidence

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// SignaturePage is the content of the generated signature page.
type SignaturePage struct {
	AgreementID string
	Titles      map[string]string // language -> title
	SealedAt    time.Time
	Signers     []PageSigner
	// Documents are filled in by SealPDF from the documents it merges.
	Documents []PageDocument
}

// PageSigner is one signature as shown on the signature page. Text in
// Korean or Chinese script is drawn with non-embedded standard CJK fonts;
// NameLatin and PartyNameLatin, when set, are printed as well for readers
// without CJK fonts.
type PageSigner struct {
	PartyName      string
	PartyNameLatin string
	Name           string
	NameLatin      string
	Title          string
	Venue          string
	TimeZone       string // IANA name, e.g. "Asia/Seoul"
	SignedAt       time.Time
	Thumbprint     string
	Drawing        []byte // PNG or JPEG of the drawn signature, optional
	Still          []byte // PNG or JPEG camera still, optional
}

// PageDocument is a document fingerprint line on the signature page.
type PageDocument struct {
	ID, Language, Filename, SHA256 string
	Pages                          int
}

const (
	pageTop    = 800.0
	pageBottom = 60.0
	marginLeft = 50.0
	signerH    = 118.0
)

// layout turns the signature page into one or more A4 pages.
func (sp SignaturePage) layout() ([]pdfPage, error) {
	var pages []pdfPage
	p, y := sp.header()
	for i, s := range sp.Signers {
		if y-signerH < pageBottom {
			pages = append(pages, p)
			p, y = pdfPage{}, pageTop
		}
		var err error
		if y, err = s.draw(&p, i+1, y); err != nil {
			return nil, fmt.Errorf("signature page: signer %d: %w", i+1, err)
		}
	}
	note := "Verify: data/README.txt of the evidence bundle, or pdfsig; exact names in manifest.json."
	p.texts = append(p.texts, textRun{marginLeft, 30, 7, fontLatin, note})
	return append(pages, p), nil
}

func (sp SignaturePage) header() (pdfPage, float64) {
	var p pdfPage
	y := pageTop
	line := func(size float64, font, text string) {
		p.texts = append(p.texts, textRun{marginLeft, y, size, font, text})
		y -= size + 5
	}
	line(16, fontBold, "Signature page")
	line(14, fontBold, "서명 페이지")
	line(14, fontBold, "签署页")
	y -= 4
	line(9, fontLatin, "Agreement "+sp.AgreementID+"   sealed "+sp.SealedAt.UTC().Format(time.RFC3339)+" UTC")
	for _, lang := range slices.Sorted(maps.Keys(sp.Titles)) {
		line(11, fontLatin, "["+lang+"] "+sp.Titles[lang])
	}
	y -= 4
	line(10, fontBold, "Documents (SHA-256)")
	for _, d := range sp.Documents {
		line(8, fontLatin, fmt.Sprintf("%s [%s] %s, %d pages", d.ID, d.Language, d.Filename, d.Pages))
		line(8, fontMono, d.SHA256)
	}
	y -= 6
	line(10, fontBold, "Signatures")
	return p, y
}

func (s PageSigner) draw(p *pdfPage, n int, y float64) (float64, error) {
	x := marginLeft
	add := func(dy, size float64, font, text string) {
		p.texts = append(p.texts, textRun{x, y - dy, size, font, text})
	}
	add(0, 10, fontBold, fmt.Sprintf("%d. %s", n, s.PartyName))
	add(12, 9, fontLatin, s.PartyNameLatin)
	add(24, 10, fontLatin, s.Name+", "+s.Title)
	add(36, 9, fontLatin, s.NameLatin)
	add(48, 8, fontLatin, s.Venue)
	add(60, 8, fontLatin, "Signed "+s.SignedAt.UTC().Format("2006-01-02 15:04:05")+" UTC / "+localTime(s.SignedAt, s.TimeZone))
	add(72, 7, fontLatin, "Key thumbprint (RFC 7638): "+s.Thumbprint)
	imgX := 340.0
	for _, raw := range [][]byte{s.Drawing, s.Still} {
		if len(raw) == 0 {
			continue
		}
		img, err := loadImage(raw)
		if err != nil {
			return 0, err
		}
		h := 64.0
		w := min(h*float64(img.w)/float64(img.h), 200)
		p.images = append(p.images, placedImage{imgX, y - 90, w, h, img})
		imgX += w + 10
	}
	return y - signerH, nil
}

func localTime(t time.Time, zone string) string {
	loc, err := time.LoadLocation(zone)
	if zone == "" || err != nil {
		return "time zone " + zone + " unknown"
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST") + " (" + zone + ")"
}
