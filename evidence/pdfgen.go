package evidence

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxImageSide bounds the width and height of an embedded image, in pixels.
const maxImageSide = 4096

// Fonts used on generated pages. The CJK fonts are the Adobe standard CJK
// fonts referenced by name and not embedded: readers substitute an installed
// CJK font (Acrobat's font pack, poppler with poppler-data and fontconfig),
// so the binary needs no font files. Readers without CJK support show boxes;
// the exact names are always in the signed manifest.
const (
	fontLatin  = "F1" // Helvetica, WinAnsiEncoding
	fontBold   = "F2" // Helvetica-Bold, WinAnsiEncoding
	fontKorean = "F3" // HYGoThic-Medium, UniKS-UCS2-H (Adobe-Korea1)
	fontHan    = "F4" // STSong-Light, UniGB-UCS2-H (Adobe-GB1)
	fontMono   = "F5" // Courier, WinAnsiEncoding
)

type textRun struct {
	x, y, size float64
	font       string // fontLatin, fontBold or fontMono; CJK fonts are chosen automatically
	text       string
}

type pdfImage struct {
	w, h     int
	filter   string // "DCTDecode" or "FlateDecode"
	colorSp  string
	data     []byte
	smask    []byte // Flate-compressed DeviceGray alpha, or nil
	bitsComp int
}

type placedImage struct {
	x, y, w, h float64
	img        *pdfImage
}

type pdfPage struct {
	texts  []textRun
	images []placedImage
}

// pdfObjects accumulates numbered indirect objects of a new PDF file.
type pdfObjects struct {
	bodies [][]byte
}

func (o *pdfObjects) reserve() int {
	o.bodies = append(o.bodies, nil)
	return len(o.bodies)
}

func (o *pdfObjects) set(n int, body []byte) { o.bodies[n-1] = body }

func (o *pdfObjects) add(body []byte) int {
	n := o.reserve()
	o.set(n, body)
	return n
}

func (o *pdfObjects) stream(dict string, data []byte) int {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<<%s /Length %d>>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	return o.add(b.Bytes())
}

// bytes serialises the objects with a classic cross-reference table.
func (o *pdfObjects) bytes(root int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(o.bodies))
	for i, body := range o.bodies {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(body)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(o.bodies)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root %d 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(o.bodies)+1, root, xref)
	return b.Bytes()
}

// renderPDF writes an A4 PDF with the given pages.
func renderPDF(pages []pdfPage) []byte {
	var o pdfObjects
	catalog := o.reserve()
	pagesObj := o.reserve()
	fonts := addFonts(&o)
	var kids []string
	for _, p := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", addPage(&o, p, pagesObj, fonts)))
	}
	o.set(catalog, fmt.Appendf(nil, "<</Type /Catalog /Pages %d 0 R>>", pagesObj))
	o.set(pagesObj, fmt.Appendf(nil, "<</Type /Pages /Count %d /Kids [%s]>>", len(kids), strings.Join(kids, " ")))
	return o.bytes(catalog)
}

func addFonts(o *pdfObjects) string {
	simple := func(base string) int {
		return o.add(fmt.Appendf(nil, "<</Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding>>", base))
	}
	cjk := func(base, cmap, ordering string, supplement int) int {
		desc := o.add(fmt.Appendf(nil, "<</Type /FontDescriptor /FontName /%s /Flags 6 /FontBBox [0 -200 1000 900] "+
			"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80>>", base))
		cid := o.add(fmt.Appendf(nil, "<</Type /Font /Subtype /CIDFontType0 /BaseFont /%s /CIDSystemInfo "+
			"<</Registry (Adobe) /Ordering (%s) /Supplement %d>> /FontDescriptor %d 0 R /DW 1000 /W [1 95 500]>>", base, ordering, supplement, desc))
		return o.add(fmt.Appendf(nil, "<</Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /%s /DescendantFonts [%d 0 R]>>", base, cmap, cid))
	}
	f1, f2, f5 := simple("Helvetica"), simple("Helvetica-Bold"), simple("Courier")
	f3 := cjk("HYGoThic-Medium", "UniKS-UCS2-H", "Korea1", 1)
	f4 := cjk("STSong-Light", "UniGB-UCS2-H", "GB1", 2)
	return fmt.Sprintf("/F1 %d 0 R /F2 %d 0 R /F3 %d 0 R /F4 %d 0 R /F5 %d 0 R", f1, f2, f3, f4, f5)
}

