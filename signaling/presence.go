package signaling

import (
	"context"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
)

// Presence timings (docs/signaling.md, "Presence"). The server pings every session's
// WebSocket every pingInterval; a session from which nothing (no frame, no pong) was heard for
// silenceLimit is unreachable for "network". A peer connection whose ICE agent heard nothing
// for rtcapi's disconnected timeout (3 s) is unreachable for "media". The room's tick
// (roomTick) announces changes, so the room learns of a silent participant at most
// silenceLimit + roomTick after the last thing it heard.
const (
	pingInterval         = 2 * time.Second
	silenceLimit         = 4 * time.Second
	defaultPresenceGrace = 30 * time.Second
)

// media connection indexes in session.media.
const (
	mediaPub = iota
	mediaSub
)

// mediaState follows one peer connection's ICE state: up once it connected, down while it
// is disconnected or failed after that, or closed by the client.
type mediaState struct {
	connected bool // has been connected at least once
	down      bool
}

// heardNow records that the client was heard from (a frame or a pong).
func (s *session) heardNow() { s.heard.Store(time.Now().UnixNano()) }

// pingLoop pings the client every pingInterval. Browsers and WebSocket libraries answer
// pings by themselves; the answer only arrives while the client reads its socket, so a
// client whose network or process stalled stops answering.
func (s *session) pingLoop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, silenceLimit)
		start := time.Now()
		if s.conn.Ping(pctx) == nil {
			s.rtt.Store(int64(time.Since(start)))
			s.heardNow()
		}
		cancel()
	}
}

// watchICE follows a peer connection's ICE state for presence.
func (s *session) watchICE(pc *webrtc.PeerConnection, idx int) {
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		s.mediaMu.Lock()
		defer s.mediaMu.Unlock()
		m := &s.media[idx]
		switch st {
		case webrtc.ICEConnectionStateConnected, webrtc.ICEConnectionStateCompleted:
			m.connected, m.down = true, false
		case webrtc.ICEConnectionStateDisconnected, webrtc.ICEConnectionStateFailed:
			m.down = m.connected
		case webrtc.ICEConnectionStateClosed:
			// The server closes its peer connections only when the session ends; before that
			// a close comes from the client (Pion closes on the client's DTLS close_notify).
			m.down = m.connected && !s.ending()
		}
	})
}

// ending reports whether the session is shutting down.
func (s *session) ending() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// unreachableReason says why the server cannot reach the session now, or "" if it can.
func (s *session) unreachableReason(now time.Time) string {
	if now.Sub(time.Unix(0, s.heard.Load())) > silenceLimit {
		return protocol.UnreachableNetwork
	}
	s.mediaMu.Lock()
	defer s.mediaMu.Unlock()
	for _, m := range s.media {
		if m.down {
			return protocol.UnreachableMedia
		}
	}
	return ""
}

// presenceLocked announces every session whose reachability changed and ends the sessions
// unreachable for longer than the grace period.
func (r *room) presenceLocked(now time.Time) {
	var lost []*session
	for _, s := range r.sessions {
		reason := s.unreachableReason(now)
		if reason != "" && s.unreachable != "" && now.Sub(s.unreachableSince) > r.hub.cfg.PresenceGrace {
			lost = append(lost, s)
			continue
		}
		if reason == s.unreachable {
			continue
		}
		if s.unreachable == "" {
			s.unreachableSince = now
		}
		s.unreachable = reason
		r.announcePresenceLocked(s, now)
	}
	for _, s := range lost {
		s.log.Info("participant unreachable for the grace period", "reason", s.unreachable,
			"since", s.unreachableSince)
		r.removeLocked(s, protocol.ReasonLost)
		s.shutdown(protocol.ReasonLost)
	}
}

func (r *room) announcePresenceLocked(s *session, now time.Time) {
	m := protocol.ServerMessage{Type: protocol.TypePresence, ParticipantID: s.adm.ParticipantID,
		State: protocol.PresencePresent}
	if s.unreachable != "" {
		m.State, m.Reason = protocol.PresenceUnreachable, s.unreachable
		s.log.Info("participant unreachable", "reason", s.unreachable,
			"silent_ms", now.Sub(time.Unix(0, s.heard.Load())).Milliseconds())
	} else {
		s.log.Info("participant reachable again")
	}
	// The participant itself hears it too: while its socket still works (media down) it
	// learns that its media does not reach the server.
	r.broadcastLocked(m, nil)
}
