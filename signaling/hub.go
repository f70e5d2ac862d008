package signaling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// Hub owns the rooms, the shared ICE sockets and every session.
type Hub struct {
	cfg        Config
	admit      Admitter
	api        *rtcapi.API
	log        *slog.Logger
	metrics    *metrics
	iceServers []protocol.ICEServer

	mu     sync.Mutex
	rooms  map[string]*room
	closed bool
	wg     sync.WaitGroup // sessions
}

// NewHub opens the ICE sockets and returns a hub ready to serve.
func NewHub(cfg Config, admit Admitter) (*Hub, error) {
	if admit == nil {
		return nil, errors.New("signaling: nil Admitter")
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("signaling metrics: %w", err)
	}
	api, err := rtcapi.New(rtcapi.Options{ICEUDPPort: cfg.ICEUDPPort, ICETCPPort: cfg.ICETCPPort, ICEAddr: cfg.ICEAddr,
		PublicIPs: cfg.PublicIPs, LoopbackOnly: cfg.LoopbackOnly, Logger: cfg.Logger, Net: cfg.Net})
	if err != nil {
		return nil, fmt.Errorf("signaling: %w", err)
	}
	if cfg.LoopbackOnly || api.UDPAddr.IP.IsLoopback() {
		cfg.Candidates.AllowLoopback = true // the server itself is on loopback
	}
	h := &Hub{cfg: cfg, admit: admit, api: api, log: cfg.Logger, metrics: m,
		rooms: map[string]*room{}}
	h.iceServers = wireICEServers(cfg.ICEServers)
	h.log.Info("signaling hub ready", "ice_udp", h.ICEUDPAddr(), "ice_tcp", api.TCPAddr != nil)
	return h, nil
}

func wireICEServers(in []webrtc.ICEServer) []protocol.ICEServer {
	var out []protocol.ICEServer
	for _, s := range in {
		cred, _ := s.Credential.(string)
		out = append(out, protocol.ICEServer{URLs: s.URLs, Username: s.Username, Credential: cred})
	}
	return out
}

// iceServersFor is the welcome's ICE servers for a session: the configured ones and the
// participant's own.
func (h *Hub) iceServersFor(adm Admission) []protocol.ICEServer {
	if h.cfg.ICEServersFor == nil {
		return h.iceServers
	}
	own := wireICEServers(h.cfg.ICEServersFor(adm.ParticipantID, adm.ExpiresAt))
	return append(slices.Clip(h.iceServers), own...)
}

// ICEUDPAddr returns the addresses of the shared ICE UDP sockets, comma-separated.
func (h *Hub) ICEUDPAddr() string {
	s := make([]string, 0, len(h.api.UDPAddrs))
	for _, a := range h.api.UDPAddrs {
		s = append(s, a.String())
	}
	return strings.Join(s, ", ")
}

// ICEUDPAddrs returns the local addresses of the shared ICE UDP sockets.
func (h *Hub) ICEUDPAddrs() []*net.UDPAddr { return h.api.UDPAddrs }

// Handler returns the WebSocket endpoint. It expects the agreement id in the
// path value "id" (GET /api/agreements/{id}/ceremony/ws).
func (h *Hub) Handler() http.Handler {
	return http.HandlerFunc(h.serveWS)
}

