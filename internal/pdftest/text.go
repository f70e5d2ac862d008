package pdftest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
)

// Text returns an A4 PDF with one page per element of pages, each page a list of lines. Lines
// in Latin-1 use Helvetica; other lines use the standard CJK fonts PDF readers know without
// embedding them (HYGoThic-Medium for Hangul, STSong-Light for Han), as the sealed signature
// page does, so a renderer needs a CJK font on its host to draw them.
func Text(pages [][]string) []byte {
	var w writer
	w.header()
	kids := make([]string, len(pages))
	fonts := w.fonts()
	for i, lines := range pages {
		content := pageContent(lines)
		c := w.obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		kids[i] = fmt.Sprintf("%d 0 R", w.obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "+
			"/Resources << /Font << %s >> >> /Contents %d 0 R >>", fonts, c)))
	}
	return w.finish(kids)
}

func pageContent(lines []string) string {
	var b strings.Builder
	y := 770
	for i, line := range lines {
		size := 13
		if i == 0 {
			size = 20
		}
		font, s := encode(line)
		fmt.Fprintf(&b, "BT /%s %d Tf 64 %d Td %s Tj ET\n", font, size, y, s)
		y -= size * 2
	}
	return b.String()
}

// encode picks the font for s and writes it as a PDF string operand.
func encode(s string) (string, string) {
	latin, hangul := true, false
	for _, r := range s {
		latin = latin && r < 0x80
		hangul = hangul || (r >= 0xac00 && r <= 0xd7a3)
	}
	if latin {
		r := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
		return "F1", "(" + r.Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteByte('<')
	for _, r := range s {
		if r > 0xffff {
			r = '?'
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	b.WriteByte('>')
	if hangul {
		return "F2", b.String()
	}
	return "F3", b.String()
}

// Scanned returns a PDF of n pages, each one full-page JPEG image of w × h pixels (a scan:
// grey paper, dark lines of "text" and the page number as a bar code of blocks), and no text.
func Scanned(n, w, h int) []byte {
	var wr writer
	wr.header()
	kids := make([]string, n)
	for i := range n {
		img := scanImage(w, h, i)
		im := wr.obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "+
			"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", w, h, len(img), img))
		content := "q 595 0 0 842 0 0 cm /Im1 Do Q"
		c := wr.obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		kids[i] = fmt.Sprintf("%d 0 R", wr.obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "+
			"/Resources << /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R >>", im, c)))
	}
	return wr.finish(kids)
}

func scanImage(w, h, page int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		line := (y/(h/60))%2 == 0 && y > h/12 && y < h-h/12
		for x := range w {
			v := uint8(235 + (x*7+y*13)%17) // paper grain
			if line && x > w/10 && x < w-w/10 && (x/(w/90)+y/7+page)%5 != 0 {
				v = uint8(40 + (x+y)%30)
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	for b := 0; b <= page; b++ { // page number as blocks in the top margin
		for y := h / 40; y < h/20; y++ {
			for x := w/10 + b*w/60; x < w/10+b*w/60+w/90; x++ {
				img.SetGray(x, y, color.Gray{Y: 0})
			}
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75})
	return buf.Bytes()
}

// writer builds a PDF whose objects 1 and 2 are the catalog and the page tree.
type writer struct {
	b       bytes.Buffer
	offsets []int
}

func (w *writer) header() {
	w.b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	w.offsets = []int{0, 0} // catalog and pages, written last
}

func (w *writer) obj(body string) int {
	w.offsets = append(w.offsets, w.b.Len())
	n := len(w.offsets)
	fmt.Fprintf(&w.b, "%d 0 obj\n%s\nendobj\n", n, body)
	return n
}

func (w *writer) fonts() string {
	cjk := func(base, cmap, ordering string, supplement int) int {
		cid := w.obj(fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /%s /CIDSystemInfo "+
			"<< /Registry (Adobe) /Ordering (%s) /Supplement %d >> /FontDescriptor %d 0 R /DW 1000 >>", base, ordering,
			supplement, w.obj(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 6 /FontBBox [0 -200 1000 900] "+
				"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>", base))))
		return w.obj(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /%s /DescendantFonts [%d 0 R] >>",
			base, cmap, cid))
	}
	f1 := w.obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	f2 := cjk("HYGoThic-Medium", "UniKS-UCS2-H", "Korea1", 1)
	f3 := cjk("STSong-Light", "UniGB-UCS2-H", "GB1", 2)
	return fmt.Sprintf("/F1 %d 0 R /F2 %d 0 R /F3 %d 0 R", f1, f2, f3)
}

// finish writes the catalog, the page tree, the cross-reference table and the trailer.
func (w *writer) finish(kids []string) []byte {
	w.offsets[0] = w.b.Len()
	fmt.Fprintf(&w.b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	w.offsets[1] = w.b.Len()
	fmt.Fprintf(&w.b, "2 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", strings.Join(kids, " "), len(kids))
	xref := w.b.Len()
	fmt.Fprintf(&w.b, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets)+1)
	for _, off := range w.offsets {
		fmt.Fprintf(&w.b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(w.offsets)+1, xref)
	return w.b.Bytes()
}

// MOU returns a three-page memorandum in Korean ("ko") or Chinese ("zh"), in the style of
// the Gangwon–Nanjing agreement, drawn with the non-embedded standard CJK fonts.
func MOU(lang string) []byte {
	if lang == "zh" {
		return Text([][]string{
			{"江原道与南京市跨境电商合作备忘录", "第一条 目的", "双方通过跨境电子商务在中国销售江原道产品。", "第二条 合作领域", "网上商城、物流与通关、宣传推广。"},
			{"第三条 各方职责", "江原道负责挑选优质产品并支持出口企业。", "南京市负责协助企业进入当地市场。", "第四条 协会与企业", "南京市电子商务协会提供平台与培训。"},
			{"第五条 生效", "本备忘录自签署之日起生效，有效期三年。", "本备忘录以韩文和中文书就，两种文本同等作准。", "签署日期：2020年5月29日"},
		})
	}
	return Text([][]string{
		{"강원도-남경시 전자상거래 협력 양해각서", "제1조 목적", "양측은 국경 간 전자상거래로 강원도 상품을 중국에 판매한다.", "제2조 협력 분야", "온라인 몰, 물류와 통관, 홍보."},
		{"제3조 각 측의 역할", "강원도는 우수 상품을 선정하고 수출 기업을 지원한다.", "남경시는 기업의 현지 시장 진출을 돕는다.", "제4조 협회와 기업", "남경시 전자상거래협회는 플랫폼과 교육을 제공한다."},
		{"제5조 효력", "이 양해각서는 서명한 날부터 효력이 발생하며 3년간 유효하다.", "이 양해각서는 한국어와 중국어로 작성되며 두 본은 동등한 효력을 가진다.", "서명일: 2020년 5월 29일"},
	})
}