func addPage(o *pdfObjects, p pdfPage, parent int, fonts string) int {
	var content bytes.Buffer
	var xobjects []string
	for i, im := range p.images {
		name := fmt.Sprintf("Im%d", i+1)
		xobjects = append(xobjects, fmt.Sprintf("/%s %d 0 R", name, addImage(o, im.img)))
		fmt.Fprintf(&content, "q %s 0 0 %s %s %s cm /%s Do Q\n", num(im.w), num(im.h), num(im.x), num(im.y), name)
	}
	for _, t := range p.texts {
		font, str := encodeText(t.font, t.text)
		fmt.Fprintf(&content, "BT /%s %s Tf %s %s Td %s Tj ET\n", font, num(t.size), num(t.x), num(t.y), str)
	}
	stream := o.stream("", content.Bytes())
	return o.add(fmt.Appendf(nil, "<</Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "+
		"/Resources <</Font <<%s>> /XObject <<%s>>>>>>", parent, stream, fonts, strings.Join(xobjects, " ")))
}

func addImage(o *pdfObjects, im *pdfImage) int {
	smask := ""
	if im.smask != nil {
		n := o.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "+
			"/BitsPerComponent 8 /Filter /FlateDecode", im.w, im.h), im.smask)
		smask = fmt.Sprintf(" /SMask %d 0 R", n)
	}
	return o.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s "+
		"/BitsPerComponent %d /Filter /%s%s", im.w, im.h, im.colorSp, im.bitsComp, im.filter, smask), im.data)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// encodeText picks the font for s and returns it with s as a PDF string
// operand: a literal WinAnsi string for Latin-1 text, UTF-16BE (UCS-2) hex
// for anything else, with characters outside the BMP shown as '?'.
func encodeText(font, s string) (string, string) {
	if isLatin1(s) {
		var b strings.Builder
		b.WriteByte('(')
		for _, r := range s {
			switch {
			case r == '(' || r == ')' || r == '\\':
				b.WriteByte('\\')
				b.WriteByte(byte(r))
			case r < 0x20 || (r >= 0x7f && r < 0xa0):
				b.WriteByte('?')
			default:
				b.WriteByte(byte(r))
			}
		}
		b.WriteByte(')')
		return font, b.String()
	}
	var b strings.Builder
	b.WriteByte('<')
	for _, r := range s {
		if r > 0xffff || r < 0x20 {
			r = '?'
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	b.WriteByte('>')
	if hasHangul(s) {
		return fontKorean, b.String()
	}
	return fontHan, b.String()
}

func isLatin1(s string) bool {
	for _, r := range s {
		if r > 0xff {
			return false
		}
	}
	return utf8.ValidString(s)
}

func hasHangul(s string) bool {
	for _, r := range s {
		if (r >= 0xac00 && r <= 0xd7a3) || (r >= 0x1100 && r <= 0x11ff) || (r >= 0x3130 && r <= 0x318f) || (r >= 0x3200 && r <= 0x321e) {
			return true
		}
	}
	return false
}

// loadImage prepares a JPEG (embedded as is) or PNG (re-encoded as Flate
// RGB with an alpha soft mask) for a PDF page.
func loadImage(data []byte) (*pdfImage, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxImageSide || cfg.Height > maxImageSide {
		return nil, fmt.Errorf("image: %dx%d outside 1..%d", cfg.Width, cfg.Height, maxImageSide)
	}
	var img image.Image
	switch format {
	case "jpeg":
		if cs := jpegColorSpace(cfg); cs != "" {
			return &pdfImage{w: cfg.Width, h: cfg.Height, filter: "DCTDecode", colorSp: cs, data: data, bitsComp: 8}, nil
		}
		img, err = jpeg.Decode(bytes.NewReader(data))
	case "png":
		img, err = png.Decode(bytes.NewReader(data))
	default:
		return nil, fmt.Errorf("image: format %s not supported (want PNG or JPEG)", format)
	}
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return flateImage(img)
}

func jpegColorSpace(cfg image.Config) string {
	switch cfg.ColorModel {
	case color.GrayModel:
		return "DeviceGray"
	case color.YCbCrModel:
		return "DeviceRGB"
	}
	return ""
}

func flateImage(img image.Image) (*pdfImage, error) {
	bnd := img.Bounds()
	rgb := make([]byte, 0, bnd.Dx()*bnd.Dy()*3)
	alpha := make([]byte, 0, bnd.Dx()*bnd.Dy())
	opaque := true
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			if a != 0 && a != 0xffff { // un-premultiply
				r, g, b = r*0xffff/a, g*0xffff/a, b*0xffff/a
			}
			rgb = append(rgb, byte(r>>8), byte(g>>8), byte(b>>8))
			alpha = append(alpha, byte(a>>8))
			opaque = opaque && a == 0xffff
		}
	}
	im := &pdfImage{w: bnd.Dx(), h: bnd.Dy(), filter: "FlateDecode", colorSp: "DeviceRGB", bitsComp: 8, data: deflate(rgb)}
	if !opaque {
		im.smask = deflate(alpha)
	}
	return im, nil
}

func deflate(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	_, _ = zw.Write(b) // writes to a bytes.Buffer cannot fail
	_ = zw.Close()
	return out.Bytes()
}
