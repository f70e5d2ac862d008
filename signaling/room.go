package signaling

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
)

var errRoomClosed = errors.New("room closed")

// room is the live ceremony of one agreement.
type room struct {
	id  string
	hub *Hub
	log *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session // by participant id
	joined   map[string]time.Time
	tracks   map[string]*forwarder
	banned   map[string]bool // token ids removed by the host or revoked
	speakers []string
	closed   bool
	view     *protocol.View // the host's shared document view, nil until set

	done chan struct{}
	wg   sync.WaitGroup
}

func newRoom(h *Hub, id string) *room {
	r := &room{id: id, hub: h, log: h.log.With("agreement", id),
		sessions: map[string]*session{}, joined: map[string]time.Time{},
		tracks: map[string]*forwarder{}, banned: map[string]bool{}, done: make(chan struct{})}
	r.wg.Add(1)
	go r.tickLoop()
	return r
}

// join admits a session, replacing an older session of the same participant.
func (r *room) join(s *session) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid := s.adm.ParticipantID
	switch {
	case r.closed:
		return errRoomClosed
	case r.banned[s.adm.TokenID]:
		return ErrRemoved
	}
	old := r.sessions[pid]
	if old == nil && len(r.sessions) >= r.hub.cfg.MaxRoomSize {
		return ErrRoomFull
	}
	if old != nil {
		r.detachLocked(old)
		old.shutdown(protocol.ReasonReplaced)
	} else {
		r.joined[pid] = time.Now()
		r.hub.metrics.participants.Inc()
	}
	r.sessions[pid] = s
	s.send(r.welcomeLocked(s))
	info := participantInfo(s)
	r.broadcastLocked(protocol.ServerMessage{Type: protocol.TypeParticipantJoined,
		Participant: &info, ReplacedSession: old != nil}, s)
	if s.adm.Subscribe {
		for _, f := range r.tracks {
			r.attachLocked(f, s)
		}
	}
	return nil
}

func (r *room) welcomeLocked(s *session) protocol.ServerMessage {
	self := participantInfo(s)
	m := protocol.ServerMessage{Type: protocol.TypeWelcome, SessionID: s.id, Self: &self,
		ICEServers: r.hub.iceServersFor(s.adm), MaxMessageSize: protocol.MaxMessageSize,
		Participants: []protocol.Participant{}, Tracks: []protocol.Track{}, View: r.viewLocked()}
	for _, o := range r.orderedLocked() {
		if o != s {
			m.Participants = append(m.Participants, participantInfo(o))
		}
	}
	for _, f := range r.tracks {
		if f.owner != s {
			m.Tracks = append(m.Tracks, trackInfo(f))
		}
	}
	slices.SortFunc(m.Tracks, func(a, b protocol.Track) int { return strings.Compare(a.ID, b.ID) })
	return m
}

func (r *room) orderedLocked() []*session {
	out := make([]*session, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *session) int {
		return r.joined[a.adm.ParticipantID].Compare(r.joined[b.adm.ParticipantID])
	})
	return out
}

func participantInfo(s *session) protocol.Participant {
	a := s.adm
	p := protocol.Participant{ID: a.ParticipantID, Name: a.Name, Role: a.Role, VenueID: a.VenueID,
		Grants:      protocol.Grants{Publish: a.Publish, Subscribe: a.Subscribe, Sign: a.Sign, Host: a.Host},
		Unreachable: s.unreachable}
	for src, m := range s.muted {
		if m {
			if p.Muted == nil {
				p.Muted = map[string]bool{}
			}
			p.Muted[src] = true
		}
	}
	return p
}

func trackInfo(f *forwarder) protocol.Track {
	t := f.info
	t.Muted = f.muted.Load()
	return t
}

// broadcastLocked sends m to every session except skip.
func (r *room) broadcastLocked(m protocol.ServerMessage, skip *session) {
	for _, s := range r.sessions {
		if s != skip {
			s.send(m)
		}
	}
}

// leave ends a session's membership when its connection ends.
func (r *room) leave(s *session, reason string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.removeLocked(s, reason)
	empty := len(r.sessions) == 0
	r.mu.Unlock()
	if empty {
		r.hub.dropIfEmpty(r)
	}
}

