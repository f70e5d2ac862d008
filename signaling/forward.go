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

// forwarder reads one published track, in one to three simulcast layers, and writes
// each packet to the track's subscribers (downTracks) that receive that layer, and to the
// recording sink. Its read loops are the SFU's hot path.
type forwarder struct {
	info      protocol.Track
	remote    *webrtc.TrackRemote // the first layer received
	recv      *webrtc.RTPReceiver
	owner     *session
	video     bool
	simulcast bool
	clockRate uint32
	levelExt  uint8 // negotiated id of the audio level extension, 0 if none
	sink      RTPWriter
	metrics   *metrics

	layers      [maxLayers]atomic.Pointer[layer]
	reading     atomic.Int32                 // layers whose read loop runs
	downs       atomic.Pointer[[]*downTrack] // copy-on-write, changed under room.mu
	muted       atomic.Bool
	lastVoice   atomic.Int64 // unix nanoseconds of the last voiced audio packet
	sent, sent8 atomic.Uint64
	recv8, exp  atomic.Uint64 // packets received and expected, summed over layers

	// wmu orders the layers' writers: the subscribers' and the sink's state is theirs.
	wmu      sync.Mutex
	sinkSel  *selector // which layer the sink records (the highest being sent)
	sinkSSRC uint32    // the SSRC the sink sees: the first layer's
	sinkRW   rewriter
	sinkHdr  rtp.Header

	done      chan struct{}
	closeOnce sync.Once

	// flushed counter values, used under room.mu only
	fPackets, fBytes, fRecv, fExp uint64
}

func newForwarder(owner *session, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver, info protocol.Track, m *metrics) *forwarder {
	f := &forwarder{info: info, remote: remote, recv: recv, owner: owner, done: make(chan struct{}),
		video: remote.Kind() == webrtc.RTPCodecTypeVideo, simulcast: remote.RID() != "",
		clockRate: remote.Codec().ClockRate, metrics: m}
	f.downs.Store(&[]*downTrack{})
	for _, e := range recv.GetParameters().HeaderExtensions {
		if e.URI == rtcapi.AudioLevelURI && !f.video {
			f.levelExt = uint8(e.ID)
		}
	}
	idx, _ := layerOf(remote.RID())
	f.sinkSel, f.sinkSSRC = newSelector(idx), uint32(remote.SSRC())
	return f
}

// addLayer adds a received layer; nil when the forwarder already has one of that index.
func (f *forwarder) addLayer(idx int, t *webrtc.TrackRemote) *layer {
	l := newLayer(idx, t)
	if !f.layers[idx].CompareAndSwap(nil, l) {
		return nil
	}
	f.reading.Add(1)
	return l
}

func (f *forwarder) close() {
	f.closeOnce.Do(func() {
		close(f.done)
		if f.sink != nil {
			_ = f.sink.Close()
		}
	})
}

// readLoop forwards a layer's packets until it ends, reading into one reused buffer and
// packet; onLast runs when it was the forwarder's last layer reading.
func (f *forwarder) readLoop(l *layer, onLast func()) {
	defer func() {
		if f.reading.Add(-1) == 0 {
			onLast()
		}
	}()
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	var seq seqTracker
	var recv, exp uint64 // this layer's part of f.recv8 and f.exp
	for {
		n, _, err := l.remote.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		l.bytes.Add(uint64(n))
		l.last.Store(time.Now().UnixNano())
		seq.add(pkt.SequenceNumber)
		f.recv8.Add(seq.received - recv)
		f.exp.Add(seq.expected() - exp)
		recv, exp = seq.received, seq.expected()
		f.forward(l.idx, &pkt)
	}
}

