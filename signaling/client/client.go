// Package client is a Go implementation of the Signroom signaling protocol
// on Pion peers. The tests and the load generator (cmd/signroom-load) use it;
// it is also a reference for writing other clients from docs/signaling.md.
package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
)

// ErrRefused is returned by Dial when the server answers join with an error.
var ErrRefused = errors.New("join refused")

// Options configure a client.
type Options struct {
	// API builds the peer connections; share one between many clients.
	API *webrtc.API
	// OnTrack is called for every track the server sends (subscriber side).
	OnTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)
	// EventBuffer is the capacity of Events; excess messages are dropped.
	EventBuffer int
	// OnPublisherRTCP sees the RTCP the server sends about published tracks
	// (PLI, NACK, reports).
	OnPublisherRTCP func(trackID string, pkts []rtcp.Packet)
	// OnSimulcastRTCP, when set, sees the RTCP about each simulcast encoding instead, with
	// its rid (a PLI asks for a key frame of that encoding only).
	OnSimulcastRTCP func(trackID, rid string, pkts []rtcp.Packet)
	// OnServerCandidate sees every candidate the server sends.
	OnServerCandidate func(target string, c protocol.Candidate)
	// UseICEServers makes the peer connections use the welcome's ICE servers, as a browser
	// does; RelayOnly also limits them to relay candidates (the TURN server's).
	UseICEServers bool
	RelayOnly     bool
}

// Client is one signaling session with its two peer connections.
type Client struct {
	conn    *websocket.Conn
	api     *webrtc.API
	welcome protocol.ServerMessage
	events  chan protocol.ServerMessage
	answers chan string
	onRTCP  func(string, []rtcp.Packet)
	onCand  func(string, protocol.Candidate)
	opts    Options

	sigMu sync.Mutex // orders descriptions before their candidates
	wmu   sync.Mutex // one websocket writer at a time
	mu    sync.Mutex
	pub   *webrtc.PeerConnection
	sub   *webrtc.PeerConnection
	queue map[string][]webrtc.ICECandidateInit // remote candidates before their description

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	maxRead, maxSent atomic.Int64 // largest frames received and sent, in bytes
}

// Dial connects to a ceremony endpoint, joins with the token and waits for
// the welcome message.
func Dial(ctx context.Context, url, token string, opts Options) (*Client, error) {
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 1024
	}
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	conn.SetReadLimit(1 << 20)
	c := &Client{conn: conn, api: opts.API, events: make(chan protocol.ServerMessage, opts.EventBuffer),
		answers: make(chan string, 1), onRTCP: opts.OnPublisherRTCP, onCand: opts.OnServerCandidate, opts: opts, queue: map[string][]webrtc.ICECandidateInit{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if err := c.join(ctx, token); err != nil {
		c.cancel()
		conn.CloseNow()
		return nil, err
	}
	if c.welcome.Self.Grants.Subscribe {
		if err := c.newSub(opts.OnTrack); err != nil {
			c.Close()
			return nil, err
		}
	}
	c.wg.Add(1)
	go c.readLoop()
	return c, nil
}

func (c *Client) join(ctx context.Context, token string) error {
	if err := c.Send(ctx, map[string]string{"type": protocol.TypeJoin, "token": token}); err != nil {
		return err
	}
	m, err := c.read(ctx)
	if err != nil {
		return fmt.Errorf("read welcome: %w", err)
	}
	if m.Type != protocol.TypeWelcome {
		return fmt.Errorf("%w: %s %s", ErrRefused, m.Code, m.Message)
	}
	c.welcome = m
	return nil
}

// Welcome returns the server's welcome message.
func (c *Client) Welcome() protocol.ServerMessage { return c.welcome }

// Events delivers every server message other than offer, answer and candidate.
func (c *Client) Events() <-chan protocol.ServerMessage { return c.events }

// Done is closed when the connection ended.
func (c *Client) Done() <-chan struct{} { return c.ctx.Done() }

// Send writes any JSON value as one text frame.
func (c *Client) Send(ctx context.Context, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	return c.SendRaw(ctx, b)
}

// SendRaw writes bytes as one text frame, unchecked (for tests of bad input).
func (c *Client) SendRaw(ctx context.Context, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	storeMax(&c.maxSent, len(b))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, b)
}

// LargestFrames returns the sizes in bytes of the largest frame received from the server
// and of the largest frame sent to it so far.
func (c *Client) LargestFrames() (received, sent int) {
	return int(c.maxRead.Load()), int(c.maxSent.Load())
}

func storeMax(m *atomic.Int64, n int) {
	for {
		old := m.Load()
		if int64(n) <= old || m.CompareAndSwap(old, int64(n)) {
			return
		}
	}
}

// Close leaves the room and releases everything.
func (c *Client) Close() error {
	_ = c.Send(context.Background(), map[string]string{"type": protocol.TypeLeave})
	c.cancel()
	c.conn.CloseNow()
	c.mu.Lock()
	pcs := []*webrtc.PeerConnection{c.pub, c.sub}
	c.mu.Unlock()
	var errs []error
	for _, pc := range pcs {
		if pc != nil {
			errs = append(errs, pc.Close())
		}
	}
	c.wg.Wait()
	return errors.Join(errs...)
}

// Abort drops the connection without saying goodbye, like a crashed browser.
func (c *Client) Abort() {
	c.conn.CloseNow()
	c.cancel()
	c.mu.Lock()
	pcs := []*webrtc.PeerConnection{c.pub, c.sub}
	c.mu.Unlock()
	for _, pc := range pcs {
		if pc != nil {
			_ = pc.Close()
		}
	}
	c.wg.Wait()
}