// removeLocked detaches a session and, unless it was replaced, announces
// that its participant left.
func (r *room) removeLocked(s *session, reason string) {
	if s.detached {
		return
	}
	r.detachLocked(s)
	pid := s.adm.ParticipantID
	if r.sessions[pid] != s {
		return
	}
	delete(r.sessions, pid)
	delete(r.joined, pid)
	r.hub.metrics.participants.Dec()
	r.broadcastLocked(protocol.ServerMessage{Type: protocol.TypeParticipantLeft,
		ParticipantID: pid, Reason: reason}, nil)
}

// detachLocked stops all media to and from a session at once.
func (r *room) detachLocked(s *session) {
	s.detached = true
	for _, f := range s.tracks {
		r.removeTrackLocked(f)
	}
	s.tracks = nil
	for f, d := range s.downs {
		f.removeDown(d)
	}
	clear(s.downs)
}

// session returns the current session of a participant, or nil.
func (r *room) session(pid string) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[pid]
}

// remove disconnects a participant at the host's request and refuses its
// invitation for the rest of the room's life.
func (r *room) remove(t *session, byToken string) {
	r.mu.Lock()
	if t.adm.TokenID != byToken {
		r.banned[t.adm.TokenID] = true
	}
	r.removeLocked(t, protocol.ReasonRemoved)
	r.mu.Unlock()
	t.shutdown(protocol.ReasonRemoved)
}

// revoke disconnects every session holding the token.
func (r *room) revoke(tokenID string) {
	r.mu.Lock()
	r.banned[tokenID] = true
	var victims []*session
	for _, s := range r.sessions {
		if s.adm.TokenID == tokenID {
			victims = append(victims, s)
		}
	}
	for _, s := range victims {
		r.removeLocked(s, protocol.ReasonRevoked)
	}
	r.mu.Unlock()
	for _, s := range victims {
		s.shutdown(protocol.ReasonRevoked)
	}
}

// close ends every session and the room's own goroutine.
func (r *room) close(reason string) {
	r.mu.Lock()
	wasClosed := r.closed
	r.closed = true
	victims := make([]*session, 0, len(r.sessions))
	for _, s := range r.sessions {
		victims = append(victims, s)
	}
	r.mu.Unlock()
	for _, s := range victims {
		s.shutdown(reason)
	}
	if !wasClosed {
		close(r.done)
	}
	r.wg.Wait()
}

// setMuted mutes or unmutes target's source and tells the room; it reports whether the target
// was still in the room.
func (r *room) setMuted(by, target *session, source string, muted bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if target.detached {
		return false
	}
	target.muted[source] = muted
	for _, f := range target.tracks {
		if f.info.Source == source {
			f.setMuted(muted)
		}
	}
	r.broadcastLocked(protocol.ServerMessage{Type: protocol.TypeMuteChanged,
		ParticipantID: target.adm.ParticipantID, Source: source, Muted: &muted,
		By: by.adm.ParticipantID}, nil)
	return true
}

func (r *room) broadcast(ev Event) error {
	data, err := ev.data()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.broadcastLocked(protocol.ServerMessage{Type: protocol.TypeEvent, Event: ev.Name, Data: data}, nil)
	return nil
}

// addTrack starts forwarding a newly published track to every subscriber, or a further
// simulcast layer of a track already published on the same receiver.
func (r *room) addTrack(pub *session, t *webrtc.TrackRemote, recv *webrtc.RTPReceiver, source string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pub.detached || r.closed {
		return
	}
	idx, ok := layerOf(t.RID())
	if !ok {
		r.log.Info("simulcast layer ignored: unknown rid", "participant", pub.adm.ParticipantID, "rid", t.RID())
		return
	}
	if f := pub.forwarderOf(recv); f != nil {
		r.startLayerLocked(f, idx, t)
		return
	}
	f := newForwarder(pub, t, recv, r.newTrackInfoLocked(pub, t, source), r.hub.metrics)
	f.muted.Store(pub.muted[f.info.Source])
	r.startSinkLocked(f, t)
	r.tracks[f.info.ID] = f
	pub.tracks = append(pub.tracks, f)
	r.hub.metrics.tracks.Inc()
	for _, s := range r.sessions {
		if s != pub && s.adm.Subscribe {
			r.attachLocked(f, s)
		}
	}
	info := trackInfo(f)
	r.broadcastLocked(protocol.ServerMessage{Type: protocol.TypeTrackAdded, Track: &info}, nil)
	r.startLayerLocked(f, idx, t)
	if f.video {
		pub.wg.Add(1)
		go func() { defer pub.wg.Done(); f.keyframeLoop(r.hub.cfg.PLIInterval, r.hub.metrics) }()
	}
}

