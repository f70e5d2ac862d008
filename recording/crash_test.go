package recording

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/mediatest"
	"github.com/signroom/signroom/storage/blob"
)

// TestTruncatedSpoolFinalizes cuts an unfinished spool file at many places, as a crash
// would, and checks each prefix finalizes into a file ffmpeg plays without an error (or is
// reported as holding no media).
func TestTruncatedSpoolFinalizes(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 4, GOP: 30})
	g := newRig(t, nil)
	audio, video := g.publish("ag1", "p1", "s1", nil)
	g.feed(g.clock.Now(), mediatest.Packetize(src, rand.New(rand.NewPCG(9, 9))), audio, video)
	g.clock.Set(g.clock.Now().Add(2 * time.Second)) // past the interleaving delay
	g.rec.flushAll()
	spoolFile := onlyFile(t, g.dir, ".webm")
	full, err := os.ReadFile(spoolFile)
	if err != nil {
		t.Fatal(err)
	}
	offsets := []int{10, 60, 200, 400}
	for i := 1; i < 6; i++ {
		offsets = append(offsets, len(full)*i/6+i)
	}
	offsets = append(offsets, len(full))
	playable := 0
	for _, n := range offsets {
		path := filepath.Join(t.TempDir(), "cut.webm")
		if err := os.WriteFile(path, full[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := finalizeWebM(path, g.clock.Now())
		if errors.Is(err, ErrNoMedia) && n < 1000 { // the headers alone: nothing to play
			continue
		}
		if err != nil {
			t.Errorf("cut at %d: %v", n, err)
			continue
		}
		playable++
		if out := decodeErrors(t, path); out != "" {
			t.Errorf("cut at %d of %d: ffmpeg printed %s", n, len(full), out)
		}
		p := ffprobe(t, path)
		if got, want := p.duration(), time.Duration(l.durationMillis())*time.Millisecond; (got - want).Abs() > 50*time.Millisecond {
			t.Errorf("cut at %d: duration %v, the scan found %v", n, got, want)
		}
		if _, err := finalizeWebM(path, g.clock.Now()); err != nil { // finalizing twice is harmless
			t.Errorf("cut at %d: second finalize: %v", n, err)
		}
		if out := decodeErrors(t, path); out != "" {
			t.Errorf("cut at %d, finalized twice: ffmpeg printed %s", n, out)
		}
	}
	if playable < len(offsets)-4 {
		t.Errorf("only %d of %d cuts gave a playable file", playable, len(offsets))
	}
	_, _ = audio.Close(), video.Close()
}

func onlyFile(t *testing.T, dir, suffix string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*"+suffix))
	if len(m) != 1 {
		t.Fatalf("want one %s file in %s, have %v", suffix, dir, m)
	}
	return m[0]
}

// TestKill9RecoversSpool records in a child process fed in real time, kills it with
// SIGKILL, and checks that a new recorder on the same spool finalizes and uploads a file
// that plays to within 2 s of the kill.
func TestKill9RecoversSpool(t *testing.T) {
	if os.Getenv("SIGNROOM_RECORDING_CHILD") != "" {
		recordInChild(t)
		return
	}
	mediatest.Source(t, mediatest.Spec{Seconds: 20, GOP: 30}) // fail or skip here without ffmpeg
	dir := t.TempDir()
	spoolDir, blobDir := filepath.Join(dir, "spool"), filepath.Join(dir, "blobs")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9RecoversSpool$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SIGNROOM_RECORDING_CHILD="+spoolDir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := waitLine(t, stdout, "media started")
	time.Sleep(4 * time.Second)
	killed := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if m, _ := filepath.Glob(filepath.Join(spoolDir, "*.webm")); len(m) != 1 {
		t.Fatalf("the child left %v in its spool, want one file", m)
	}
	l, err := blob.NewLocal(blobDir, make([]byte, 32), "http://localhost", nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &rig{t: t, dir: spoolDir, store: l.Buckets().Working, cat: &memCatalog{}, clock: &fakeClock{t: time.Now()}}
	g.open()
	recs := g.waitUploaded("ag1", 1)
	path := g.download(recs[0])
	if out := decodeErrors(t, path); out != "" {
		t.Errorf("recovered file: ffmpeg printed %s", out)
	}
	p := ffprobe(t, path)
	recorded := killed.Sub(started)
	if p.duration() < recorded-2*time.Second || p.duration() > recorded+200*time.Millisecond {
		t.Errorf("recovered file plays %v; %v were recorded before the kill", p.duration(), recorded)
	}
	if len(p.Streams) != 2 {
		t.Errorf("recovered file has %d streams, want 2", len(p.Streams))
	}
	t.Logf("killed after %v of media; the recovered file plays %v", recorded.Round(time.Millisecond), p.duration())
}

// waitLine reads lines from r until one contains want and returns when it was read.
func waitLine(t *testing.T, r io.Reader, want string) time.Time {
	t.Helper()
	buf := make([]byte, 4096)
	var seen strings.Builder
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		n, err := r.Read(buf)
		seen.Write(buf[:n])
		if strings.Contains(seen.String(), want) {
			return time.Now()
		}
		if err != nil {
			break
		}
	}
	t.Fatalf("child never said %q; it said %q", want, seen.String())
	return time.Time{}
}

// recordInChild is the child of TestKill9RecoversSpool: it records 20 s of media paced in
// real time, printing when the media starts, and is killed before the end.
func recordInChild(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 20, GOP: 30})
	l, err := blob.NewLocal(t.TempDir(), make([]byte, 32), "http://localhost", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := New(Config{Dir: os.Getenv("SIGNROOM_RECORDING_CHILD"), Store: l.Buckets().Working})
	if err != nil {
		t.Fatal(err)
	}
	g := &rig{t: t, rec: rec}
	audio, video := g.publish("ag1", "p1", "s1", nil)
	sends := mediatest.Packetize(src, rand.New(rand.NewPCG(4, 4)))
	start := time.Now()
	os.Stdout.WriteString("media started " + strconv.FormatInt(start.UnixMilli(), 10) + "\n")
	for _, s := range sends {
		time.Sleep(time.Until(start.Add(time.Duration(s.At) * time.Millisecond)))
		w := audio
		if s.Video {
			w = video
		}
		p := s.Pkt
		_ = w.WriteRTP(&p)
	}
	_ = rec.Close(context.Background())
}

func filepathGlob(dir, pattern string) ([]string, error) {
	return filepath.Glob(filepath.Join(dir, pattern))
}
