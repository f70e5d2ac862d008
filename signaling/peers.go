package signaling

import (
	"errors"
	"fmt"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
)

func (s *session) rtcConfig() webrtc.Configuration {
	// The server itself never needs STUN/TURN: it announces its own addresses.
	return webrtc.Configuration{SDPSemantics: webrtc.SDPSemanticsUnifiedPlan}
}

func (s *session) newSubscriberPC() error {
	pc, err := s.hub.api.NewPeerConnection(s.rtcConfig())
	if err != nil {
		return fmt.Errorf("new subscriber peer connection: %w", err)
	}
	s.watchPC(pc, protocol.TargetSubscriber)
	s.watchICE(pc, mediaSub)
	s.sub, s.bwe = pc, s.hub.api.Estimator(pc)
	return nil
}

func (s *session) newPublisherPC() (*webrtc.PeerConnection, error) {
	pc, err := s.hub.api.NewPeerConnection(s.rtcConfig())
	if err != nil {
		return nil, fmt.Errorf("new publisher peer connection: %w", err)
	}
	s.hub.api.Estimator(pc) // it sends no media: its estimator stays unused
	s.watchPC(pc, protocol.TargetPublisher)
	s.watchICE(pc, mediaPub)
	pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		if !s.adm.Publish { // unreachable: no publisher connection without the grant
			return
		}
		s.mu.Lock()
		src := s.sources[t.ID()]
		s.mu.Unlock()
		s.room.addTrack(s, t, r, src)
	})
	return pc, nil
}

// watchPC sends local candidates and follows the connection state.
func (s *session) watchPC(pc *webrtc.PeerConnection, target string) {
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		// Under s.mu so a candidate never overtakes the offer or answer that
		// SetLocalDescription's caller sends while holding the lock.
		s.mu.Lock()
		defer s.mu.Unlock()
		s.send(protocol.ServerMessage{Type: protocol.TypeCandidate, Target: target,
			Candidate: &protocol.Candidate{Candidate: init.Candidate, SDPMid: init.SDPMid,
				SDPMLineIndex: init.SDPMLineIndex, UsernameFragment: init.UsernameFragment}})
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		s.log.Debug("peer connection state", "target", target, "state", st.String())
		switch st {
		case webrtc.PeerConnectionStateConnected:
			if target == protocol.TargetSubscriber {
				s.connected.Store(true)
			}
		case webrtc.PeerConnectionStateFailed:
			// Presence announces it as unreachable for "media" and ends the session after the
			// grace period unless the client reconnects first.
			s.connected.Store(false)
		}
	})
}

func (s *session) handleOffer(m protocol.Message) {
	if !s.adm.Publish {
		s.reject(protocol.CodeForbidden, "this invitation may not publish", m.Type)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub == nil {
		pc, err := s.newPublisherPC()
		if err != nil {
			s.log.Error("publisher connection", "err", err)
			s.reject(protocol.CodeInternal, "cannot create the publisher connection", m.Type)
			return
		}
		s.pub = pc
	}
	for id, src := range m.Sources {
		if len(s.sources) < 64 {
			s.sources[id] = src
		}
	}
	err := s.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s.filterSDP(m.SDP)})
	if err != nil {
		s.reject(protocol.CodeBadSDP, "the offer was not accepted", m.Type)
		return
	}
	answer, err := s.pub.CreateAnswer(nil)
	if err == nil {
		err = s.pub.SetLocalDescription(answer)
	}
	if err != nil {
		s.reject(protocol.CodeBadSDP, "no answer could be made for the offer", m.Type)
		return
	}
	s.pubCands = 0
	s.send(protocol.ServerMessage{Type: protocol.TypeAnswer, SDP: answer.SDP})
}

func (s *session) handleAnswer(m protocol.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.subAwaiting {
		s.reject(protocol.CodeOutOfOrder, "no offer is waiting for an answer", m.Type)
		return
	}
	err := s.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: s.filterSDP(m.SDP)})
	if err != nil {
		s.reject(protocol.CodeBadSDP, "the answer was not accepted; send a valid answer", m.Type)
		return
	}
	s.subAwaiting, s.subCands = false, 0
	if s.subPending {
		s.subPending = false
		s.triggerNegotiation()
	}
}

// filterSDP drops the candidates the policy refuses from a remote description.
func (s *session) filterSDP(sdp string) string {
	out, dropped := s.hub.cfg.Candidates.FilterSDP(sdp)
	for _, reason := range dropped {
		s.log.Info("remote candidate refused", "participant", s.adm.ParticipantID, "reason", reason)
	}
	return out
}

func (s *session) handleCandidate(m protocol.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pc, count := s.sub, &s.subCands
	if m.Target == protocol.TargetPublisher {
		pc, count = s.pub, &s.pubCands
	}
	if pc == nil || pc.RemoteDescription() == nil {
		s.reject(protocol.CodeOutOfOrder, "candidate before the description it belongs to", m.Type)
		return
	}
	if *count >= maxCandidates {
		s.reject(protocol.CodeTooManyCands, "too many candidates for this description", m.Type)
		return
	}
	*count++
	c := m.Candidate
	if err := s.hub.cfg.Candidates.CheckCandidate(c.Candidate); err != nil {
		s.log.Info("remote candidate refused", "participant", s.adm.ParticipantID, "reason", err)
		s.reject(protocol.CodeBadCandidate, err.Error(), m.Type)
		return
	}
	err := pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid,
		SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment})
	if err != nil {
		code := protocol.CodeBadCandidate
		if errors.Is(err, webrtc.ErrNoRemoteDescription) {
			code = protocol.CodeOutOfOrder
		}
		s.reject(code, "the candidate was not accepted", m.Type)
	}
}

// handleRestartICE makes the next subscriber offer restart ICE: at once, or after the
// answer to the offer outstanding now. The publisher connection restarts with the client's
// own offer (handleOffer), which needs nothing more here.
func (s *session) handleRestartICE() {
	s.mu.Lock()
	s.subRestart = true
	awaiting := s.subAwaiting
	if awaiting {
		s.subPending = true
	}
	s.mu.Unlock()
	if !awaiting {
		s.triggerNegotiation()
	}
}
