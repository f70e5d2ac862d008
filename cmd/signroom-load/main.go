// Command signroom-load is the SFU load generator and benchmark.
//
// It starts the server under test as a child process (so the server's CPU
// time, read from /proc, excludes the load generator's own clients), connects
// R rooms × P publishers × S subscribers of Pion peers speaking the protocol
// of docs/signaling.md, sends synthetic VP8 and Opus that carry their send
// time, and reports forwarded packets/s, loss, one-way delay p50/p99 and
// server CPU. Each room count is run twice: against Signroom's SFU and
// against a minimal Pion forward loop with the same codecs, interceptors and
// UDP mux; the ratio of CPU per forwarded packet is Signroom's overhead.
//
// Output: the results table (Markdown) on stdout; progress and errors on
// stderr. Exit status 1 on any failure, 2 on bad flags.
//
// With -url and -tokens it measures an already running server (for example
// a deployed signroom with real invitations) instead; no baseline then.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

type options struct {
	rooms       []int
	publishers  int
	subscribers int
	bitrate     int
	duration    time.Duration
	warmup      time.Duration
	modes       []string
	maxLoss     float64
	profileDir  string
	repeat      int
	heapEvery   time.Duration
}

func (o options) profileFor(mode string, rooms int) string {
	if o.profileDir == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s-%d.pprof", o.profileDir, mode, rooms)
}

func main() {
	serve := flag.String("serve", "", "internal: run the server under test (signroom, record or baseline)")
	cpuProfile := flag.String("cpuprofile", "", "internal: CPU profile file of the served process")
	heapEvery := flag.Duration("heap-every", 0, "sample each server's heap at this interval and print the series (0: off)")
	rooms := flag.String("rooms", "1,2,4", "comma-separated room counts to run, in increasing order")
	pubs := flag.Int("publishers", 2, "publishers per room (audio + video each)")
	subs := flag.Int("subscribers", 4, "subscribers per room")
	bitrate := flag.Int("bitrate", 500_000, "video bitrate per publisher, bits/s")
	duration := flag.Duration("duration", 10*time.Second, "measurement window per run")
	warmup := flag.Duration("warmup", 3*time.Second, "time between all tracks flowing and measuring")
	modes := flag.String("modes", "signroom,baseline", "servers to measure: signroom, baseline, record (signroom recording every track)")
	maxLoss := flag.Float64("max-loss", 0.01, "stop the sweep after a room count whose Signroom loss exceeds this")
	repeat := flag.Int("repeat", 1, "runs per server and room count; the median is reported")
	profileDir := flag.String("profile-dir", "", "write each server's CPU profile (and, with -heap-every, its latest heap profile) to this directory")
	url := flag.String("url", "", "measure a running server instead: ws(s)://host/api/agreements/{id}/ceremony/ws")
	tokens := flag.String("tokens", "", "with -url: file of \"room publisher|subscriber token\" lines")
	serverPID := flag.Int("server-pid", 0, "with -url: process id of the server, to read its CPU time")
	flag.Parse()
	if *serve != "" {
		if err := serveChild(*serve, *cpuProfile, *heapEvery); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			os.Exit(1)
		}
		return
	}
	o := options{publishers: *pubs, subscribers: *subs, bitrate: *bitrate, duration: *duration,
		warmup: *warmup, modes: strings.Split(*modes, ","), maxLoss: *maxLoss, profileDir: *profileDir, repeat: max(1, *repeat),
		heapEvery: *heapEvery}
	for _, f := range strings.Split(*rooms, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintln(os.Stderr, "bad -rooms:", *rooms)
			os.Exit(2)
		}
		o.rooms = append(o.rooms, n)
	}
	if *url != "" {
		if *tokens == "" {
			fmt.Fprintln(os.Stderr, "-url needs -tokens")
			os.Exit(2)
		}
		if err := runRemote(context.Background(), o, *url, *tokens, *serverPID); err != nil {
			fmt.Fprintln(os.Stderr, "signroom-load:", err)
			os.Exit(1)
		}
		return
	}
	if err := sweep(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "signroom-load:", err)
		os.Exit(1)
	}
}

