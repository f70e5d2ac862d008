package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// baseline is the benchmark's reference: the minimal Pion forward loop
// (read RTP from the remote track into a buffer, write it to a
// TrackLocalStaticRTP that every subscriber shares) behind just enough of
// the signaling protocol for the same clients. It uses the same API (codecs,
// interceptors, UDP mux) as the SFU. No grants, keyframe logic, header
// rewriting, events or metrics.
type baseline struct {
	api *rtcapi.API
	log *slog.Logger

	mu     sync.Mutex
	rooms  map[string]*baseRoom
	wg     sync.WaitGroup
	conns  map[*baseSession]bool
	closed bool
}

type baseRoom struct {
	tracks []*webrtc.TrackLocalStaticRTP
	subs   []*baseSession
}

type baseSession struct {
	conn    *websocket.Conn
	pub     *webrtc.PeerConnection
	sub     *webrtc.PeerConnection
	wmu     sync.Mutex
	mu      sync.Mutex
	waiting bool
	pending bool
}

func newBaseline(log *slog.Logger) (*baseline, error) {
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Logger: log})
	if err != nil {
		return nil, err
	}
	return &baseline{api: api, log: log, rooms: map[string]*baseRoom{}, conns: map[*baseSession]bool{}}, nil
}

func (b *baseline) Close() error {
	b.mu.Lock()
	b.closed = true
	for s := range b.conns {
		s.conn.CloseNow()
	}
	b.mu.Unlock()
	b.wg.Wait()
	return b.api.Close()
}

func (b *baseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	s := &baseSession{conn: conn}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		conn.CloseNow()
		return
	}
	b.conns[s] = true
	b.wg.Add(1)
	b.mu.Unlock()
	defer b.wg.Done()
	b.serve(r.Context(), r.PathValue("id"), s)
	s.conn.CloseNow()
	for _, pc := range []*webrtc.PeerConnection{s.pub, s.sub} {
		if pc != nil {
			_ = pc.Close()
		}
	}
	b.mu.Lock()
	delete(b.conns, s)
	b.mu.Unlock()
}

func (b *baseline) serve(ctx context.Context, room string, s *baseSession) {
	ctx = context.WithoutCancel(ctx)
	var join protocol.Message
	if s.readJSON(ctx, &join) != nil {
		return
	}
	adm, _ := parseToken(join.Token)
	self := protocol.Participant{ID: adm.ParticipantID, Grants: protocol.Grants{Publish: adm.Publish, Subscribe: adm.Subscribe}}
	s.send(ctx, protocol.ServerMessage{Type: protocol.TypeWelcome, Self: &self})
	var err error
	if s.sub, err = b.newPC(ctx, s, protocol.TargetSubscriber); err != nil {
		return
	}
	if adm.Subscribe {
		b.addSubscriber(ctx, room, s)
	}
	for {
		var m protocol.Message
		if s.readJSON(ctx, &m) != nil {
			return
		}
		b.handle(ctx, room, s, m)
	}
}

func (b *baseline) handle(ctx context.Context, room string, s *baseSession, m protocol.Message) {
	switch m.Type {
	case protocol.TypeOffer:
		if s.pub == nil {
			pc, err := b.newPC(ctx, s, protocol.TargetPublisher)
			if err != nil {
				return
			}
			pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { b.forward(ctx, room, t) })
			s.mu.Lock()
			s.pub = pc
			s.mu.Unlock()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}) != nil {
			return
		}
		answer, err := s.pub.CreateAnswer(nil)
		if err == nil && s.pub.SetLocalDescription(answer) == nil {
			s.send(ctx, protocol.ServerMessage{Type: protocol.TypeAnswer, SDP: answer.SDP})
		}
	case protocol.TypeAnswer:
		s.mu.Lock()
		_ = s.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP})
		s.waiting = false
		again := s.pending
		s.pending = false
		s.mu.Unlock()
		if again {
			s.offer(ctx)
		}
	case protocol.TypeCandidate:
		s.mu.Lock()
		pc := s.sub
		if m.Target == protocol.TargetPublisher {
			pc = s.pub
		}
		s.mu.Unlock()
		if pc != nil && m.Candidate != nil {
			_ = pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: m.Candidate.Candidate,
				SDPMid: m.Candidate.SDPMid, SDPMLineIndex: m.Candidate.SDPMLineIndex})
		}
	}
}

func (b *baseline) newPC(ctx context.Context, s *baseSession, target string) (*webrtc.PeerConnection, error) {
	pc, err := b.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.send(ctx, protocol.ServerMessage{Type: protocol.TypeCandidate, Target: target,
			Candidate: &protocol.Candidate{Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex}})
	})
	return pc, nil
}

// forward is the minimal Pion forward loop.
func (b *baseline) forward(ctx context.Context, room string, remote *webrtc.TrackRemote) {
	local, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, remote.ID(), remote.StreamID())
	if err != nil {
		return
	}
	b.mu.Lock()
	r := b.room(room)
	r.tracks = append(r.tracks, local)
	subs := append([]*baseSession{}, r.subs...)
	b.mu.Unlock()
	for _, s := range subs {
		s.addTrack(ctx, local)
	}
	buf := make([]byte, 1500)
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		if _, err := local.Write(buf[:n]); err != nil {
			continue
		}
	}
}

func (b *baseline) room(id string) *baseRoom {
	r := b.rooms[id]
	if r == nil {
		r = &baseRoom{}
		b.rooms[id] = r
	}
	return r
}

func (b *baseline) addSubscriber(ctx context.Context, room string, s *baseSession) {
	b.mu.Lock()
	r := b.room(room)
	r.subs = append(r.subs, s)
	tracks := append([]*webrtc.TrackLocalStaticRTP{}, r.tracks...)
	b.mu.Unlock()
	for _, t := range tracks {
		s.addTrack(ctx, t)
	}
}

func (s *baseSession) addTrack(ctx context.Context, t *webrtc.TrackLocalStaticRTP) {
	sender, err := s.sub.AddTrack(t)
	if err != nil {
		return
	}
	go func() { // drain RTCP so the interceptors see it, as Pion's examples do
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	s.offer(ctx)
}

func (s *baseSession) offer(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiting {
		s.pending = true
		return
	}
	offer, err := s.sub.CreateOffer(nil)
	if err != nil || s.sub.SetLocalDescription(offer) != nil {
		return
	}
	s.waiting = true
	s.send(ctx, protocol.ServerMessage{Type: protocol.TypeOffer, SDP: offer.SDP})
}

func (s *baseSession) send(ctx context.Context, m protocol.ServerMessage) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.conn.Write(ctx, websocket.MessageText, b)
}

func (s *baseSession) readJSON(ctx context.Context, v any) error {
	_, b, err := s.conn.Read(ctx)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
