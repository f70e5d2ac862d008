package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// TestKill9MidCeremonyRecordingSealed: the real binary, recording to MinIO, is killed with
// SIGKILL while Kim publishes; restarted on the same data directory it finalises and
// uploads the cut-off segment, the ceremony goes on (Kim and Wang sign), and the organizer's
// close seals a manifest holding that segment — playable up to within 2 s of the kill, its
// archived bytes matching its sealed hash.
func TestKill9MidCeremonyRecordingSealed(t *testing.T) {
	mc := blobtest.MinIO(t)
	env := []string{"SIGNROOM_BLOB=s3", "SIGNROOM_S3_ENDPOINT=" + mc.Endpoint, "SIGNROOM_S3_ACCESS_KEY=" + mc.AccessKey,
		"SIGNROOM_S3_SECRET_KEY=" + mc.SecretKey, "SIGNROOM_S3_TLS=false", "SIGNROOM_S3_WORKING_BUCKET=" + mc.WorkingBucket,
		"SIGNROOM_S3_ARCHIVE_BUCKET=" + mc.ArchiveBucket, "SIGNROOM_S3_PART_SIZE=5242880"}
	args := []string{"--public-ip", "127.0.0.1"}
	p := apitest.Start(t, env, args...)
	org := p.Organizer(t, "organizer", "a long enough password")
	mou := apitest.SetUpMOU(t, org, "sequential")
	org.Post("/api/agreements/"+mou.ID+"/start", nil, http.StatusOK, nil)
	rtc := loopbackClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	kim, err := joinCeremony(ctx, t, rtc, p.Base, mou.ID, mou.Tokens[mou.Kim])
	if err != nil {
		t.Fatal(err)
	}
	kim.publish(ctx, t, "kim")
	published := time.Now()
	time.Sleep(4 * time.Second)
	if err := p.Cmd.Process.Kill(); err != nil { // SIGKILL: no flush, no finalising
		t.Fatal(err)
	}
	_ = p.Cmd.Wait()
	cut := time.Since(published)
	kim.c.Close()

	// Tokens name the service's public URL (localhost and the first port): keep it.
	publicURL := strings.Replace(p.Base, "127.0.0.1", "localhost", 1)
	p = apitest.StartIn(t, p.DataDir, env, append(args, "--public-url", publicURL)...)
	var members []*member
	for _, pid := range []string{mou.Kim, mou.Wang} {
		m, err := joinCeremony(ctx, t, rtc, p.Base, mou.ID, mou.Tokens[pid])
		if err != nil {
			t.Fatalf("rejoin %s: %v", pid, err)
		}
		members = append(members, m)
	}
	members[0].publish(ctx, t, "kim")
	org.Base = p.Base
	org.Post("/api/agreements/"+mou.ID+"/open-signing", nil, http.StatusOK, nil)
	signAs(t, p.Base, mou.Tokens[mou.Kim])
	signAs(t, p.Base, mou.Tokens[mou.Wang])
	time.Sleep(time.Second)
	org.Post("/api/agreements/"+mou.ID+"/close", nil, http.StatusOK, nil)

	archive, err := blob.NewMinIO(ctx, mc, nil)
	if err != nil {
		t.Fatal(err)
	}
	man := archivedManifest(ctx, t, archive.Archive, mou.ID)
	var before *evidence.Recording
	for i, r := range man.Recordings {
		info, err := archive.Archive.Stat(ctx, r.ObjectKey)
		if err != nil || info.Size != r.Size {
			t.Errorf("recording %s: archive %+v, %v; want %d bytes", r.ID, info, err, r.Size)
		}
		if r.ParticipantID == mou.Kim && (before == nil || r.StartedAt.Before(before.StartedAt)) {
			before = &man.Recordings[i]
		}
	}
	if len(man.Recordings) < 2 || before == nil {
		t.Fatalf("sealed recordings %+v, want Kim's segment cut by the kill and the one after", man.Recordings)
	}
	t.Logf("killed %v after publishing; the recovered segment plays %d ms", cut.Round(time.Millisecond), before.DurationMS)
	if got, want := time.Duration(before.DurationMS)*time.Millisecond, cut-2*time.Second; got < want {
		t.Errorf("the segment cut by the kill plays %v, want at least %v (killed %v after publishing)", got, want, cut)
	}
}

// archivedManifest reads a sealed agreement's manifest from the archive.
func archivedManifest(ctx context.Context, t *testing.T, archive blob.Store, id string) evidence.Manifest {
	t.Helper()
	rc, _, err := archive.Open(ctx, "agreements/"+id+"/evidence/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var man evidence.Manifest
	if err := json.NewDecoder(rc).Decode(&man); err != nil {
		t.Fatal(err)
	}
	return man
}
