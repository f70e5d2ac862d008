package evidence

import (
	"fmt"
	"maps"
	"slices"
	"strings"
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
// NameLatin, when set, is printed as well for readers without CJK fonts.
type PageSigner struct {
	PartyNames []string // the party's name in each language, the first in bold
	Name       string
	NameLatin  string
	Title      string
	Venue      string // the venue's names and place, one line
	TimeZone   string // IANA name, e.g. "Asia/Seoul"
	SignedAt   time.Time
	Thumbprint string
	Drawing    []byte // PNG or JPEG of the drawn signature, optional
	Still      []byte // PNG or JPEG camera still, optional
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
		p.texts = append(p.texts, textRun{marginLeft, y, fitSize(text, size, lineWidth), font, text})
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
	width := textWidth // beside the images, or the whole line without them
	if len(s.Drawing) == 0 && len(s.Still) == 0 {
		width = lineWidth
	}
	add := func(dy, size float64, font, text string) {
		p.texts = append(p.texts, textRun{x, y - dy, fitSize(text, size, width), font, text})
	}
	first, rest := "", ""
	if len(s.PartyNames) > 0 {
		first, rest = s.PartyNames[0], strings.Join(s.PartyNames[1:], " / ")
	}
	add(0, 10, fontBold, fmt.Sprintf("%d. %s", n, first))
	add(12, 9, fontLatin, rest)
	add(24, 10, fontLatin, s.Name+", "+s.Title)
	add(36, 9, fontLatin, s.NameLatin)
	add(48, 8, fontLatin, s.Venue)
	add(60, 8, fontLatin, "Signed "+s.SignedAt.UTC().Format("2006-01-02 15:04:05")+" UTC / "+localTime(s.SignedAt, s.TimeZone))
	add(72, 7, fontLatin, "Key thumbprint (RFC 7638): "+s.Thumbprint)
	// The drawing and the still share the space right of the text column, at one height:
	// 64 pt, less if their widths at that height would cross the right margin.
	var imgs []*pdfImage
	for _, raw := range [][]byte{s.Drawing, s.Still} {
		if len(raw) == 0 {
			continue
		}
		img, err := loadImage(raw)
		if err != nil {
			return 0, err
		}
		imgs = append(imgs, img)
	}
	const imgLeft, imgGap = marginLeft + textWidth + 5, 10.0
	h, total := 64.0, 0.0
	for _, img := range imgs {
		total += h * float64(img.w) / float64(img.h)
	}
	if room := pageRight - imgLeft - imgGap*float64(max(len(imgs)-1, 0)); total > room {
		h *= room / total
	}
	imgX := imgLeft
	for _, img := range imgs {
		w := h * float64(img.w) / float64(img.h)
		p.images = append(p.images, placedImage{imgX, y - 26 - h, w, h, img})
		imgX += w + imgGap
	}
	return y - signerH, nil
}

// Line widths in points: the text column beside a signer's images, and a whole line.
const (
	textWidth = 285.0
	lineWidth = 495.0
	pageRight = 545.0 // A4 is 595 pt wide; 50 pt margins
)

// fitSize returns size, or a smaller size (not below 5 pt) at which text fits width. Widths
// are estimated: a CJK or other wide character takes 1 em, anything else 0.6 em (wider than
// Helvetica's average, so estimates err on the safe side).
func fitSize(text string, size, width float64) float64 {
	ems := estimatedEms(text)
	if ems*size <= width {
		return size
	}
	return max(5, width/ems)
}

// estimatedEms is text's estimated width in ems (see fitSize).
func estimatedEms(text string) float64 {
	ems := 0.0
	for _, r := range text {
		if r >= 0x1100 {
			ems++
		} else {
			ems += 0.6
		}
	}
	return ems
}

func localTime(t time.Time, zone string) string {
	loc, err := time.LoadLocation(zone)
	if zone == "" || err != nil {
		return "time zone " + zone + " unknown"
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST") + " (" + zone + ")"
}
