// Package qrsvg draws a QR code as an SVG image: one path of unit squares on a white square
// with the standard four-module quiet zone, scaled by the viewer (crisp on screen and in
// print). The symbol is encoded by github.com/skip2/go-qrcode at error-correction level M
// (15 % of the symbol may be lost), which holds up to 2,331 bytes of text (version 40); an
// invitation link of about 650 characters takes version 17 or so (85 modules square).
//
// The text of an invitation QR code is a bearer token: callers make the image in the process
// that issued the token and never send the text elsewhere or log it.
package qrsvg

import (
	"encoding/base64"
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// Grid returns the dark modules of text's QR code, quiet zone included: grid[y][x].
func Grid(text string) ([][]bool, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code of %d bytes: %w", len(text), err)
	}
	return q.Bitmap(), nil
}

// SVG returns text's QR code as an SVG document whose viewBox counts modules.
func SVG(text string) (string, error) {
	grid, err := Grid(text)
	if err != nil {
		return "", err
	}
	n := len(grid)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range grid {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := x
			for run < len(row) && row[run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run-x, run-x)
			x = run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

// DataURL returns text's QR code as a data: URL of its SVG, for an <img> element.
func DataURL(text string) (string, error) {
	svg, err := SVG(text)
	if err != nil {
		return "", err
	}
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg)), nil
}
