package signaling

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/coder/websocket"

	"github.com/signroom/signroom/signaling/protocol"
)

// errTooLarge marks a frame above protocol.MaxMessageSize (but under the
// hard limit, which closes the socket).
var errTooLarge = errors.New("frame too large")

// readFrame reads one frame, refusing frames above MaxMessageSize without
// closing the connection.
func readFrame(ctx context.Context, c *websocket.Conn) ([]byte, error) {
	typ, r, err := c.Reader(ctx)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r, protocol.MaxMessageSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > protocol.MaxMessageSize {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, err
		}
		return nil, errTooLarge
	}
	if typ != websocket.MessageText {
		return nil, protocol.ErrInvalid
	}
	return b, nil
}

// readLoop reads and dispatches client messages until the client leaves (nil) or the
// socket ends (the read error).
func (s *session) readLoop(ctx context.Context) error {
	for {
		b, err := readFrame(ctx, s.conn)
		if err == nil || errors.Is(err, errTooLarge) || errors.Is(err, protocol.ErrInvalid) {
			s.heardNow()
		}
		switch {
		case errors.Is(err, errTooLarge):
			s.reject(protocol.CodeTooLarge, "frames are limited to 65536 bytes", "")
			continue
		case errors.Is(err, protocol.ErrInvalid):
			s.reject(protocol.CodeBadMessage, "binary frames are not part of the protocol", "")
			continue
		case err != nil:
			return err
		}
		if !s.allow() {
			s.reject(protocol.CodeRateLimited, "too many messages; slow down", "")
			continue
		}
		m, err := protocol.Decode(b)
		if err != nil {
			s.reject(protocol.CodeBadMessage, err.Error(), "")
			continue
		}
		if m.Type == protocol.TypeLeave {
			s.shutdown(protocol.ReasonLeft)
			return nil
		}
		s.dispatch(m)
	}
}

// allow is a token bucket over client messages.
func (s *session) allow() bool {
	now := time.Now()
	s.tokens = min(msgBurst, s.tokens+now.Sub(s.refill).Seconds()*msgRate)
	s.refill = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// reject answers a bad message with an error; a client that keeps sending
// bad messages is disconnected.
func (s *session) reject(code, msg, ref string) {
	s.strikes++
	if s.strikes > maxStrikes {
		s.shutdown(protocol.ReasonViolation)
		return
	}
	s.sendError(code, msg, ref)
}

func (s *session) dispatch(m protocol.Message) {
	switch m.Type {
	case protocol.TypeJoin:
		s.reject(protocol.CodeAlreadyJoined, "join is only valid as the first message", m.Type)
	case protocol.TypeOffer:
		s.handleOffer(m)
	case protocol.TypeAnswer:
		s.handleAnswer(m)
	case protocol.TypeCandidate:
		s.handleCandidate(m)
	case protocol.TypeMute:
		if s.room.setMuted(s, s, m.Source, *m.Muted) {
			s.auditMuted(s, m.Source, *m.Muted)
		}
	case protocol.TypeMuteParticipant:
		s.hostAction(m, func(t *session) {
			if s.room.setMuted(s, t, m.Source, true) {
				s.auditMuted(t, m.Source, true)
			}
		})
	case protocol.TypeRemoveParticipant:
		s.hostAction(m, func(t *session) {
			s.room.remove(t, s.adm.TokenID)
			s.auditRemoved(t)
		})
	case protocol.TypePing:
		s.send(protocol.ServerMessage{Type: protocol.TypePong})
	case protocol.TypeView:
		s.handleView(m)
	case protocol.TypeRestartICE:
		s.handleRestartICE()
	}
}

func (s *session) hostAction(m protocol.Message, act func(target *session)) {
	if !s.adm.Host {
		s.reject(protocol.CodeForbidden, "only the host may do this", m.Type)
		return
	}
	t := s.room.session(m.Participant)
	if t == nil {
		s.reject(protocol.CodeUnknownTarget, "no such participant in the room", m.Type)
		return
	}
	act(t)
}
