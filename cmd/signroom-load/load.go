package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// load is one run: R rooms × P publishers × S subscribers against one server.
type load struct {
	opts      options
	url       func(room string) string
	api       *rtcapi.API
	hist      histogram
	recv      atomic.Int64 // packets received by subscribers in the window
	subs      []*client.Client
	pubs      []*client.Client
	stop      context.CancelFunc
	wg        sync.WaitGroup
	tracks    atomic.Int64 // subscriber tracks receiving media
	measuring atomic.Bool
	sources   []fanout
}

// fanout is a publisher's source and how many subscribers should get it.
type fanout struct {
	src  *client.Source
	subs int
}

// expected returns the packets the subscribers should receive for what the
// publishers have sent so far.
func (l *load) expected() int64 {
	var n int64
	for _, f := range l.sources {
		n += f.src.Sent() * int64(f.subs)
	}
	return n
}

// result is what one run measured.
type result struct {
	mode              string
	rooms             int
	pps, loss         float64
	p50, p99          time.Duration
	cpu, cpuPerPacket float64 // seconds; microseconds per forwarded packet
	received          int64
	clientCPU         float64 // seconds used by this process (the clients)
	heap              []heapSample
}

// child is a server process started for one run.
type child struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	heap []heapSample
}

func startChild(mode, profile string, heapEvery time.Duration) (*child, error) {
	args := []string{"-serve", mode}
	if profile != "" {
		args = append(args, "-cpuprofile", profile)
	}
	if heapEvery > 0 {
		args = append(args, "-heap-every", heapEvery.String())
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s server: %w", mode, err)
	}
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "LISTEN ") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s server did not start: %q %v", mode, line, err)
	}
	c := &child{cmd: cmd, url: strings.TrimSpace(strings.TrimPrefix(line, "LISTEN "))}
	go c.readHeap(r)
	return c, nil
}

// readHeap collects the server's heap samples from its stdout until it closes.
func (c *child) readHeap(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if s, ok := parseHeapLine(sc.Text()); ok {
			c.mu.Lock()
			c.heap = append(c.heap, s)
			c.mu.Unlock()
		}
	}
}

func (c *child) heapSamples() []heapSample {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.heap)
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// runMode starts a server of the given mode and measures it under the load.
func runMode(ctx context.Context, o options, mode string, rooms int) (result, error) {
	ch, err := startChild(mode, o.profileFor(mode, rooms), o.heapEvery)
	if err != nil {
		return result{}, err
	}
	base := "ws" + strings.TrimPrefix(ch.url, "http")
	l := &load{opts: o, url: func(room string) string { return base + "/api/agreements/" + room + "/ceremony/ws" }}
	res, err := l.run(ctx, generatedRooms(o, rooms), ch.cmd.Process.Pid)
	res.mode, res.rooms, res.heap = mode, rooms, ch.heapSamples()
	ch.stop()
	return res, err
}

