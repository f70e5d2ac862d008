package pdfcheck

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
)

// buildPDF writes a PDF whose objects 1.. are the given bodies (object 1 the catalog), with
// a correct cross-reference table.
func buildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// onePage is a catalog, a page tree and one page whose content is object 4, plus extra
// catalog entries.
func onePage(catalogExtra, content string, more ...string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R " + catalogExtra + " >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		content,
	}
	return buildPDF(append(objs, more...)...)
}

// flateStream is a stream object of data compressed once per filter.
func flateStream(data []byte, times int) string {
	for range times {
		var z bytes.Buffer
		w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
		w.Write(data)
		w.Close()
		data = z.Bytes()
	}
	filters := strings.TrimSpace(strings.Repeat("/FlateDecode ", times))
	return fmt.Sprintf("<< /Length %d /Filter [%s] >>\nstream\n%s\nendstream", len(data), filters, data)
}

// bomb is a one-page PDF whose content stream inflates to n zero bytes.
func bomb(n int) []byte {
	return onePage("", flateStream(make([]byte, n), 1))
}
