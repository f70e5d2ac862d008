package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// heapSample is the served process's heap at one instant of a run.
type heapSample struct {
	at    time.Duration // since the server started
	live  uint64        // bytes marked live by the last GC (/gc/heap/live:bytes)
	inuse uint64        // runtime.MemStats.HeapInuse
	sys   uint64        // runtime.MemStats.Sys: memory obtained from the OS
	gcs   uint32
}

// sampleHeap prints a "HEAP" line on w every interval until ctx ends: seconds since start,
// live heap, heap in use, memory from the OS (bytes) and completed GC cycles. It forces no
// collection, so the numbers are what the process holds as it runs. With profile it also
// writes the heap profile to that file at each sample (the last one stays).
func sampleHeap(ctx context.Context, w io.Writer, every time.Duration, profile string) {
	start := time.Now()
	t := time.NewTicker(every)
	defer t.Stop()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			metrics.Read(live)
			fmt.Fprintf(w, "HEAP %.1f %d %d %d %d\n", now.Sub(start).Seconds(), live[0].Value.Uint64(),
				ms.HeapInuse, ms.Sys, ms.NumGC)
			if profile != "" {
				writeHeapProfile(profile)
			}
		}
	}
}

// parseHeapLine reads a line written by sampleHeap.
func parseHeapLine(line string) (heapSample, bool) {
	f := strings.Fields(line)
	if len(f) != 6 || f[0] != "HEAP" {
		return heapSample{}, false
	}
	secs, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return heapSample{}, false
	}
	var n [4]uint64
	for i := range n {
		if n[i], err = strconv.ParseUint(f[i+2], 10, 64); err != nil {
			return heapSample{}, false
		}
	}
	return heapSample{at: time.Duration(secs * float64(time.Second)), live: n[0], inuse: n[1], sys: n[2], gcs: uint32(n[3])}, true
}

// printHeap prints a run's heap series as a Markdown table and its summary: the live heap's
// least and greatest value over the run's second half against its first, and the slope of a
// least-squares line through the samples after the first minute.
func printHeap(mode string, s []heapSample) {
	if len(s) == 0 {
		return
	}
	fmt.Printf("\n%s server heap, one sample every %v:\n\n", mode, s[0].at.Round(time.Second))
	fmt.Println("| t | live heap MiB | heap in use MiB | from OS MiB | GCs |")
	fmt.Println("|---:|---:|---:|---:|---:|")
	for _, x := range s {
		fmt.Printf("| %v | %.1f | %.1f | %.1f | %d |\n", x.at.Round(time.Second), mib(x.live), mib(x.inuse), mib(x.sys), x.gcs)
	}
	h := len(s) / 2
	lo1, hi1 := liveRange(s[:h])
	lo2, hi2 := liveRange(s[h:])
	fmt.Printf("\nlive heap: first half %.1f–%.1f MiB, second half %.1f–%.1f MiB; trend after the first minute %+.2f MiB per 10 min\n",
		mib(lo1), mib(hi1), mib(lo2), mib(hi2), liveSlope(s, time.Minute)*600/(1<<20))
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func liveRange(s []heapSample) (lo, hi uint64) {
	for i, x := range s {
		if i == 0 || x.live < lo {
			lo = x.live
		}
		hi = max(hi, x.live)
	}
	return lo, hi
}

// liveSlope is the least-squares slope of the live heap in bytes per second over the samples
// taken after skip.
func liveSlope(s []heapSample, skip time.Duration) float64 {
	var n, sx, sy, sxx, sxy float64
	for _, x := range s {
		if x.at < skip {
			continue
		}
		t, y := x.at.Seconds(), float64(x.live)
		n++
		sx, sy, sxx, sxy = sx+t, sy+y, sxx+t*t, sxy+t*y
	}
	if d := n*sxx - sx*sx; n >= 2 && d != 0 {
		return (n*sxy - sx*sy) / d
	}
	return 0
}

// writeHeapProfile replaces file with the current heap profile; a failure is reported on
// stderr and the sampling goes on.
func writeHeapProfile(file string) {
	f, err := os.Create(file)
	if err == nil {
		err = errors.Join(pprof.Lookup("heap").WriteTo(f, 0), f.Close())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "heap profile:", err)
	}
}
