package pdfcheck

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/signroom/signroom/internal/pdftest"
)

func encryptPDF(t *testing.T, pdf []byte, userPW string) []byte {
	t.Helper()
	pdfcpuConfigOnce.Do(api.DisableConfigDir)
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, model.NewAESConfiguration(userPW, "owner-secret", 256)); err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return out.Bytes()
}

func TestCheckParses(t *testing.T) {
	good := pdftest.Minimal(3, "MOU")
	tests := []struct {
		name      string
		pdf       []byte
		wantPages int
		wantErr   string
	}{
		{"valid", good, 3, ""},
		{"one page", pdftest.Minimal(1, "x"), 1, ""},
		{"truncated", good[:len(good)/2], 0, "truncated"},
		{"damaged but complete", append(good[:len(good)/2:len(good)/2], []byte("\n%%EOF\n")...), 0, "damaged|could not be parsed"},
		{"garbage after header", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("garbage "), 100)...), 0, "truncated"},
		{"garbage with EOF marker", append([]byte("%PDF-1.7\n"), []byte(strings.Repeat("garbage ", 100)+"\n%%EOF\n")...), 0, "damaged|could not be parsed"},
		{"encrypted with user password", encryptPDF(t, good, "user-secret"), 0, "encrypted"},
		{"encrypted with owner password only", encryptPDF(t, good, ""), 0, "encrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, err := Check(bytes.NewReader(tt.pdf), int64(len(tt.pdf)), DefaultLimits())
			if tt.wantErr == "" {
				if err != nil || pages != tt.wantPages {
					t.Fatalf("Check = %d, %v; want %d pages", pages, err, tt.wantPages)
				}
				return
			}
			if err == nil || !containsAny(err.Error(), strings.Split(tt.wantErr, "|")) {
				t.Fatalf("Check err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
