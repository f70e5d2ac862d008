package recording

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/storage/blob"
)

// BenchmarkRecordPacket measures what recording costs per received RTP packet of a
// camera-and-microphone connection: 500 kbit/s of VP8 at 30 fps (a key frame every 2 s) and
// 50 Opus packets a second, through the jitter buffer, the assembler, interleaving and the
// muxer, into a spool file flushed every second. The data is not real VP8 (the recorder never
// decodes it) but its key frames carry a VP8 key frame header.
func BenchmarkRecordPacket(b *testing.B) {
	dir := b.TempDir()
	l, err := blob.NewLocal(filepath.Join(dir, "blobs"), make([]byte, 32), "http://localhost", nil)
	if err != nil {
		b.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	// The benchmark drives the flushes itself, once a second of the fake clock, as the
	// flush loop does in real time.
	rec, err := New(Config{Dir: filepath.Join(dir, "spool"), Store: l.Buckets().Working, Now: clock.Now, FlushInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close(context.Background())
	track := func(kind, mime string, rate uint32) signaling.RTPWriter {
		w, err := rec.StartTrack(signaling.SinkTrack{AgreementID: "ag", ParticipantID: "p", SessionID: "s",
			TrackID: "p/" + kind, Source: map[string]string{"audio": "microphone", "video": "camera"}[kind],
			Kind: kind, MimeType: mime, ClockRate: rate, RequestKeyframe: func() {}})
		if err != nil {
			b.Fatal(err)
		}
		return w
	}
	audio, video := track("audio", "audio/opus", 48000), track("video", "video/VP8", 90000)
	sends := syntheticStream(10 * time.Second)
	base := clock.Now()
	next := base.Add(time.Second)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := range b.N {
		round, x := i/len(sends), sends[i%len(sends)]
		p := x.pkt
		p.SequenceNumber += uint16(round * x.perRound)
		p.Timestamp += uint32(round) * x.tsPerRound
		now := base.Add(time.Duration(round)*10*time.Second + x.at)
		clock.Set(now)
		if !now.Before(next) {
			rec.flushAll()
			next = next.Add(time.Second)
		}
		w := audio
		if x.video {
			w = video
		}
		if err := w.WriteRTP(&p); err != nil {
			b.Fatal(err)
		}
	}
	// Wall time per packet includes waiting for fsync; the process's CPU time (GC and the
	// flushes included) is what a server pays.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU returns the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type benchSend struct {
	video      bool
	at         time.Duration
	pkt        rtp.Packet
	perRound   int    // packets of this kind in the stream
	tsPerRound uint32 // RTP timestamp advance over the stream
}

// syntheticStream makes d of camera and microphone packets, in arrival order.
func syntheticStream(d time.Duration) []benchSend {
	var v, a []benchSend
	frame := make([]byte, 500_000/8/30)
	for i := range int(d / (time.Second / 30)) {
		at := time.Duration(i) * time.Second / 30
		data := append([]byte{}, frame...)
		data[0] = 0x01 // inter frame
		if i%60 == 0 {
			copy(data, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}) // key frame, 320x240
		}
		for off := 0; off < len(data); off += 1100 {
			end := min(off+1100, len(data))
			desc := byte(0x00)
			if off == 0 {
				desc = 0x10
			}
			v = append(v, benchSend{video: true, at: at, pkt: rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96,
				SSRC: 2, Timestamp: uint32(i * 3000), Marker: end == len(data)}, Payload: append([]byte{desc}, data[off:end]...)}})
		}
	}
	for i := range int(d / (20 * time.Millisecond)) {
		a = append(a, benchSend{at: time.Duration(i) * 20 * time.Millisecond, pkt: rtp.Packet{Header: rtp.Header{Version: 2,
			PayloadType: 111, SSRC: 1, Timestamp: uint32(i * 960)}, Payload: make([]byte, 80)}})
	}
	for i := range v {
		v[i].pkt.SequenceNumber, v[i].perRound, v[i].tsPerRound = uint16(i), len(v), uint32(d/time.Second*90000)
	}
	for i := range a {
		a[i].pkt.SequenceNumber, a[i].perRound, a[i].tsPerRound = uint16(i), len(a), uint32(d/time.Second*48000)
	}
	out := make([]benchSend, 0, len(v)+len(a))
	for len(v) > 0 || len(a) > 0 {
		if len(a) == 0 || (len(v) > 0 && v[0].at <= a[0].at) {
			out, v = append(out, v[0]), v[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return out
}
