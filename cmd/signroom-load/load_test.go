package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{{0.5, 51 * time.Millisecond}, {0.99, 100 * time.Millisecond}}
	for _, tt := range tests {
		got := h.quantile(tt.q)
		if d := got - tt.want; d < -bucketWidth || d > bucketWidth {
			t.Errorf("quantile(%v) = %v, want %v ± %v", tt.q, got, tt.want, bucketWidth)
		}
	}
}

func TestReadTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	body := "# room role token\nb publisher t1\nb subscriber t2\na subscriber t3\n\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	specs, err := readTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].id != "a" || len(specs[1].publishers) != 1 || specs[1].subscribers[0] != "t2" {
		t.Errorf("readTokens = %+v, want rooms a and b with their tokens", specs)
	}
	if err := os.WriteFile(path, []byte("a host t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readTokens(path); err == nil {
		t.Errorf("readTokens accepted role host")
	}
}

func TestCPUSecondsOfSelf(t *testing.T) {
	got, err := cpuSeconds(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if got < 0 || got > 3600 {
		t.Errorf("cpuSeconds(self) = %v, want a small positive number", got)
	}
}

func TestParseToken(t *testing.T) {
	a, ok := parseToken("room-1|pub-0|publisher")
	if !ok || a.AgreementID != "room-1" || !a.Publish || a.Subscribe {
		t.Errorf("parseToken = %+v, %v; want a publisher of room-1", a, ok)
	}
	if _, ok := parseToken("garbage"); ok {
		t.Errorf("parseToken accepted garbage")
	}
}
