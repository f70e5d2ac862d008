package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/protocol"
)

func marshal(v any) ([]byte, error) { return json.Marshal(v) }

func (c *Client) read(ctx context.Context) (protocol.ServerMessage, error) {
	var m protocol.ServerMessage
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return m, err
	}
	storeMax(&c.maxRead, len(b))
	return m, json.Unmarshal(b, &m)
}

// rtcConfig is the peer connections' configuration: the welcome's ICE servers when the
// options ask for them.
func (c *Client) rtcConfig() webrtc.Configuration {
	var cfg webrtc.Configuration
	if c.opts.UseICEServers || c.opts.RelayOnly {
		for _, s := range c.welcome.ICEServers {
			cfg.ICEServers = append(cfg.ICEServers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
		}
	}
	if c.opts.RelayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	return cfg
}

func (c *Client) newPC(target string) (*webrtc.PeerConnection, error) {
	pc, err := c.api.NewPeerConnection(c.rtcConfig())
	if err != nil {
		return nil, fmt.Errorf("new %s peer connection: %w", target, err)
	}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return
		}
		init := cand.ToJSON()
		c.sigMu.Lock()
		defer c.sigMu.Unlock()
		_ = c.Send(c.ctx, map[string]any{"type": protocol.TypeCandidate, "target": target,
			"candidate": init})
	})
	return pc, nil
}

func (c *Client) newSub(onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) error {
	pc, err := c.newPC(protocol.TargetSubscriber)
	if err != nil {
		return err
	}
	if onTrack != nil {
		pc.OnTrack(onTrack)
	}
	c.mu.Lock()
	c.sub = pc
	c.mu.Unlock()
	return nil
}

func (c *Client) readLoop() {
	defer c.wg.Done()
	defer c.cancel()
	for {
		m, err := c.read(c.ctx)
		if err != nil {
			return
		}
		switch m.Type {
		case protocol.TypeOffer:
			c.onOffer(m.SDP)
		case protocol.TypeAnswer:
			c.onAnswer(m.SDP)
		case protocol.TypeCandidate:
			c.onCandidate(m)
		default:
			select {
			case c.events <- m:
			default:
			}
		}
	}
}

func (c *Client) onOffer(sdp string) {
	c.mu.Lock()
	pc := c.sub
	c.mu.Unlock()
	if pc == nil {
		return
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return
	}
	c.flushQueue(protocol.TargetSubscriber, pc)
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return
	}
	c.sigMu.Lock()
	defer c.sigMu.Unlock()
	if pc.SetLocalDescription(answer) == nil {
		_ = c.Send(c.ctx, map[string]string{"type": protocol.TypeAnswer, "sdp": answer.SDP})
	}
}

func (c *Client) onAnswer(sdp string) {
	c.mu.Lock()
	pc := c.pub
	c.mu.Unlock()
	if pc == nil {
		return
	}
	if pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}) == nil {
		c.flushQueue(protocol.TargetPublisher, pc)
	}
	select {
	case c.answers <- sdp:
	default:
	}
}

