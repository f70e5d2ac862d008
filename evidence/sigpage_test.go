package evidence

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"
)

// TestSignaturePageStaysOnThePage: a wide drawing beside a still, long bilingual party and
// venue names and a long title: every image ends inside the right margin, every image
// stays out of the text column, and every text run's estimated width fits its line.
func TestSignaturePageStaysOnThePage(t *testing.T) {
	wide := image.NewGray(image.Rect(0, 0, 900, 150)) // a 6:1 signature
	var drawing bytes.Buffer
	if err := png.Encode(&drawing, wide); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("南京市电子商务协会", 4)
	sp := SignaturePage{AgreementID: "ag-1", SealedAt: ceremonyTime, Titles: map[string]string{"zh": strings.Repeat("江原道产品中国跨境电商销售协议", 3)},
		Signers: []PageSigner{{PartyNames: []string{strings.Repeat("남경시 전자상거래협회 ", 3), long, strings.Repeat("Nanjing E-commerce Association ", 3)},
			Name: "Wang Wei", Title: strings.Repeat("Deputy Secretary-General ", 4), Venue: strings.Repeat("苏宁诺富特酒店 / Suning Novotel / ", 3),
			TimeZone: "Asia/Shanghai", SignedAt: ceremonyTime, Thumbprint: strings.Repeat("x", 43), Drawing: drawing.Bytes(), Still: testJPEG(t)}},
	}
	pages, err := sp.layout()
	if err != nil {
		t.Fatal(err)
	}
	images := 0
	for _, p := range pages {
		for _, im := range p.images {
			images++
			if im.x+im.w > pageRight+0.01 || im.x < marginLeft+textWidth {
				t.Errorf("image at x %.1f..%.1f, want within %.0f..%.0f", im.x, im.x+im.w, marginLeft+textWidth, pageRight)
			}
		}
		for _, r := range p.texts {
			limit := lineWidth
			if r.y < pageTop-200 && r.y > 80 { // a signer's block beside its images
				limit = textWidth
			}
			if w := fitSize(r.text, r.size, 1e9) * estimatedEms(r.text); w > limit+0.01 && r.size > 5 {
				t.Errorf("%q at %.1f pt is about %.0f pt wide, over %.0f", r.text, r.size, w, limit)
			}
		}
	}
	if images != 2 {
		t.Errorf("%d images placed, want 2", images)
	}
}
