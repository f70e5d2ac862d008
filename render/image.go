package render

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"golang.org/x/image/draw"
)

// JPEG qualities of page images and thumbnails.
const (
	pageQuality  = 85
	thumbQuality = 80
)

// encodePage stores img as the page's JPEG and a thumbnail of width tw. img may live in
// WebAssembly memory: nothing of it is kept.
func encodePage(p *Page, img image.Image, tw int) error {
	if img == nil {
		return fmt.Errorf("no image")
	}
	b := img.Bounds()
	var err error
	if p.Image, err = encodeJPEG(img, pageQuality); err != nil {
		return err
	}
	p.ImageWidth, p.ImageHeight = b.Dx(), b.Dy()
	tw = min(tw, b.Dx())
	th := max(1, b.Dy()*tw/b.Dx())
	thumb := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.BiLinear.Scale(thumb, thumb.Bounds(), img, b, draw.Src, nil)
	if p.Thumb, err = encodeJPEG(thumb, thumbQuality); err != nil {
		return err
	}
	p.ThumbWidth, p.ThumbHeight = tw, th
	return nil
}

func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}
