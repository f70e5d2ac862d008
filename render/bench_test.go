package render_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/pdftest"
	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/render/rendertest"
)

func renderBench(b *testing.B, pdf []byte) {
	e := rendertest.Engine(b)
	b.SetBytes(int64(len(pdf)))
	pages := 0
	start := time.Now()
	for b.Loop() {
		n, err := e.Render(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), func(render.Page) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		pages += n
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(pages), "s/page")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
}

// peakRSS is the process's high-water resident set (VmHWM), in bytes; 0 off Linux.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkRender renders 40-page documents: text pages (the baseline) and scans at 200 and
// 300 dpi (one full-page greyscale JPEG per page, no text). Run one at a time to read each
// one's peak RSS: go test -run XXX -bench 'Render/scan200' -benchtime 1x ./render/
func BenchmarkRender(b *testing.B) {
	lines := make([][]string, 40)
	for i := range lines {
		lines[i] = []string{fmt.Sprintf("Article %d", i+1), "강원도와 남경시는 협력한다", "江原道与南京市合作", strings.Repeat("Lorem ipsum dolor sit amet. ", 3)}
	}
	docs := []struct {
		name string
		pdf  func() []byte
	}{
		{"text40", func() []byte { return pdftest.Text(lines) }},
		{"scan200dpi40", func() []byte { return pdftest.Scanned(40, 1654, 2339) }},
		{"scan300dpi40", func() []byte { return pdftest.Scanned(40, 2480, 3508) }},
	}
	for _, d := range docs {
		b.Run(d.name, func(b *testing.B) {
			pdf := d.pdf()
			runtime.GC()
			renderBench(b, pdf)
		})
	}
}