// rtcpLoop reads the RTCP the publisher sends about a layer until the receiver stops.
// Reading it lets the interceptors see the sender reports (so receiver reports carry
// LSR/DLSR), and hands them to a sink that wants them.
func (f *forwarder) rtcpLoop(l *layer) {
	var sink RTCPWriter
	if w, ok := f.sink.(RTCPWriter); ok {
		sink = w
	}
	for {
		var pkts []rtcp.Packet
		var err error
		if f.simulcast {
			pkts, _, err = f.recv.ReadSimulcastRTCP(l.rid)
		} else {
			pkts, _, err = f.recv.ReadRTCP()
		}
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

func (f *forwarder) forward(idx int, pkt *rtp.Packet) {
	if f.levelExt != 0 {
		f.noteLevel(pkt)
	}
	key := !f.video || isVP8Keyframe(pkt.Payload)
	now := time.Now()
	f.wmu.Lock()
	defer f.wmu.Unlock()
	if f.sink != nil {
		f.writeSink(idx, pkt, key, now)
	}
	downs := *f.downs.Load()
	if f.muted.Load() {
		for _, d := range downs {
			d.rw.skipping = true
		}
		return
	}
	var sent uint64
	for _, d := range downs {
		if d.write(idx, pkt, key, now) {
			sent++
		}
	}
	f.sent.Add(sent)
	f.sent8.Add(sent * uint64(len(pkt.Payload)))
}

// writeSink gives the sink the packets of one layer, the highest being sent, as one
// stream with the first layer's SSRC. A track without simulcast goes to it unchanged.
func (f *forwarder) writeSink(idx int, pkt *rtp.Packet, key bool, now time.Time) {
	if !f.simulcast {
		_ = f.sink.WriteRTP(pkt)
		return
	}
	pass, switched := f.sinkSel.pick(idx, key)
	if switched {
		f.metrics.recordedLayer(f.sinkSel.cur.Load())
	}
	if !pass {
		return
	}
	out := rtp.Packet{Header: pkt.Header, Payload: pkt.Payload}
	f.sinkRW.rewrite(&out.Header, pkt, idx, f.clockRate, now)
	out.SSRC = f.sinkSSRC
	_ = f.sink.WriteRTP(&out)
}

func (f *forwarder) noteLevel(pkt *rtp.Packet) {
	level, _, ok := audioLevel(pkt.GetExtension(f.levelExt))
	if ok && level < speakingLevel {
		f.lastVoice.Store(time.Now().UnixNano())
	}
}

// keyframeLoop sends a PLI for a layer to the publisher while a ready subscriber (or the
// sink) waits for a key frame of it or asked for one, at most once per interval and layer.
func (f *forwarder) keyframeLoop(interval time.Duration, m *metrics) {
	tick := time.NewTicker(interval / 5)
	defer tick.Stop()
	var last [maxLayers]time.Time
	for {
		select {
		case <-f.done:
			return
		case now := <-tick.C:
			for i := range f.layers {
				l := f.layers[i].Load()
				if l == nil || now.Sub(last[i]) < interval || !f.wantKeyframe(l) {
					continue
				}
				last[i] = now
				pli := &rtcp.PictureLossIndication{MediaSSRC: l.ssrc}
				if f.owner.pubPC().WriteRTCP([]rtcp.Packet{pli}) == nil {
					m.plis.Inc()
				}
			}
		}
	}
}

func (f *forwarder) wantKeyframe(l *layer) bool {
	if f.muted.Load() {
		return false
	}
	if l.kf.Swap(false) || (f.sink != nil && f.simulcast && f.sinkSel.waiting(l.idx)) {
		return true
	}
	for _, d := range *f.downs.Load() {
		if d.sel.waiting(l.idx) && d.ready() {
			return true
		}
	}
	return false
}

// requestKeyframe asks for a key frame of a layer (of the first one while none is chosen).
func (f *forwarder) requestKeyframe(idx int32) {
	if idx < 0 {
		idx = int32(f.layerIndex(f.remote))
	}
	if l := f.layers[idx].Load(); l != nil {
		l.kf.Store(true)
	}
}

func (f *forwarder) layerIndex(t *webrtc.TrackRemote) int {
	i, _ := layerOf(t.RID())
	return i
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
			d.sel.reset.Store(true)
		}
	}
}

// measureLocked updates the layers' bitrates and points the sink at the highest layer
// being sent. Called under room.mu.
func (f *forwarder) measureLocked(now time.Time) {
	top := -1
	for i := range f.layers {
		if l := f.layers[i].Load(); l != nil {
			l.measure(now)
			if l.sending(now) {
				top = i
			}
		}
	}
	if f.simulcast && top >= 0 {
		f.sinkSel.target.Store(int32(top))
	}
}

// layerRates returns each layer's bitrate, 0 for a layer not being sent. Under room.mu.
func (f *forwarder) layerRates(now time.Time) layerRates {
	var r layerRates
	for i := range f.layers {
		if l := f.layers[i].Load(); l != nil && l.sending(now) {
			r[i] = max(int(l.rate), 1)
		}
	}
	return r
}

// rate is the track's bitrate summed over its layers being sent. Under room.mu.
func (f *forwarder) rate(now time.Time) int {
	var sum int
	for _, r := range f.layerRates(now) {
		sum += r
	}
	return sum
}

// flush adds the counters gathered since the last flush to the metrics and
// returns the packets received and expected since then. Called under room.mu.
func (f *forwarder) flush(m *metrics) (recv, exp uint64) {
	p, b, r, e := f.sent.Load(), f.sent8.Load(), f.recv8.Load(), f.exp.Load()
	m.packets.Add(float64(p - f.fPackets))
	m.bytes.Add(float64(b - f.fBytes))
	recv, exp = r-f.fRecv, e-f.fExp
	f.fPackets, f.fBytes, f.fRecv, f.fExp = p, b, r, e
	return recv, exp
}
