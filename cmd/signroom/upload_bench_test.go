package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/internal/pdftest"
)

// BenchmarkUploadScanned40 uploads a 40-page scanned PDF (each A4 page one 200 dpi greyscale
// JPEG, no text) to a real `signroom serve` (local blob store, renderer at its defaults,
// compiled from the cache) and reports the time per upload and per page, and the server
// process's peak resident set (VmHWM) after the uploads. The first upload also pays the
// renderer's start; it is reported on its own. Run alone:
//
//	go test -run XXX -bench UploadScanned40 -benchtime 3x ./cmd/signroom/
func BenchmarkUploadScanned40(b *testing.B) {
	p := apitest.Start(b, nil)
	org := p.Organizer(b, "organizer", "a long enough password")
	pdf := pdftest.Scanned(40, 1654, 2339)
	b.Logf("PDF: 40 pages, %.1f MiB; server RSS before any upload %.0f MiB", float64(len(pdf))/(1<<20), float64(procStatus(b, p, "VmRSS"))/(1<<20))
	upload := func(n int) time.Duration {
		var ag struct {
			ID string `json:"id"`
		}
		org.Post("/api/agreements", map[string]any{"title": map[string]string{"en": fmt.Sprintf("MOU %d", n)}}, http.StatusCreated, &ag)
		start := time.Now()
		var doc struct {
			Pages int `json:"pages"`
		}
		org.Do("POST", "/api/agreements/"+ag.ID+"/documents?language=zh", bytes.NewReader(pdf), "application/pdf", http.StatusCreated, &doc)
		if doc.Pages != 40 {
			b.Fatalf("upload says %d pages, want 40", doc.Pages)
		}
		return time.Since(start)
	}
	b.Logf("first upload (renderer starts): %v", upload(0).Round(time.Millisecond))
	var total time.Duration
	n := 0
	for b.Loop() {
		n++
		total += upload(n)
	}
	b.ReportMetric(total.Seconds()/float64(n), "s/upload")
	b.ReportMetric(total.Seconds()/float64(n)/40, "s/page")
	b.ReportMetric(float64(procStatus(b, p, "VmHWM"))/(1<<20), "server-peak-RSS-MiB")
}

// procStatus reads a size field (kB) of the server process's /proc status, in bytes.
func procStatus(b *testing.B, p *apitest.Process, field string) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc status", field)
	return 0
}