func sweep(ctx context.Context, o options) error {
	fmt.Printf("%d publishers × %d subscribers per room, video %d kbit/s + Opus, %v window, median of %d runs per server\n\n",
		o.publishers, o.subscribers, o.bitrate/1000, o.duration, o.repeat)
	fmt.Println("| rooms | server | fwd pkt/s | loss % | delay p50 | delay p99 | server CPU % | clients CPU % | CPU µs/pkt | ratio |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.rooms {
		runs := map[string][]result{}
		for i := range o.repeat {
			for j := range o.modes {
				mode := o.modes[j]
				if i%2 == 1 { // alternate the order so drift in machine load hits both
					mode = o.modes[len(o.modes)-1-j]
				}
				fmt.Fprintf(os.Stderr, "run %d/%d: %s with %d rooms\n", i+1, o.repeat, mode, n)
				cctx, cancel := context.WithTimeout(ctx, o.duration+o.warmup+90*time.Second+time.Duration(n)*time.Second)
				r, err := runMode(cctx, o, mode, n)
				cancel()
				if err != nil { // an overloaded machine that cannot even connect everyone ends the sweep
					fmt.Printf("| %d | %s | — | — | — | — | — | — | — | setup failed: %v |\n", n, mode, err)
					return nil
				}
				fmt.Fprintf(os.Stderr, "  %.0f pkt/s, loss %.2f%%, server CPU %.2f s (%.2f µs/pkt), clients CPU %.2f s\n",
					r.pps, r.loss*100, r.cpu, r.cpuPerPacket, r.clientCPU)
				runs[mode] = append(runs[mode], r)
				printHeap(mode, r.heap)
			}
		}
		sr, bl := median(runs["signroom"]), median(runs["baseline"])
		for _, mode := range o.modes {
			r := median(runs[mode])
			ratio := ""
			if mode == o.modes[len(o.modes)-1] && sr != nil && bl != nil && bl.cpuPerPacket > 0 {
				ratio = fmt.Sprintf("%.2f", sr.cpuPerPacket/bl.cpuPerPacket)
			}
			fmt.Printf("| %d | %s | %.0f | %.2f | %.2f ms | %.2f ms | %.0f | %.0f | %.2f | %s |\n", n, mode, r.pps,
				r.loss*100, ms(r.p50), ms(r.p99), r.cpu/o.duration.Seconds()*100,
				r.clientCPU/o.duration.Seconds()*100, r.cpuPerPacket, ratio)
		}
		if rc := median(runs["record"]); sr != nil && rc != nil {
			printRecordingCost(o, n, sr, rc)
		}
		if sr != nil && sr.loss > o.maxLoss {
			fmt.Fprintf(os.Stderr, "Signroom loss %.2f%% passed %.2f%% at %d rooms; stopping\n", sr.loss*100, o.maxLoss*100, n)
			break
		}
	}
	return nil
}

// median returns the run with the median CPU per packet (nil for none).
func median(rs []result) *result {
	if len(rs) == 0 {
		return nil
	}
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int { return cmp.Compare(a.cpuPerPacket, b.cpuPerPacket) })
	return &s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// printRecordingCost compares, from one sweep, the server CPU recording adds per recorded
// track with the CPU forwarding one track to the room's subscribers costs (signroom mode).
// Both come from CPU per forwarded packet, so runs whose packet rates differ a little (a
// loaded machine) still compare: forwarding one track costs the signroom server's CPU per
// packet times the packets each track makes the server forward a second; recording adds the
// record server's excess per packet times the same.
func printRecordingCost(o options, rooms int, sr, rc *result) {
	tracks := float64(rooms * o.publishers * 2)
	perTrack := sr.pps / tracks              // forwarded packets a second per published track
	fwd := sr.cpuPerPacket * perTrack / 1000 // ms of CPU per second per track
	extra := (rc.cpuPerPacket - sr.cpuPerPacket) * perTrack / 1000
	fmt.Printf("\n%d rooms: forwarding one track to %d subscribers costs %.2f ms CPU/s; recording it adds %.2f ms CPU/s (%.1f%% of forwarding)\n\n",
		rooms, o.subscribers, fwd, extra, extra/fwd*100)
}
