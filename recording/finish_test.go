package recording

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/mediatest"
	"github.com/signroom/signroom/signaling"
)

// TestFinishStopsAnAgreement: Finish ends the agreement's open tracks without their Close,
// returns once the segment is uploaded, and later tracks of that agreement are not recorded;
// another agreement's recording goes on.
func TestFinishStopsAnAgreement(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 2, GOP: 30})
	g := newRig(t, nil)
	audio, video := g.publish("ag1", "p1", "s1", nil)
	otherAudio, otherVideo := g.publish("ag2", "p2", "s2", nil)
	base := g.clock.Now()
	sends := mediatest.Packetize(src, rand.New(rand.NewPCG(1, 2)))
	g.feed(base, sends, audio, video)
	g.feed(base, sends, otherAudio, otherVideo)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := g.rec.Finish(ctx, "ag1"); err != nil {
		t.Fatal(err)
	}
	recs := g.cat.all("ag1")
	if len(recs) != 1 || recs[0].ObjectKey == "" || recs[0].SHA256 == "" {
		t.Fatalf("after Finish: %+v, want one uploaded segment", recs)
	}
	if w, err := g.rec.StartTrack(signaling.SinkTrack{AgreementID: "ag1", ParticipantID: "p3", SessionID: "s3",
		TrackID: "p3/microphone", Source: "microphone", Kind: "audio", MimeType: "audio/opus", ClockRate: 48000}); w != nil || err != nil {
		t.Errorf("a track after Finish got writer %v, %v; want none", w, err)
	}
	if n := g.rec.Pending("ag2"); n != 1 {
		t.Errorf("ag2 has %d pending segments, want its 1 still recording", n)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelShort()
	if err := g.rec.Finish(short, "ag2"); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Finish with a short deadline = %v, want nil or DeadlineExceeded", err)
	}
	if err := g.rec.Finish(ctx, "ag2"); err != nil {
		t.Fatal(err)
	}
	nv, na := counts(src)
	checkFile(t, g.download(g.cat.all("ag2")[0]), 2*time.Second, nv, na)
}
