package signaling

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
)

// session is one admitted WebSocket connection and its peer connections.
type session struct {
	hub  *Hub
	room *room
	adm  Admission
	id   string
	log  *slog.Logger
	conn *websocket.Conn

	out       chan []byte
	closing   chan struct{}
	closeOnce sync.Once
	bye       atomic.Pointer[string]
	wg        sync.WaitGroup
	connected atomic.Bool // subscriber connection is up
	negotiate chan struct{}
	heard     atomic.Int64 // unix ns of the last frame or pong from the client
	rtt       atomic.Int64 // ns of the last answered WebSocket ping

	mediaMu sync.Mutex
	media   [2]mediaState // publisher, subscriber (ICE)

	mu          sync.Mutex // guards the fields below
	pub         *webrtc.PeerConnection
	sub         *webrtc.PeerConnection // set before join, never changed
	bwe         cc.BandwidthEstimator  // the subscriber connection's; set with sub
	subAwaiting bool
	subPending  bool
	subRestart  bool // the next subscriber offer restarts ICE
	pubCands    int
	subCands    int
	sources     map[string]string

	// guarded by room.mu
	detached bool
	muted    map[string]bool
	tracks   []*forwarder
	downs    map[*forwarder]*downTrack
	// unreachable is the announced reason the server cannot reach the session ("" while
	// present), since unreachableSince.
	unreachable      string
	unreachableSince time.Time

	// used by the read loop only
	tokens  float64
	refill  time.Time
	strikes int
}

func newSession(h *Hub, conn *websocket.Conn, adm Admission) *session {
	s := &session{hub: h, adm: adm, id: randomID(), conn: conn,
		log: h.log.With("agreement", adm.AgreementID, "participant", adm.ParticipantID),
		out: make(chan []byte, sendQueueLen), closing: make(chan struct{}),
		negotiate: make(chan struct{}, 1), sources: map[string]string{},
		muted: map[string]bool{}, downs: map[*forwarder]*downTrack{},
		tokens: msgBurst, refill: time.Now()}
	s.heardNow()
	return s
}

func randomID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// send queues a message; a client too slow to take its messages is dropped.
func (s *session) send(m protocol.ServerMessage) {
	b, err := protocol.Encode(m)
	if err != nil {
		s.log.Error("encode message", "type", m.Type, "err", err)
		return
	}
	select {
	case <-s.closing:
	case s.out <- b:
	default:
		s.shutdown(protocol.ReasonSlow)
	}
}

func (s *session) sendError(code, msg, ref string) {
	s.send(protocol.ServerMessage{Type: protocol.TypeError, Code: code, Message: msg, Ref: ref})
}

// shutdown asks the session to end: the writer sends bye and closes the
// socket, which ends the read loop and the rest of the session.
func (s *session) shutdown(reason string) {
	s.closeOnce.Do(func() {
		s.bye.Store(&reason)
		close(s.closing)
	})
}

func (s *session) pubPC() *webrtc.PeerConnection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pub
}

func (s *session) triggerNegotiation() {
	select {
	case s.negotiate <- struct{}{}:
	default:
	}
}

// run serves an admitted session until it ends and everything it owns stopped.
func (s *session) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.newSubscriberPC(); err != nil {
		s.log.Error("create subscriber connection", "err", err)
		return
	}
	s.wg.Add(3)
	go s.writeLoop(ctx)
	go s.negotiateLoop()
	go s.pingLoop(ctx)
	leaveReason := protocol.ReasonLeft
	joined := s.join() == nil
	if !joined {
		s.shutdown(protocol.ReasonRefused)
	} else {
		s.auditJoined()
		stop := s.expireAt(s.adm.ExpiresAt)
		leaveReason = s.leaveReason(s.readLoop(ctx))
		stop()
	}
	s.shutdown(leaveReason)
	s.room.leave(s, leaveReason)
	if joined {
		s.auditLeft()
	}
	s.closePCs()
	s.wg.Wait()
	s.conn.CloseNow()
	s.log.Info("participant disconnected", "reason", *s.bye.Load())
}

