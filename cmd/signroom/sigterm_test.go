package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
	"github.com/signroom/signroom/storage/sqlite"
)

// TestSIGTERMDuringUploadLeavesNoObject starts the real binary, streams a document upload
// slowly, sends SIGTERM halfway, and checks that neither the blob store nor the database holds
// any part of it — for the local store and for MinIO.
func TestSIGTERMDuringUploadLeavesNoObject(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		env := []string{"SIGNROOM_SHUTDOWN_TIMEOUT=1s"}
		sigtermDuringUpload(t, env, func(t *testing.T, dir string) blob.Store {
			l, err := blob.NewLocal(filepath.Join(dir, "blobs"), bytes.Repeat([]byte("k"), 32), "http://x", nil)
			if err != nil {
				t.Fatal(err)
			}
			return l.Buckets().Working
		})
	})
	t.Run("minio", func(t *testing.T) {
		mc := blobtest.MinIO(t)
		env := []string{"SIGNROOM_SHUTDOWN_TIMEOUT=1s", "SIGNROOM_BLOB=s3",
			"SIGNROOM_S3_ENDPOINT=" + mc.Endpoint, "SIGNROOM_S3_ACCESS_KEY=" + mc.AccessKey,
			"SIGNROOM_S3_SECRET_KEY=" + mc.SecretKey, "SIGNROOM_S3_TLS=false",
			"SIGNROOM_S3_WORKING_BUCKET=" + mc.WorkingBucket, "SIGNROOM_S3_ARCHIVE_BUCKET=" + mc.ArchiveBucket,
			"SIGNROOM_S3_PART_SIZE=5242880"}
		sigtermDuringUpload(t, env, func(t *testing.T, _ string) blob.Store {
			b, err := blob.NewMinIO(context.Background(), mc, nil)
			if err != nil {
				t.Fatal(err)
			}
			return b.Working
		})
	})
}

func sigtermDuringUpload(t *testing.T, env []string, openStore func(t *testing.T, dataDir string) blob.Store) {
	p := apitest.Start(t, env)
	org := p.Organizer(t, "organizer", "a long enough password")
	token := org.Token
	var ag struct {
		ID string `json:"id"`
	}
	org.Post("/api/agreements", map[string]any{"title": map[string]string{"en": "MOU"}}, http.StatusCreated, &ag)

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", p.Base+"/api/agreements/"+ag.ID+"/documents?language=ko", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/pdf")
	req.ContentLength = 40 << 20
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("upload finished with %d", resp.StatusCode)
		}
		done <- err
	}()
	chunk := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0123456789abcdef"), 64<<10)...)
	if _, err := pw.Write(chunk); err != nil {
		t.Fatalf("write first MiB: %v", err)
	}
	for i := 0; i < 6; i++ { // about 7 MiB in, past one 5 MiB part
		pw.Write(bytes.Repeat([]byte("x"), 1<<20))
	}
	time.Sleep(300 * time.Millisecond)
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- p.Cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("server exit after SIGTERM = %v, want a clean exit: %s", err, p.Logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("server did not exit within 15s of SIGTERM: %s", p.Logs)
	}
	pw.CloseWithError(io.ErrClosedPipe)
	if err := <-done; err == nil {
		t.Fatal("upload succeeded although the server was stopped mid-stream")
	}
	objs, err := openStore(t, p.DataDir).List(context.Background(), "agreements/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 0 {
		t.Fatalf("objects visible after SIGTERM mid-upload: %+v", objs)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(p.DataDir, "signroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.Agreement(context.Background(), ag.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Documents) != 0 {
		t.Fatalf("documents recorded after SIGTERM mid-upload: %+v", a.Documents)
	}
}