func (c *Client) onCandidate(m protocol.ServerMessage) {
	if m.Candidate == nil {
		return
	}
	if c.onCand != nil {
		c.onCand(m.Target, *m.Candidate)
	}
	init := webrtc.ICECandidateInit{Candidate: m.Candidate.Candidate, SDPMid: m.Candidate.SDPMid,
		SDPMLineIndex: m.Candidate.SDPMLineIndex, UsernameFragment: m.Candidate.UsernameFragment}
	c.mu.Lock()
	pc := c.sub
	if m.Target == protocol.TargetPublisher {
		pc = c.pub
	}
	if pc == nil || pc.RemoteDescription() == nil {
		c.queue[m.Target] = append(c.queue[m.Target], init)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	_ = pc.AddICECandidate(init)
}

func (c *Client) flushQueue(target string, pc *webrtc.PeerConnection) {
	c.mu.Lock()
	q := c.queue[target]
	delete(c.queue, target)
	c.mu.Unlock()
	for _, init := range q {
		_ = pc.AddICECandidate(init)
	}
}

// Publish sends tracks to the server on the publisher connection and waits
// for the server's answer. sources maps a track id to microphone, camera or
// screen (optional). Tracks with a RID that follow a track of the same id are
// that track's further simulcast encodings (lowest first, as a browser lists
// them). The returned senders' RTCP is drained by the client.
func (c *Client) Publish(ctx context.Context, sources map[string]string, tracks ...webrtc.TrackLocal) ([]*webrtc.RTPSender, error) {
	pc, err := c.publisherPC()
	if err != nil {
		return nil, err
	}
	senders := make([]*webrtc.RTPSender, 0, len(tracks))
	var prev webrtc.TrackLocal
	for _, t := range tracks {
		if prev != nil && t.RID() != "" && prev.ID() == t.ID() {
			last := senders[len(senders)-1]
			if err := last.AddEncoding(t); err != nil {
				return nil, fmt.Errorf("add encoding %s of %s: %w", t.RID(), t.ID(), err)
			}
			c.wg.Add(1)
			go c.drainRTCP(t.ID(), t.RID(), last)
			continue
		}
		tr, err := pc.AddTransceiverFromTrack(t, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return nil, fmt.Errorf("add track %s: %w", t.ID(), err)
		}
		senders = append(senders, tr.Sender())
		prev = t
		c.wg.Add(1)
		go c.drainRTCP(t.ID(), t.RID(), tr.Sender())
	}
	if err := c.offer(ctx, pc, sources, nil); err != nil {
		return nil, err
	}
	return senders, nil
}

func (c *Client) publisherPC() (*webrtc.PeerConnection, error) {
	c.mu.Lock()
	pc := c.pub
	c.mu.Unlock()
	if pc != nil {
		return pc, nil
	}
	pc, err := c.newPC(protocol.TargetPublisher)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.pub = pc
	c.mu.Unlock()
	return pc, nil
}

func (c *Client) offer(ctx context.Context, pc *webrtc.PeerConnection, sources map[string]string, opts *webrtc.OfferOptions) error {
	offer, err := pc.CreateOffer(opts)
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	c.sigMu.Lock()
	if err := pc.SetLocalDescription(offer); err != nil {
		c.sigMu.Unlock()
		return fmt.Errorf("set offer: %w", err)
	}
	err = c.Send(ctx, map[string]any{"type": protocol.TypeOffer, "sdp": offer.SDP, "sources": sources})
	c.sigMu.Unlock()
	if err != nil {
		return err
	}
	select {
	case <-c.answers:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for answer: %w", ctx.Err())
	case <-c.ctx.Done():
		return fmt.Errorf("wait for answer: connection closed")
	}
}

// drainRTCP reads a sender's RTCP (of one simulcast encoding when rid is set).
func (c *Client) drainRTCP(id, rid string, s *webrtc.RTPSender) {
	defer c.wg.Done()
	for {
		var pkts []rtcp.Packet
		var err error
		if rid != "" {
			pkts, _, err = s.ReadSimulcastRTCP(rid)
		} else {
			pkts, _, err = s.ReadRTCP()
		}
		if err != nil {
			return
		}
		switch {
		case rid != "" && c.opts.OnSimulcastRTCP != nil:
			c.opts.OnSimulcastRTCP(id, rid, pkts)
		case c.onRTCP != nil:
			c.onRTCP(id, pkts)
		}
	}
}

// PublisherPC returns the publisher peer connection, or nil before Publish.
func (c *Client) PublisherPC() *webrtc.PeerConnection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pub
}

// Unpublish stops sending a published track and renegotiates.
func (c *Client) Unpublish(ctx context.Context, sender *webrtc.RTPSender) error {
	pc := c.PublisherPC()
	if pc == nil {
		return fmt.Errorf("unpublish: nothing published")
	}
	if err := pc.RemoveTrack(sender); err != nil {
		return fmt.Errorf("remove track: %w", err)
	}
	return c.offer(ctx, pc, nil, nil)
}

// RestartICE restarts ICE on both peer connections without leaving the session, as a
// browser does when its network changed: the publisher connection with an offer that
// restarts ICE (it returns once the server answered it), the subscriber connection by
// asking the server for such an offer (restart_ice), which the client answers as any other.
func (c *Client) RestartICE(ctx context.Context) error {
	if pc := c.PublisherPC(); pc != nil {
		if err := c.offer(ctx, pc, nil, &webrtc.OfferOptions{ICERestart: true}); err != nil {
			return fmt.Errorf("restart publisher ICE: %w", err)
		}
	}
	if c.SubscriberPC() == nil {
		return nil
	}
	if err := c.Send(ctx, map[string]string{"type": protocol.TypeRestartICE}); err != nil {
		return fmt.Errorf("ask for a subscriber ICE restart: %w", err)
	}
	return nil
}

// SubscriberPC returns the subscriber peer connection, or nil without the subscribe grant.
func (c *Client) SubscriberPC() *webrtc.PeerConnection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sub
}