// leaveReason tells a deliberate leave (a leave message, or a close frame from the client)
// from a lost connection, given the error that ended the read loop (nil after leave).
func (s *session) leaveReason(readErr error) string {
	if b := s.bye.Load(); b != nil { // the server ended the session first
		switch *b {
		case protocol.ReasonSlow, protocol.ReasonFailed, protocol.ReasonLost:
			return protocol.ReasonLost
		}
		return protocol.ReasonLeft
	}
	if readErr == nil || websocket.CloseStatus(readErr) != -1 {
		return protocol.ReasonLeft
	}
	return protocol.ReasonLost
}

// expireAt disconnects the session when its invitation expires, so an invitation that ends
// mid-ceremony does not stay connected. It returns a func that cancels the timer.
func (s *session) expireAt(exp time.Time) (stop func()) {
	if exp.IsZero() {
		return func() {}
	}
	t := time.AfterFunc(time.Until(exp), func() {
		s.room.mu.Lock()
		s.room.removeLocked(s, protocol.ReasonExpired)
		s.room.mu.Unlock()
		s.shutdown(protocol.ReasonExpired)
	})
	return func() { t.Stop() }
}

func (s *session) join() error {
	for range 3 {
		r, err := s.hub.room(s.adm.AgreementID)
		if err != nil {
			s.sendError(protocol.CodeInternal, "server is shutting down", protocol.TypeJoin)
			return err
		}
		s.room = r
		err = r.join(s)
		switch {
		case err == nil:
			s.log.Info("participant joined", "session", s.id, "role", s.adm.Role)
			return nil
		case errors.Is(err, errRoomClosed):
			continue
		case errors.Is(err, ErrRoomFull):
			s.sendError(protocol.CodeRoomFull, "the room is full", protocol.TypeJoin)
		case errors.Is(err, ErrRemoved):
			s.sendError(protocol.CodeRemoved, "the host removed this invitation from the ceremony", protocol.TypeJoin)
		default:
			s.sendError(protocol.CodeForbidden, "this invitation may not join the ceremony", protocol.TypeJoin)
		}
		s.room = nil
		return err
	}
	return errRoomClosed
}

func (s *session) closePCs() {
	s.mu.Lock()
	pcs := []*webrtc.PeerConnection{s.pub, s.sub}
	s.mu.Unlock()
	for _, pc := range pcs {
		if pc != nil {
			_ = pc.Close()
		}
	}
}

// writeLoop writes queued messages; after shutdown it flushes, says bye and
// closes the socket.
func (s *session) writeLoop(ctx context.Context) {
	defer s.wg.Done()
	for {
		select {
		case b := <-s.out:
			if s.write(ctx, b) != nil {
				s.shutdown(protocol.ReasonFailed)
				s.conn.CloseNow()
				return
			}
		case <-s.closing:
			s.flushAndClose(ctx)
			return
		}
	}
}

func (s *session) flushAndClose(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for {
		select {
		case b := <-s.out:
			if s.write(ctx, b) != nil {
				s.conn.CloseNow()
				return
			}
			continue
		default:
		}
		break
	}
	reason := *s.bye.Load()
	if b, err := protocol.Encode(protocol.ServerMessage{Type: protocol.TypeBye, Reason: reason}); err == nil {
		_ = s.write(ctx, b)
	}
	code := websocket.StatusNormalClosure
	if reason == protocol.ReasonViolation {
		code = websocket.StatusPolicyViolation
	}
	_ = s.conn.Close(code, reason)
}

func (s *session) write(ctx context.Context, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return s.conn.Write(ctx, websocket.MessageText, b)
}

// negotiateLoop makes a new subscriber offer whenever tracks changed.
func (s *session) negotiateLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.closing:
			return
		case <-s.negotiate:
			s.offerSubscriber()
		}
	}
}

func (s *session) offerSubscriber() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subAwaiting {
		s.subPending = true
		return
	}
	offer, err := s.sub.CreateOffer(&webrtc.OfferOptions{ICERestart: s.subRestart})
	if err == nil {
		err = s.sub.SetLocalDescription(offer)
	}
	if err != nil {
		s.log.Warn("subscriber offer", "err", err)
		return
	}
	if s.subRestart {
		s.log.Info("subscriber ICE restart offered")
	}
	s.subAwaiting, s.subRestart = true, false
	s.send(protocol.ServerMessage{Type: protocol.TypeOffer, SDP: offer.SDP})
}
