package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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

func TestHeapLineRoundTrip(t *testing.T) {
	runtime.GC() // the live heap is what the last collection marked
	ctx, cancel := context.WithCancel(context.Background())
	var w lockedBuffer
	done := make(chan struct{})
	go func() { sampleHeap(ctx, &w, time.Millisecond, ""); close(done) }()
	for w.lines() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	line, _, _ := strings.Cut(w.String(), "\n")
	s, ok := parseHeapLine(line)
	if !ok || s.live == 0 || s.inuse == 0 || s.sys < s.inuse || s.live > s.sys {
		t.Errorf("parseHeapLine(%q) = %+v, %v; want a sample with live ≤ in use ≤ sys", line, s, ok)
	}
	if _, ok := parseHeapLine("HEAP 1.0 x 2 3 4"); ok {
		t.Errorf("parseHeapLine accepted a non-number")
	}
}

func TestLiveSlope(t *testing.T) {
	var s []heapSample
	for i := range 10 {
		s = append(s, heapSample{at: time.Duration(i) * 30 * time.Second, live: uint64(1000 + 2*30*i)})
	}
	s[0].live = 1 << 30 // inside the skipped first minute
	if got := liveSlope(s, time.Minute); math.Abs(got-2) > 1e-9 {
		t.Errorf("liveSlope = %v bytes/s, want 2", got)
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader in two goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) lines() int { return strings.Count(l.String(), "\n") }
