package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/signroom/signroom/recording"
	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/storage/blob"
)

// tokenAdmitter admits tokens of the form agreement|participant|role; the
// load generator's own server process uses it instead of real invitations.
type tokenAdmitter struct{}

func (tokenAdmitter) Admit(_ context.Context, agreementID, token string) (signaling.Admission, error) {
	a, ok := parseToken(token)
	if !ok || a.AgreementID != agreementID {
		return signaling.Admission{}, signaling.ErrNotAdmitted
	}
	return a, nil
}

func parseToken(token string) (signaling.Admission, bool) {
	f := strings.Split(token, "|")
	if len(f) != 3 {
		return signaling.Admission{}, false
	}
	a := signaling.Admission{AgreementID: f[0], ParticipantID: f[1], TokenID: token, Name: f[1],
		Role: f[2], ExpiresAt: time.Now().Add(time.Hour)}
	a.Publish = f[2] == "publisher"
	a.Subscribe = f[2] == "subscriber"
	return a, true
}

// newRecorder is the recorder of the "record" mode: Signroom's recorder with its spool and a
// local working store in a temporary directory (removed at exit).
func newRecorder(log *slog.Logger) (*recording.Recorder, string, error) {
	dir, err := os.MkdirTemp("", "signroom-load-rec-")
	if err != nil {
		return nil, "", err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	store, err := blob.NewLocal(filepath.Join(dir, "blobs"), secret, "http://localhost", nil)
	if err != nil {
		return nil, dir, err
	}
	rec, err := recording.New(recording.Config{Dir: filepath.Join(dir, "spool"), Store: store.Buckets().Working, Logger: log})
	return rec, dir, err
}

// serveChild runs a server (signroom, record: signroom recording every track, or baseline) until SIGTERM/SIGINT and
// prints "LISTEN <base URL>" on stdout once it accepts connections.
// With heapEvery it prints a "HEAP" line (sampleHeap) on stdout at that interval, and with a
// CPU profile it keeps the latest heap profile beside it (NAME-heap.pprof).
func serveChild(mode, cpuProfile string, heapEvery time.Duration) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	mux := http.NewServeMux()
	var closeFn func() error
	switch mode {
	case "signroom", "record":
		cfg := signaling.Config{LoopbackOnly: true, Logger: log, MaxRoomSize: 1000, InsecureSkipOriginCheck: true}
		var rec *recording.Recorder
		var recDir string
		if mode == "record" {
			var err error
			if rec, recDir, err = newRecorder(log); err != nil {
				return err
			}
			defer os.RemoveAll(recDir)
			cfg.Sink = rec
		}
		hub, err := signaling.NewHub(cfg, tokenAdmitter{})
		if err != nil {
			return err
		}
		mux.Handle("GET /api/agreements/{id}/ceremony/ws", hub.Handler())
		closeFn = func() error {
			err := hub.Close()
			if rec != nil {
				err = errors.Join(err, rec.Close(context.Background()))
			}
			return err
		}
	case "baseline":
		b, err := newBaseline(log)
		if err != nil {
			return err
		}
		mux.Handle("GET /api/agreements/{id}/ceremony/ws", b)
		closeFn = b.Close
	default:
		return fmt.Errorf("unknown server mode %q", mode)
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Printf("LISTEN http://%s\n", ln.Addr())
	if heapEvery > 0 {
		heapProfile := "" // beside the CPU profile
		if cpuProfile != "" {
			heapProfile = strings.TrimSuffix(cpuProfile, ".pprof") + "-heap.pprof"
		}
		go sampleHeap(ctx, os.Stdout, heapEvery, heapProfile)
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return closeFn()
}
