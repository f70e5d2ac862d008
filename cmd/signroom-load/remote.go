package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// readTokens reads a token file for -url mode: one "room role token" per
// line, role publisher or subscriber; blank lines and # comments skipped.
func readTokens(path string) ([]roomSpec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	byRoom := map[string]*roomSpec{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s:%d: want: room role token", path, n)
		}
		s := byRoom[fields[0]]
		if s == nil {
			s = &roomSpec{id: fields[0]}
			byRoom[fields[0]] = s
		}
		switch fields[1] {
		case "publisher":
			s.publishers = append(s.publishers, fields[2])
		case "subscriber":
			s.subscribers = append(s.subscribers, fields[2])
		default:
			return nil, fmt.Errorf("%s:%d: role must be publisher or subscriber", path, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	specs := make([]roomSpec, 0, len(byRoom))
	for _, s := range byRoom {
		specs = append(specs, *s)
	}
	slices.SortFunc(specs, func(a, b roomSpec) int { return strings.Compare(a.id, b.id) })
	return specs, nil
}

// runRemote measures a server that is already running. Its CPU is measured
// only when its process id is given (same machine).
func runRemote(ctx context.Context, o options, urlTemplate, tokenFile string, pid int) error {
	specs, err := readTokens(tokenFile)
	if err != nil {
		return err
	}
	l := &load{opts: o, url: func(room string) string { return strings.ReplaceAll(urlTemplate, "{id}", room) }}
	ctx, cancel := context.WithTimeout(ctx, o.duration+o.warmup+90*time.Second)
	defer cancel()
	r, err := l.run(ctx, specs, pid)
	if err != nil {
		return err
	}
	fmt.Println("| rooms | fwd pkt/s | loss % | delay p50 | delay p99 | server CPU s | CPU µs/pkt |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Printf("| %d | %.0f | %.2f | %.2f ms | %.2f ms | %.2f | %.2f |\n", len(specs), r.pps, r.loss*100,
		ms(r.p50), ms(r.p99), r.cpu, r.cpuPerPacket)
	return nil
}
