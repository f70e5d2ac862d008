package pdfcheck

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/pdftest"
)

func TestScanRefuses(t *testing.T) {
	text := flateStream([]byte("BT /F1 12 Tf 72 720 Td (MOU) Tj ET"), 1)
	tests := []struct {
		name string
		pdf  []byte
		want error
		says string
	}{
		{"plain", pdftest.Minimal(2, "MOU"), nil, ""},
		{"compressed content", onePage("", text), nil, ""},
		{"open action javascript", onePage("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", text), ErrActive, "JavaScript"},
		{"hex-escaped name", onePage("/OpenAction 5 0 R", text, "<< /S /J#61vaScript /JS (x) >>"), ErrActive, "JavaScript"},
		{"page additional actions", onePage("", text, "<< /AA << /O 6 0 R >> >>"), ErrActive, "additional (event) actions"},
		{"launch", onePage("/OpenAction 5 0 R", text, "<< /S /Launch /F (calc.exe) >>"), ErrActive, "launch"},
		{"embedded file", onePage("/Names << /EmbeddedFiles 5 0 R >>", text, "<< /Names [] >>"), ErrActive, "embedded files"},
		{"open action to a page is fine", onePage("/OpenAction [3 0 R /Fit]", text), nil, ""},
		{"name only in a string is fine", onePage("/Lang (en) /PageLabels << /Nums [0 << /P (/JavaScript) >>] >>", text), nil, ""},
		{"bomb", bomb(24 << 20), ErrLimit, "decodes to more than"},
		{"double-flate bomb", onePage("", flateStream(make([]byte, 24<<20), 2)), ErrLimit, "decodes to more than"},
		{"filter chain too long", onePage("", flateStream([]byte("x"), 5)), ErrLimit, "filters"},
		{"too many pages", onePage("", text, strings.Repeat("<< /Type /Page >> ", 2001)), ErrLimit, "pages"},
		{"encrypted", onePage("", text, "<< /Filter /Standard /V 2 >>")[:0:0], ErrInvalid, ""},
	}
	tests[len(tests)-1].pdf = bytes.Replace(onePage("", text), []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt << /Filter /Standard >>"), 1)
	tests[len(tests)-1].want = ErrEncrypted
	lim := DefaultLimits()
	lim.MaxStreamBytes, lim.MaxDecodedBytes = 8<<20, 16<<20 // small bombs keep the test quick under -race
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Scan(tt.pdf, lim)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.says)) {
				t.Fatalf("Scan = %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

// TestObjectStreamActiveContent: active content inside a compressed object stream is found.
func TestObjectStreamActiveContent(t *testing.T) {
	objs := "5 0 "
	inner := "<< /S /JavaScript /JS (app.alert(1)) >>"
	stm := flateStreamDict([]byte(objs+inner), "/Type /ObjStm /N 1 /First 4")
	_, err := Scan(onePage("/OpenAction 5 0 R", flateStream([]byte("q Q"), 1), stm), DefaultLimits())
	if !errors.Is(err, ErrActive) || !strings.Contains(err.Error(), "JavaScript") {
		t.Fatalf("Scan = %v, want ErrActive naming JavaScript", err)
	}
}

func flateStreamDict(data []byte, dict string) string {
	s := flateStream(data, 1)
	return strings.Replace(s, "<< ", "<< "+dict+" ", 1)
}

// TestScanMemoryBounded: scanning a 96 MiB bomb stops at the stream limit (64 MiB) without
// holding it: the heap grows by far less than the limit.
func TestScanMemoryBounded(t *testing.T) {
	b := bomb(96 << 20)
	t.Logf("bomb: %d KiB of PDF inflating to 96 MiB", len(b)>>10)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Scan(b, DefaultLimits())
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("Scan = %v, want ErrLimit", err)
	}
	grew := int64(after.TotalAlloc - before.TotalAlloc)
	t.Logf("refused in %v, allocated %d MiB in all", time.Since(start).Round(time.Millisecond), grew>>20)
	if grew > 16<<20 {
		t.Errorf("scanning allocated %d MiB; a bomb must be counted, not held", grew>>20)
	}
}
