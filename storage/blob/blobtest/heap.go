package blobtest

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/signroom/signroom/storage/blob"
)

// generator is an io.Reader of size pseudo-random bytes with no known
// length (it is not a Seeker and has no Len), hashing what it emits.
type generator struct {
	block []byte
	left  int64
	off   int
	count uint64
	h     hash.Hash
}

func newGenerator(size int64) *generator {
	block := make([]byte, 64<<10)
	rand.NewChaCha8([32]byte{7}).Read(block)
	return &generator{block: block, left: size, h: sha256.New()}
}

// Read implements io.Reader.
func (g *generator) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	if g.off == len(g.block) {
		g.off = 0
		g.count++
		g.block[0], g.block[1], g.block[2] = byte(g.count), byte(g.count>>8), byte(g.count>>16)
	}
	n := copy(p[:min(int64(len(p)), g.left)], g.block[g.off:])
	g.off += n
	g.left -= int64(n)
	g.h.Write(p[:n])
	return n, nil
}

func (g *generator) sum() string { return hex.EncodeToString(g.h.Sum(nil)) }

// heapSampler records the peak HeapInuse while it runs.
type heapSampler struct {
	base, peak uint64
	stop       chan struct{}
	wg         sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	hs := &heapSampler{base: ms.HeapInuse, peak: ms.HeapInuse, stop: make(chan struct{})}
	hs.wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-hs.stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				hs.peak = max(hs.peak, ms.HeapInuse)
			}
		}
	})
	return hs
}

// growth stops sampling and returns the peak HeapInuse above the baseline.
func (hs *heapSampler) growth() int64 {
	close(hs.stop)
	hs.wg.Wait()
	return int64(hs.peak) - int64(hs.base)
}

func (s *suite) testLargeStreamHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("large upload skipped in -short mode")
	}
	f := s.newFixture(t)
	for _, st := range []blob.Store{f.Buckets.Archive} {
		gen := newGenerator(s.opts.LargeSize)
		hs := startHeapSampler()
		start := time.Now()
		info, err := st.Put(ctxT(t), "large/stream.bin", gen, blob.PutOptions{ContentType: "video/webm"})
		elapsed := time.Since(start)
		growth := hs.growth()
		if err != nil {
			t.Fatalf("Put %d bytes: %v", s.opts.LargeSize, err)
		}
		t.Logf("streamed %d MiB in %v (%.1f MiB/s), peak HeapInuse growth %.1f MiB",
			s.opts.LargeSize>>20, elapsed.Round(time.Millisecond), float64(s.opts.LargeSize)/(1<<20)/elapsed.Seconds(), float64(growth)/(1<<20))
		if growth > s.opts.MaxHeapGrowth {
			t.Errorf("peak heap growth %d bytes, want at most %d", growth, s.opts.MaxHeapGrowth)
		}
		stat, err := st.Stat(ctxT(t), "large/stream.bin")
		if err != nil || info.SHA256 != gen.sum() || stat.SHA256 != gen.sum() || stat.Size != s.opts.LargeSize {
			t.Errorf("large object: Put %+v, Stat %+v, %v; want size %d sha %s", info, stat, err, s.opts.LargeSize, gen.sum())
		}
		if err := st.Delete(ctxT(t), "large/stream.bin"); err != nil {
			t.Errorf("Delete large object: %v", err)
		}
	}
}
