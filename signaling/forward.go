package signaling

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// forwarder reads one published track and writes each packet to the
// track's subscribers (downTracks). Its read loop is the SFU's hot path.
type forwarder struct {
	info     protocol.Track
	remote   *webrtc.TrackRemote
	owner    *session
	video    bool
	levelExt uint8 // negotiated id of the audio level extension, 0 if none
	sink     RTPWriter

	downs       atomic.Pointer[[]*downTrack] // copy-on-write, changed under room.mu
	muted       atomic.Bool
	kfRequest   atomic.Bool  // a subscriber sent PLI or FIR
	lastVoice   atomic.Int64 // unix nanoseconds of the last voiced audio packet
	sent, sent8 atomic.Uint64
	recv, exp   atomic.Uint64

	done      chan struct{}
	closeOnce sync.Once

	// flushed counter values, used under room.mu only
	fPackets, fBytes, fRecv, fExp uint64
}

func newForwarder(owner *session, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver, info protocol.Track) *forwarder {
	f := &forwarder{info: info, remote: remote, owner: owner, done: make(chan struct{}),
		video: remote.Kind() == webrtc.RTPCodecTypeVideo}
	f.downs.Store(&[]*downTrack{})
	for _, e := range recv.GetParameters().HeaderExtensions {
		if e.URI == rtcapi.AudioLevelURI && !f.video {
			f.levelExt = uint8(e.ID)
		}
	}
	return f
}

func (f *forwarder) close() {
	f.closeOnce.Do(func() {
		close(f.done)
		if f.sink != nil {
			_ = f.sink.Close()
		}
	})
}

// readLoop forwards packets until the remote track ends, reading into one
// reused buffer and packet.
func (f *forwarder) readLoop(onEnd func()) {
	defer onEnd()
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	var seq seqTracker
	for {
		n, _, err := f.remote.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		seq.add(pkt.SequenceNumber)
		f.recv.Store(seq.received)
		f.exp.Store(seq.expected())
		f.forward(&pkt)
	}
}

// rtcpLoop reads the RTCP the publisher sends about the track until the receiver stops.
// Reading it lets the interceptors see the sender reports (so receiver reports carry
// LSR/DLSR), and hands them to a sink that wants them.
func (f *forwarder) rtcpLoop(recv *webrtc.RTPReceiver) {
	var sink RTCPWriter
	if w, ok := f.sink.(RTCPWriter); ok {
		sink = w
	}
	for {
		pkts, _, err := recv.ReadRTCP()
		if err != nil {
			return
		}
		if sink != nil {
			select {
			case <-f.done:
			default:
				sink.WriteRTCP(pkts)
			}
		}
	}
}

func (f *forwarder) forward(pkt *rtp.Packet) {
	if f.levelExt != 0 {
		f.noteLevel(pkt)
	}
	if f.sink != nil {
		_ = f.sink.WriteRTP(pkt)
	}
	downs := *f.downs.Load()
	if f.muted.Load() {
		for _, d := range downs {
			d.skipping = true
		}
		return
	}
	key := f.video && isVP8Keyframe(pkt.Payload)
	var sent uint64
	for _, d := range downs {
		if d.write(pkt, key) {
			sent++
		}
	}
	f.sent.Add(sent)
	f.sent8.Add(sent * uint64(len(pkt.Payload)))
}

func (f *forwarder) noteLevel(pkt *rtp.Packet) {
	level, _, ok := audioLevel(pkt.GetExtension(f.levelExt))
	if ok && level < speakingLevel {
		f.lastVoice.Store(time.Now().UnixNano())
	}
}

// keyframeLoop sends a PLI to the publisher while a ready subscriber waits
// for a keyframe or a subscriber asked for one, at most once per interval.
func (f *forwarder) keyframeLoop(interval time.Duration, m *metrics) {
	tick := time.NewTicker(interval / 5)
	defer tick.Stop()
	var last time.Time
	for {
		select {
		case <-f.done:
			return
		case now := <-tick.C:
			if now.Sub(last) < interval || !f.wantKeyframe() {
				continue
			}
			last = now
			pli := &rtcp.PictureLossIndication{MediaSSRC: uint32(f.remote.SSRC())}
			if f.owner.pubPC().WriteRTCP([]rtcp.Packet{pli}) == nil {
				m.plis.Inc()
			}
		}
	}
}

func (f *forwarder) wantKeyframe() bool {
	if f.muted.Load() {
		return false
	}
	if f.kfRequest.Swap(false) {
		return true
	}
	for _, d := range *f.downs.Load() {
		if d.needKF.Load() && d.ready() {
			return true
		}
	}
	return false
}

func (f *forwarder) addDown(d *downTrack) {
	old := *f.downs.Load()
	next := make([]*downTrack, 0, len(old)+1)
	next = append(append(next, old...), d)
	f.downs.Store(&next)
}

func (f *forwarder) removeDown(d *downTrack) {
	old := *f.downs.Load()
	next := make([]*downTrack, 0, len(old))
	for _, x := range old {
		if x != d {
			next = append(next, x)
		}
	}
	f.downs.Store(&next)
}

// setMuted stops or resumes forwarding; resumed video waits for a keyframe.
func (f *forwarder) setMuted(muted bool) {
	f.muted.Store(muted)
	if !muted && f.video {
		for _, d := range *f.downs.Load() {
			d.needKF.Store(true)
		}
	}
}

// flush adds the counters gathered since the last flush to the metrics and
// returns the packets received and expected since then. Called under room.mu.
func (f *forwarder) flush(m *metrics) (recv, exp uint64) {
	p, b, r, e := f.sent.Load(), f.sent8.Load(), f.recv.Load(), f.exp.Load()
	m.packets.Add(float64(p - f.fPackets))
	m.bytes.Add(float64(b - f.fBytes))
	recv, exp = r-f.fRecv, e-f.fExp
	f.fPackets, f.fBytes, f.fRecv, f.fExp = p, b, r, e
	return recv, exp
}