// startLayerLocked starts reading one layer of a track; the track ends with its last layer.
func (r *room) startLayerLocked(f *forwarder, idx int, t *webrtc.TrackRemote) {
	l := f.addLayer(idx, t)
	if l == nil {
		return
	}
	pub := f.owner
	pub.wg.Add(2)
	go func() { defer pub.wg.Done(); f.readLoop(l, func() { r.trackEnded(f) }) }()
	go func() { defer pub.wg.Done(); f.rtcpLoop(l) }()
}

// forwarderOf returns the session's track received on recv, or nil. Under room.mu.
func (s *session) forwarderOf(recv *webrtc.RTPReceiver) *forwarder {
	for _, f := range s.tracks {
		if f.recv == recv {
			return f
		}
	}
	return nil
}

func (r *room) newTrackInfoLocked(pub *session, t *webrtc.TrackRemote, source string) protocol.Track {
	kind := t.Kind().String()
	if source == "" || (kind == "audio") != (source == protocol.SourceMicrophone) {
		source = protocol.SourceCamera
		if kind == "audio" {
			source = protocol.SourceMicrophone
		}
	}
	pid := pub.adm.ParticipantID
	stream := pid
	if source == protocol.SourceScreen {
		stream = pid + "/screen"
	}
	id := pid + "/" + source
	for n := 2; r.tracks[id] != nil; n++ {
		id = pid + "/" + source + "-" + itoa(n)
	}
	return protocol.Track{ID: id, Participant: pid, Kind: kind, Source: source, StreamID: stream}
}

func (r *room) startSinkLocked(f *forwarder, t *webrtc.TrackRemote) {
	if r.hub.cfg.Sink == nil {
		return
	}
	c := t.Codec()
	w, err := r.hub.cfg.Sink.StartTrack(SinkTrack{AgreementID: r.id, ParticipantID: f.info.Participant,
		TrackID: f.info.ID, SessionID: f.owner.id, Source: f.info.Source, Kind: f.info.Kind,
		MimeType: c.MimeType, ClockRate: c.ClockRate, SSRC: uint32(t.SSRC()),
		RequestKeyframe: func() { f.requestKeyframe(f.sinkSel.cur.Load()) }})
	if err != nil {
		r.log.Warn("track sink", "track", f.info.ID, "err", err)
		return
	}
	f.sink = w
}

// attachLocked adds a subscriber's copy of a track and renegotiates.
func (r *room) attachLocked(f *forwarder, s *session) {
	if s.detached || s.downs[f] != nil || f.owner == s {
		return
	}
	d := newDownTrack(f, s)
	sender, err := s.sub.AddTrack(d)
	if err != nil {
		s.log.Warn("add track to subscriber", "track", f.info.ID, "err", err)
		return
	}
	d.sender = sender
	s.downs[f] = d
	f.addDown(d)
	s.wg.Add(1)
	go func() { defer s.wg.Done(); d.rtcpLoop(r.hub.metrics) }()
	s.triggerNegotiation()
}

func (r *room) trackEnded(f *forwarder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeTrackLocked(f)
}

// removeTrackLocked stops forwarding a track and removes it from subscribers.
func (r *room) removeTrackLocked(f *forwarder) {
	if r.tracks[f.info.ID] != f {
		return
	}
	delete(r.tracks, f.info.ID)
	f.flush(r.hub.metrics)
	f.close()
	r.hub.metrics.tracks.Dec()
	for _, d := range *f.downs.Load() {
		s := d.sub
		delete(s.downs, f)
		if !s.detached {
			_ = s.sub.RemoveTrack(d.sender)
			s.triggerNegotiation()
		}
	}
	f.downs.Store(&[]*downTrack{})
	r.broadcastLocked(protocol.ServerMessage{Type: protocol.TypeTrackRemoved,
		TrackID: f.info.ID, ParticipantID: f.info.Participant}, nil)
}