func (h *Hub) serveWS(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" || len(id) > 128 {
		http.Error(w, "missing agreement id", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()
	if !h.cfg.InsecureSkipOriginCheck && !originAllowed(r, h.cfg.OriginPatterns) {
		h.log.Info("websocket origin refused", "agreement", id, "origin", r.Header.Get("Origin"))
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	// The origin was checked above, by the documented rules.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		h.log.Debug("websocket accept", "err", err)
		return
	}
	conn.SetReadLimit(hardReadLimit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	adm, ok := h.handshake(ctx, conn, id)
	if !ok {
		return
	}
	newSession(h, conn, adm).run(ctx)
}

// handshake reads the join message within the join timeout and admits it.
// The timeout is a timer rather than a read deadline: an expired read
// context closes the socket before the error could be sent.
func (h *Hub) handshake(ctx context.Context, conn *websocket.Conn, id string) (Admission, bool) {
	var once sync.Once
	fail := func(code, msg string) (Admission, bool) {
		once.Do(func() { sendJoinError(ctx, conn, code, msg) })
		return Admission{}, false
	}
	timer := time.AfterFunc(h.cfg.JoinTimeout, func() {
		fail(protocol.CodeJoinTimeout, "no join message in time")
	})
	defer timer.Stop()
	b, err := readFrame(ctx, conn)
	switch {
	case errors.Is(err, errTooLarge):
		return fail(protocol.CodeTooLarge, "frames are limited to 65536 bytes")
	case err != nil && !errors.Is(err, protocol.ErrInvalid):
		conn.CloseNow()
		return Admission{}, false
	}
	m, err := protocol.Decode(b)
	if err != nil || m.Type != protocol.TypeJoin {
		return fail(protocol.CodeNotJoined, "the first message must be join with a token")
	}
	actx, cancel := context.WithTimeout(ctx, h.cfg.JoinTimeout)
	defer cancel()
	adm, err := h.admit.Admit(actx, id, m.Token)
	if err == nil && adm.AgreementID != id {
		err = fmt.Errorf("%w: token is for another agreement", ErrNotAdmitted)
	}
	if err != nil {
		h.log.Info("join refused", "agreement", id, "err", err)
		return fail(protocol.CodeUnauthorized, "the invitation was not accepted")
	}
	if !timer.Stop() {
		return Admission{}, false // the timeout fired meanwhile
	}
	return adm, true
}

func sendJoinError(ctx context.Context, conn *websocket.Conn, code, msg string) {
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if b, err := protocol.Encode(protocol.ServerMessage{Type: protocol.TypeError, Code: code,
		Message: msg, Ref: protocol.TypeJoin}); err == nil {
		_ = conn.Write(wctx, websocket.MessageText, b)
	}
	_ = conn.Close(websocket.StatusPolicyViolation, code)
}

// room returns the agreement's room, creating it.
func (h *Hub) room(id string) (*room, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrHubClosed
	}
	r := h.rooms[id]
	if r == nil {
		r = newRoom(h, id)
		h.rooms[id] = r
		h.metrics.rooms.Inc()
	}
	return r, nil
}

func (h *Hub) lookup(id string) *room {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[id]
}

// dropIfEmpty closes a room whose last participant left.
func (h *Hub) dropIfEmpty(r *room) {
	h.mu.Lock()
	r.mu.Lock()
	drop := len(r.sessions) == 0 && !r.closed && h.rooms[r.id] == r
	if drop {
		r.closed = true
		delete(h.rooms, r.id)
		h.metrics.rooms.Dec()
	}
	r.mu.Unlock()
	h.mu.Unlock()
	if drop {
		close(r.done)
		r.wg.Wait()
	}
}

// Broadcast sends a ceremony event to everyone in the agreement's room. It
// does nothing when nobody is connected.
func (h *Hub) Broadcast(agreementID string, ev Event) {
	if r := h.lookup(agreementID); r != nil {
		if err := r.broadcast(ev); err != nil {
			h.log.Error("broadcast event", "agreement", agreementID, "event", ev.Name, "err", err)
		}
	}
}

// Revoke disconnects the holder of a revoked invitation at once and refuses
// the token in this room from now on.
func (h *Hub) Revoke(agreementID, tokenID string) {
	if r := h.lookup(agreementID); r != nil {
		r.revoke(tokenID)
	}
}

// CloseRoom disconnects everyone from an agreement's room with the reason
// sent in the bye message (for example "room_closed" when it is sealed).
func (h *Hub) CloseRoom(agreementID, reason string) {
	h.mu.Lock()
	r := h.rooms[agreementID]
	if r != nil {
		delete(h.rooms, agreementID)
		h.metrics.rooms.Dec()
	}
	h.mu.Unlock()
	if r != nil {
		r.close(reason)
	}
}

// Close disconnects every session, waits for them to end and closes the ICE
// sockets. The hub refuses new connections afterwards.
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	rooms := make([]*room, 0, len(h.rooms))
	for id, r := range h.rooms {
		rooms = append(rooms, r)
		delete(h.rooms, id)
		h.metrics.rooms.Dec()
	}
	h.mu.Unlock()
	for _, r := range rooms {
		r.close(protocol.ReasonShutdown)
	}
	h.wg.Wait()
	return h.api.Close()
}