// run connects the rooms, waits for every subscriber track to flow and
// measures. serverPID 0 skips the CPU measurement.
func (l *load) run(ctx context.Context, specs []roomSpec, serverPID int) (result, error) {
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true})
	if err != nil {
		return result{}, err
	}
	l.api = api
	defer l.close()
	mctx, cancel := context.WithCancel(context.Background())
	l.stop = cancel
	if err := l.connect(ctx, mctx, specs); err != nil {
		return result{}, err
	}
	var want int64
	for _, s := range specs {
		want += int64(len(s.publishers) * len(s.subscribers) * 2)
	}
	deadline := time.Now().Add(30*time.Second + time.Duration(len(specs))*time.Second)
	for l.tracks.Load() < want {
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("only %d of %d subscriber tracks receive media", l.tracks.Load(), want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(l.opts.warmup)
	return l.measure(serverPID)
}

func (l *load) measure(serverPID int) (result, error) {
	l.hist.reset()
	l.recv.Store(0)
	l.measuring.Store(true)
	cpu0, err := cpuSeconds(serverPID)
	if err != nil {
		return result{}, err
	}
	self0 := selfCPU()
	exp0 := l.expected()
	start := time.Now()
	time.Sleep(l.opts.duration)
	exp1 := l.expected()
	self1 := selfCPU()
	cpu1, err := cpuSeconds(serverPID)
	if serverPID == 0 {
		cpu0, cpu1 = 0, 0
	}
	elapsed := time.Since(start).Seconds()
	l.measuring.Store(false)
	if err != nil {
		return result{}, err
	}
	recv := l.recv.Load()
	r := result{pps: float64(recv) / elapsed, p50: l.hist.quantile(0.5), p99: l.hist.quantile(0.99),
		cpu: cpu1 - cpu0, received: recv, clientCPU: self1 - self0}
	if exp := exp1 - exp0; exp > 0 && exp > recv {
		r.loss = float64(exp-recv) / float64(exp)
	}
	if recv > 0 {
		r.cpuPerPacket = r.cpu / float64(recv) * 1e6
	}
	return r, nil
}

// roomSpec is one room's invitation tokens.
type roomSpec struct {
	id          string
	publishers  []string
	subscribers []string
}

// generatedRooms builds tokens for the child server's token admitter.
func generatedRooms(o options, rooms int) []roomSpec {
	specs := make([]roomSpec, rooms)
	for r := range specs {
		id := fmt.Sprintf("load-%d", r)
		specs[r].id = id
		for p := range o.publishers {
			specs[r].publishers = append(specs[r].publishers, fmt.Sprintf("%s|pub-%d|publisher", id, p))
		}
		for s := range o.subscribers {
			specs[r].subscribers = append(specs[r].subscribers, fmt.Sprintf("%s|sub-%d|subscriber", id, s))
		}
	}
	return specs
}

func (l *load) connect(ctx, mctx context.Context, specs []roomSpec) error {
	for _, spec := range specs {
		for i, tok := range spec.subscribers {
			c, err := client.Dial(ctx, l.url(spec.id), tok, client.Options{API: l.api.API, OnTrack: l.onTrack})
			if err != nil {
				return fmt.Errorf("subscriber %s/%d: %w", spec.id, i, err)
			}
			l.subs = append(l.subs, c)
		}
		for i, tok := range spec.publishers {
			if err := l.publish(ctx, mctx, spec.id, i, tok, len(spec.subscribers)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *load) publish(ctx, mctx context.Context, room string, p int, token string, subs int) error {
	src, err := client.NewSource(fmt.Sprintf("%s-pub-%d", room, p))
	if err != nil {
		return err
	}
	c, err := client.Dial(ctx, l.url(room), token, client.Options{
		API: l.api.API, OnPublisherRTCP: func(_ string, pkts []rtcp.Packet) {
			for _, x := range pkts {
				if _, ok := x.(*rtcp.PictureLossIndication); ok {
					src.RequestKeyframe()
				}
			}
		}})
	if err != nil {
		return fmt.Errorf("publisher %s/%d: %w", room, p, err)
	}
	l.pubs = append(l.pubs, c)
	l.sources = append(l.sources, fanout{src: src, subs: subs})
	if _, err := c.Publish(ctx, nil, src.Audio, src.Video); err != nil {
		return fmt.Errorf("publish %s/%d: %w", room, p, err)
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		src.Run(mctx, client.MediaConfig{VideoBitrate: l.opts.bitrate, FPS: 30, KeyframeInterval: 2 * time.Second})
	}()
	return nil
}

// onTrack counts a subscriber's packets, gaps and one-way delays.
func (l *load) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	video := t.Kind() == webrtc.RTPCodecTypeVideo
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	first := true
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		now := time.Now()
		if first {
			first = false
			l.tracks.Add(1)
		}
		if !l.measuring.Load() {
			continue
		}
		l.recv.Add(1)
		if sent, ok := client.SendTime(video, pkt.Payload); ok {
			l.hist.add(now.Sub(sent))
		}
	}
}

func (l *load) close() {
	if l.stop != nil {
		l.stop()
	}
	l.wg.Wait()
	var wg sync.WaitGroup
	for _, c := range append(l.pubs, l.subs...) {
		wg.Add(1)
		go func() { defer wg.Done(); _ = c.Close() }()
	}
	wg.Wait()
	_ = l.api.Close()
}
