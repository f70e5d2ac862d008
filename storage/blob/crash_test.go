package blob_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// The crash tests run a Put in a child process (this test binary re-run
// with crashEnv set), kill it with SIGKILL mid-upload and check that no
// partial object is visible and the key is still free.

const (
	crashEnv   = "SIGNROOM_BLOB_CRASH_HELPER"
	crashKey   = "agreements/crash/recordings/cam.webm"
	crashReady = 12 << 20 // bytes streamed before the child reports "ready"
)

func TestMain(m *testing.M) {
	if kind := os.Getenv(crashEnv); kind != "" {
		os.Exit(crashHelper(kind))
	}
	os.Exit(m.Run())
}

// crashHelper streams an endless object into the archive store and prints
// "ready" once crashReady bytes have been consumed; it never finishes.
func crashHelper(kind string) int {
	var st blob.Store
	switch kind {
	case "local":
		l, err := blob.NewLocal(os.Getenv("CRASH_DIR"), testSecret, "http://127.0.0.1:1", nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		st = l.Buckets().Archive
	case "minio":
		cfg, _ := blobtest.MinIOConfigFromEnv()
		cfg.WorkingBucket, cfg.ArchiveBucket = os.Getenv("CRASH_WORKING"), os.Getenv("CRASH_ARCHIVE")
		b, err := blob.NewMinIO(context.Background(), cfg, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		st = b.Archive
	}
	r := &readyReader{left: crashReady}
	_, err := st.Put(context.Background(), crashKey, r, blob.PutOptions{RetainUntil: time.Now().Add(time.Hour)})
	fmt.Fprintln(os.Stderr, "Put returned", err)
	return 1
}

// readyReader yields zero bytes, announces "ready" after left bytes and
// then trickles slowly so the kill lands mid-upload.
type readyReader struct{ left int64 }

func (r *readyReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		if r.left == 0 {
			fmt.Println("ready")
			r.left = -1
		}
		time.Sleep(50 * time.Millisecond)
		p = p[:min(len(p), 1024)]
	} else {
		p = p[:min(int64(len(p)), r.left)]
		r.left -= int64(len(p))
	}
	clear(p)
	return len(p), nil
}

// killMidUpload runs the helper with env and SIGKILLs it once it is ready.
func killMidUpload(t *testing.T, env ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper did not get ready: %q, %v; stderr: %s", line, err, stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, out)
	cmd.Wait()
}

// wantKeyFree checks that the killed upload is invisible and the key free.
func wantKeyFree(t *testing.T, st blob.Store) {
	t.Helper()
	if _, err := st.Stat(t.Context(), crashKey); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat after kill -9 mid-upload: %v, want ErrNotFound", err)
	}
	if list, err := st.List(t.Context(), "agreements/crash/"); err != nil || len(list) != 0 {
		t.Fatalf("List after kill -9 = %v, %v; want empty", list, err)
	}
	if _, err := st.Put(t.Context(), crashKey, bytes.NewReader([]byte("retry")), blob.PutOptions{}); err != nil {
		t.Fatalf("Put after kill -9: %v, want the key free", err)
	}
}

func TestLocalKilledMidUpload(t *testing.T) {
	dir := t.TempDir()
	newLocal(t, dir)
	killMidUpload(t, crashEnv+"=local", "CRASH_DIR="+dir)
	l := newLocal(t, dir) // restart: cleans tmp/
	wantEmptyTmp(t, dir)
	wantKeyFree(t, l.Buckets().Archive)
}

func TestMinIOKilledMidUpload(t *testing.T) {
	cfg := blobtest.MinIO(t)
	b, err := blob.NewMinIO(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	killMidUpload(t, crashEnv+"=minio", "CRASH_WORKING="+cfg.WorkingBucket, "CRASH_ARCHIVE="+cfg.ArchiveBucket)
	wantKeyFree(t, b.Archive)
}
