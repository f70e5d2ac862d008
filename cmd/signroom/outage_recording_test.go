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

// TestMinIOOutageMidCeremony: MinIO goes away (a proxy in front of it is cut) while Kim
// publishes and then leaves; her finished segment cannot be uploaded, stays in the spool and
// /readyz names the recordings; the ceremony goes on (both sign). When MinIO is back the
// upload gets through and the organizer's close seals the agreement with that segment.
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
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	publisher, err := joinCeremony(ctx, t, rtc, base, mou.ID, mou.Tokens[mou.Kim])
	if err != nil {
		t.Fatal(err)
	}
	publisher.publish(ctx, t, "kim")
	time.Sleep(3 * time.Second)
	px.Outage()
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
	px.Resume()
	org.Post("/api/agreements/"+mou.ID+"/close", nil, http.StatusOK, nil)
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
