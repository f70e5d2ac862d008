package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// TestMinIOOutageMidCeremony: MinIO goes away for 60 s (a proxy in front of it is cut) while
// Kim publishes and then leaves; her finished segment cannot be uploaded, stays in the spool
// and /readyz names the recordings; the ceremony goes on (both sign) and the organizer's close
// during the outage is answered 503 recordings_pending. When MinIO is back the upload gets
// through and the agreement seals by itself with that segment.
func TestMinIOOutageMidCeremony(t *testing.T) {
	mc := blobtest.MinIO(t)
	px := apitest.NewProxy(t, mc.Endpoint)
	m, base := startMainEnv(t, map[string]string{"SIGNROOM_S3_SECRET_KEY": mc.SecretKey},
		"--blob", "s3", "--s3-endpoint", px.Addr(), "--s3-access-key", mc.AccessKey, "--s3-tls=false",
		"--s3-working-bucket", mc.WorkingBucket, "--s3-archive-bucket", mc.ArchiveBucket, "--s3-part-size", "5242880")
	org := organizer(t, base, m.Config.DataDir)
	mou := apitest.SetUpMOU(t, org, "sequential")
	org.Post("/api/agreements/"+mou.ID+"/start", nil, http.StatusOK, nil)
	rtc := loopbackClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	publisher, err := joinCeremony(ctx, t, rtc, base, mou.ID, mou.Tokens[mou.Kim])
	if err != nil {
		t.Fatal(err)
	}
	publisher.publish(ctx, t, "kim")
	time.Sleep(3 * time.Second)
	px.Outage()
	outageStart := time.Now()
	publisher.c.Close() // her segment ends while the store is down
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := get(t, base+"/readyz")
		if code == http.StatusServiceUnavailable && strings.Contains(body, "recordings") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %s during the outage, want 503 naming recordings", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := m.Recorder.Pending(mou.ID); n != 1 {
		t.Fatalf("%d segments pending during the outage, want Kim's 1", n)
	}
	var members []*member
	for _, pid := range []string{mou.Kim, mou.Wang} {
		mb, err := joinCeremony(ctx, t, rtc, base, mou.ID, mou.Tokens[pid])
		if err != nil {
			t.Fatalf("join %s: %v", pid, err)
		}
		members = append(members, mb)
	}
	org.Post("/api/agreements/"+mou.ID+"/open-signing", nil, http.StatusOK, nil)
	signAs(t, base, mou.Tokens[mou.Kim])
	signAs(t, base, mou.Tokens[mou.Wang])
	// Closed while the store is still down: the close is recorded and the seal waits for the
	// recordings, which stay in the spool.
	var refusal struct {
		Error struct{ Code string } `json:"error"`
	}
	org.Post("/api/agreements/"+mou.ID+"/close", nil, http.StatusServiceUnavailable, &refusal)
	if refusal.Error.Code != "recordings_pending" {
		t.Fatalf("close during the outage: code %q, want recordings_pending", refusal.Error.Code)
	}
	if n := m.Recorder.Pending(mou.ID); n != 1 {
		t.Fatalf("%d segments pending after the refused close, want Kim's 1", n)
	}
	time.Sleep(time.Until(outageStart.Add(60 * time.Second))) // the store is down for 60 s
	px.Resume()
	t.Logf("store back after %v", time.Since(outageStart).Round(time.Second))
	// The automatic close finishes the seal once the upload's retry reaches the store.
	for {
		var a struct{ State string }
		org.Do("GET", "/api/agreements/"+mou.ID, nil, "", http.StatusOK, &a)
		if a.State == "sealed" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("agreement %s after the store came back, want it sealed", a.State)
		}
		time.Sleep(time.Second)
	}
	t.Logf("sealed %v after the store came back", time.Since(outageStart.Add(60*time.Second)).Round(time.Second))
	recs := checkSealedRecordings(ctx, t, m, mou.ID, []string{mou.Kim})
	if recs[0].ParticipantID != mou.Kim || recs[0].DurationMS < 2000 {
		t.Errorf("sealed segment %+v, want Kim's of about 3 s", recs[0])
	}
	for _, mb := range members {
		if reason := waitBye(t, mb.c, 10*time.Second); reason != protocol.ReasonSealed {
			t.Errorf("bye after sealing = %q, want %q", reason, protocol.ReasonSealed)
		}
	}
}
