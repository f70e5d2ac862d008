package evidence

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"
)

// testDocument renders an n-page PDF whose text is in the given language.
func testDocument(lang string, n int) []byte {
	body := map[string]string{
		"ko": "강원도 상품의 중국 내 전자상거래 판매 협약서",
		"zh": "江原道产品在中国跨境电商销售合作备忘录",
	}[lang]
	pages := make([]pdfPage, n)
	for i := range pages {
		pages[i].texts = []textRun{
			{50, 780, 14, fontLatin, fmt.Sprintf("MOU (%s) page %d of %d", lang, i+1, n)},
			{50, 750, 12, fontLatin, body},
		}
		for l := range 30 {
			pages[i].texts = append(pages[i].texts, textRun{50, 700 - float64(l)*20, 10, fontLatin, fmt.Sprintf("Article %d.%d: %s", i+1, l+1, body)})
		}
	}
	return renderPDF(pages)
}

func testPNG(t testing.TB) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		img.Set(x, 20+x%10, color.NRGBA{0, 0, 128, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testJPEG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var ceremonyTime = time.Date(2020, 5, 29, 6, 0, 0, 0, time.UTC)
