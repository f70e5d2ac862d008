// ceremony: the browser side of the ceremony signaling protocol (docs/signaling.md).
// One WebSocket, a publisher peer connection (the client offers) and a subscriber peer
// connection (the server offers), trickle ICE both ways, ICE restart when the network
// changes or the media path fails, reconnection with back-off when the socket drops.
// It knows nothing of the page: everything it learns goes to onEvent(type, message).

const RECONNECT_REASONS = new Set(["shutdown", "connection_failed", "connection_lost"]);
const MAX_RETRIES = 8;
// Errors answering join: the server closes the socket and retrying cannot help.
const JOIN_ERRORS = new Set(["unauthorized", "not_joined", "forbidden", "room_full", "join_timeout", "removed"]);
// ICE restart (docs/signaling.md, "ICE restart"): a connection disconnected or failed for
// ICE_GRACE_MS, or on which nothing arrived for SILENCE_MS (the server sends ICE keepalives
// every 0.5 s and RTCP on each connection; browsers call a connection disconnected only
// after about 5 s), restarts ICE on both connections; a restart not connected again within
// RESTART_MS is retried, and after MAX_RESTARTS the socket is reconnected instead.
const ICE_GRACE_MS = 500;
const SILENCE_MS = 2000;
const SILENCE_CHECK_MS = 500;
const RESTART_MS = 10000;
const MAX_RESTARTS = 3;
const ICE_DOWN = new Set(["disconnected", "failed"]);
const ICE_UP = new Set(["connected", "completed"]);

export class Ceremony {
  // stream: the local camera and microphone (may be null); onEvent(type, msg) receives every
  // server event plus "remote_track", "connection" and "closed".
  constructor({ agreementId, token, stream, onEvent }) {
    this.agreementId = agreementId;
    this.token = token;
    this.stream = stream;
    this.onEvent = onEvent;
    this.retries = 0;
    this.closed = false;
    this.self = null;
    this.restarts = 0;
    this.restarting = false;
    this.restartAt = 0;
    this.heard = new Map(); // per connection: what it had received, and when that last grew
    this.renegotiating = new Set(); // connections whose restart offer is not answered yet
    // A new network (online again, another Wi-Fi or cellular link) restarts ICE at once.
    this.onNetwork = () => this.restartICE();
  }

  start() {
    this.closed = false;
    window.addEventListener("online", this.onNetwork);
    navigator.connection?.addEventListener?.("change", this.onNetwork);
    this.connect();
  }

  stopWatchingNetwork() {
    window.removeEventListener("online", this.onNetwork);
    navigator.connection?.removeEventListener?.("change", this.onNetwork);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/api/agreements/${encodeURIComponent(this.agreementId)}/ceremony/ws`);
    this.ws = ws;
    this.queue = Promise.resolve();
    this.sending = Promise.resolve();
    this.bye = null;
    this.welcomed = false;
    this.onEvent("connection", { state: this.retries ? "reconnecting" : "connecting" });
    ws.onopen = () => this.send({ type: "join", token: this.token });
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      // One message at a time, so a candidate never overtakes its description.
      this.queue = this.queue.then(() => this.handle(m)).catch((err) => console.error("signaling", m.type, err));
    };
    ws.onclose = () => { if (this.ws === ws) this.queue = this.queue.then(() => this.onClose()); };
    clearInterval(this.pinger);
    this.pinger = setInterval(() => this.send({ type: "ping" }), 20000);
  }

  send(m) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  async handle(m) {
    const h = HANDLERS[m.type];
    if (h) await h(this, m);
    else this.onEvent(m.type, m);
  }

  async onWelcome(m) {
    this.retries = 0;
    this.welcomed = true;
    this.self = m.self;
    const cfg = { iceServers: m.ice_servers || [] };
    this.cfg = cfg;
    this.described = { publisher: false, subscriber: false };
    this.pending = { publisher: [], subscriber: [] };
    this.onEvent("welcome", m);
    this.onEvent("connection", { state: "connected" });
    clearInterval(this.silence);
    this.silence = setInterval(() => this.checkSilence(), SILENCE_CHECK_MS);
    if (m.self.grants.subscribe) this.sub = this.peer("subscriber", cfg);
    if (m.self.grants.publish && this.stream && this.stream.getTracks().length) await this.publish(cfg);
  }

  peer(target, cfg) {
    const pc = new RTCPeerConnection(cfg);
    pc.onicecandidate = (e) => {
      if (!e.candidate || !e.candidate.candidate) return;
      const msg = { type: "candidate", target, candidate: e.candidate.toJSON() };
      if (this.described[target]) this.send(msg);
      else this.pending[target].push(msg);
    };
    pc.oniceconnectionstatechange = () => this.watchICE();
    if (target === "subscriber") {
      pc.ontrack = (e) => this.onEvent("remote_track", { stream: e.streams[0], track: e.track });
    }
    return pc;
  }

  async publish(cfg) {
    this.pub = this.peer("publisher", cfg);
    const tracks = this.stream.getTracks();
    for (const track of tracks) this.pub.addTransceiver(track, sendInit(track, this.stream));
    await this.offer(tracks);
    this.flush("publisher");
  }

  // offer sends the publisher connection's offer, naming the source of each new track, and
  // the mute state of those that are off.
  async offer(tracks) {
    const sources = {};
    for (const track of tracks) sources[track.id] = track.kind === "audio" ? "microphone" : "camera";
    await this.pub.setLocalDescription();
    this.send({ type: "offer", sdp: this.pub.localDescription.sdp, sources });
    for (const track of tracks) {
      if (!track.enabled) this.send({ type: "mute", source: sources[track.id], muted: true });
    }
  }

  // setStream makes stream the local media the call sends, without rejoining: a track of a
  // kind already sent replaces it on its sender; a track of a kind not sent yet (a device
  // allowed or plugged in after Join) is added and offered again on the publisher
  // connection, which the first one opens. It resolves to the tracks now sent. Before the
  // welcome (or while reconnecting) the stream is kept for the next welcome to publish.
  setStream(stream) {
    this.stream = stream;
    const done = this.sending.then(() => this.sendStream());
    this.sending = done.catch((err) => console.error("send stream", err));
    return done;
  }

  async sendStream() {
    if (!this.welcomed || !this.self?.grants.publish || !this.stream) return [];
    if (!this.pub) {
      if (this.stream.getTracks().length) await this.publish(this.cfg);
    } else {
      const added = [];
      for (const track of this.stream.getTracks()) {
        const sender = this.pub.getSenders().find((s) => s.track && s.track.kind === track.kind);
        if (sender && sender.track !== track) await sender.replaceTrack(track);
        if (sender) continue;
        this.pub.addTransceiver(track, sendInit(track, this.stream));
        added.push(track);
      }
      if (added.length) await this.offer(added);
    }
    // One offer at a time: the next change waits for the server's answer.
    if (this.pub) await answered(this.pub);
    return (this.pub?.getSenders() || []).map((s) => s.track).filter(Boolean);
  }

  // watchICE restarts ICE once a connection stayed down for the grace period, and ends a
  // restart when both connections renegotiated and are up again.
  watchICE() {
    const pcs = [this.pub, this.sub].filter(Boolean);
    const heardSince = (pc) => (this.heard.get(pc)?.at ?? 0) > this.restartAt;
    const down = pcs.some((pc) => ICE_DOWN.has(pc.iceConnectionState));
    if (!down) {
      clearTimeout(this.iceTimer);
      this.iceTimer = null;
    } else if (!this.iceTimer && !this.restarting) {
      this.iceTimer = setTimeout(() => { this.iceTimer = null; this.restartICE(); }, ICE_GRACE_MS);
    }
    if (this.restarting && !this.renegotiating.size && pcs.every((pc) => ICE_UP.has(pc.iceConnectionState) && heardSince(pc))) {
      this.restarting = false;
      this.restarts = 0;
      clearTimeout(this.restartTimer);
      this.onEvent("connection", { state: "connected" });
    }
  }

  // restartICE restarts ICE on both connections without leaving the session: the publisher
  // with its own offer, the subscriber by asking the server for one (restart_ice).
  restartICE() {
    if (this.closed || !this.welcomed || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (!this.pub && !this.sub) return;
    if (this.restarts >= MAX_RESTARTS) {
      this.ws.close(); // onClose reconnects the socket, which replaces the session
      return;
    }
    this.restarts++;
    if (!this.restarting) {
      this.restarting = true;
      this.onEvent("connection", { state: "reconnecting" });
    }
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.restartICE(), RESTART_MS);
    this.restartAt = performance.now();
    this.renegotiating = new Set([this.pub && "publisher", this.sub && "subscriber"].filter(Boolean));
    if (this.sub) this.send({ type: "restart_ice" });
    if (this.pub) {
      const pc = this.pub;
      this.sending = this.sending.then(() => restartPublisher(this, pc)).catch((err) => console.error("ice restart", err));
    }
  }

  // checkSilence follows what each connected connection receives and restarts ICE when one
  // heard nothing for SILENCE_MS; while a restart runs it tells watchICE when both hear again.
  async checkSilence() {
    if (this.checking) return;
    this.checking = true;
    try {
      const now = performance.now();
      for (const pc of [this.pub, this.sub]) {
        if (!pc || !ICE_UP.has(pc.iceConnectionState)) continue;
        const { pair, n } = await selectedReceived(pc);
        const last = this.heard.get(pc);
        if (!last || pair !== last.pair) this.heard.set(pc, { pair, n, at: last?.at ?? now });
        else if (n > last.n) this.heard.set(pc, { pair, n, at: now });
        else if (now - last.at > SILENCE_MS && !this.restarting) this.restartICE();
      }
      if (this.restarting) this.watchICE();
    } finally {
      this.checking = false;
    }
  }

  // restarted notes that a connection's restart offer was answered.
  restarted(target) {
    if (this.renegotiating.delete(target)) this.watchICE();
  }

  flush(target) {
    this.described[target] = true;
    for (const msg of this.pending[target].splice(0)) this.send(msg);
  }

  async onOffer(m) {
    if (!this.sub) return;
    await this.sub.setRemoteDescription({ type: "offer", sdp: m.sdp });
    await this.sub.setLocalDescription();
    this.send({ type: "answer", sdp: this.sub.localDescription.sdp });
    this.flush("subscriber");
    this.restarted("subscriber");
  }

  async onCandidate(m) {
    const pc = m.target === "publisher" ? this.pub : this.sub;
    if (!pc || !m.candidate) return;
    try {
      await pc.addIceCandidate(m.candidate);
    } catch (err) {
      console.warn("candidate refused", err);
    }
  }

  onError(m) {
    if (!this.welcomed && JOIN_ERRORS.has(m.code)) {
      this.closed = true;
      this.bye = m.code;
    }
    this.onEvent("error", m);
  }

  onBye(m) {
    // A refused join is followed by bye "refused": the error before it says why (removed,
    // room_full...), so it is kept.
    if (!(m.reason === "refused" && !this.welcomed && this.bye)) this.bye = m.reason;
    if (!RECONNECT_REASONS.has(m.reason)) this.closed = true;
    this.onEvent("bye", m);
  }

  onClose() {
    this.teardown();
    if (this.closed || this.retries >= MAX_RETRIES) {
      this.closed = true;
      this.stopWatchingNetwork();
      this.onEvent("closed", { reason: this.bye || (this.self ? "connection_lost" : "unreachable") });
      return;
    }
    const delay = Math.min(15000, 1000 * 2 ** this.retries) * (0.75 + Math.random() / 2);
    this.retries++;
    this.onEvent("connection", { state: "reconnecting" });
    setTimeout(() => this.connect(), delay);
  }

  teardown() {
    clearInterval(this.pinger);
    clearInterval(this.silence);
    this.heard.clear();
    clearTimeout(this.iceTimer);
    clearTimeout(this.restartTimer);
    this.iceTimer = null;
    this.restarting = false;
    this.restarts = 0;
    this.renegotiating.clear();
    for (const pc of [this.pub, this.sub]) if (pc) pc.close();
    this.pub = this.sub = null;
  }

  // setMuted sends the participant's own mute state of a source.
  setMuted(source, muted) { this.send({ type: "mute", source, muted }); }

  muteParticipant(participant, source = "microphone") { this.send({ type: "mute_participant", participant, source }); }

  removeParticipant(participant) { this.send({ type: "remove_participant", participant }); }

  // setView shares the host's document view (document id, page from 1).
  setView(document, page) { this.send({ type: "view", document, page }); }

  leave() {
    this.closed = true;
    this.stopWatchingNetwork();
    this.send({ type: "leave" });
  }

  // quality samples round-trip time (ms) and packet loss (%) of both connections.
  async quality() {
    const out = { rtt: null, loss: null };
    const prev = this.lastCounts || { lost: 0, received: 0 };
    const now = { lost: 0, received: 0 };
    let fraction = null;
    for (const pc of [this.pub, this.sub]) {
      if (!pc) continue;
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded" && s.currentRoundTripTime !== undefined) {
          out.rtt = Math.max(out.rtt ?? 0, s.currentRoundTripTime * 1000);
        }
        if (s.type === "inbound-rtp") {
          now.lost += Math.max(0, s.packetsLost || 0);
          now.received += s.packetsReceived || 0;
        }
        if (s.type === "remote-inbound-rtp" && s.fractionLost !== undefined) {
          fraction = Math.max(fraction ?? 0, s.fractionLost);
        }
      });
    }
    this.lastCounts = now;
    const lost = now.lost - prev.lost, received = now.received - prev.received;
    if (lost + received > 0) out.loss = (100 * Math.max(0, lost)) / (lost + received);
    if (fraction !== null) out.loss = Math.max(out.loss ?? 0, fraction * 100);
    return out;
  }
}

// answered resolves once pc has the answer to its offer (or is closed: a reconnection
// starts a new chain of changes).
function answered(pc) {
  return new Promise((resolve) => {
    const check = () => {
      if (pc.signalingState !== "stable" && pc.signalingState !== "closed") return;
      pc.removeEventListener("signalingstatechange", check);
      resolve();
    };
    pc.addEventListener("signalingstatechange", check);
    check();
  });
}

// selectedReceived returns a connection's selected candidate pair and what arrived on it so
// far: bytes, and STUN requests and responses (the server's keepalives). Media goes over the
// selected pair only, so a pair that stopped receiving is a dead path even while the browser
// still calls the connection connected, and a new pair counts from its own zero.
async function selectedReceived(pc) {
  const stats = await pc.getStats();
  let pair = "", n = 0;
  stats.forEach((s) => {
    const p = s.type === "transport" && s.selectedCandidatePairId && stats.get(s.selectedCandidatePairId);
    if (!p) return;
    pair += p.id;
    n += (p.bytesReceived || 0) + (p.requestsReceived || 0) + (p.responsesReceived || 0);
  });
  return { pair, n };
}

// restartPublisher sends the publisher connection's ICE restart offer once its previous offer
// was answered, and waits for the answer.
async function restartPublisher(c, pc) {
  await answered(pc);
  if (c.pub !== pc || pc.signalingState === "closed") return;
  await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
  c.send({ type: "offer", sdp: pc.localDescription.sdp });
  await answered(pc);
  c.restarted("publisher");
}

// HANDLERS answer the protocol messages that drive the connections; every other message
// goes to onEvent as it is.
const HANDLERS = {
  welcome: (c, m) => c.onWelcome(m),
  answer: (c, m) => c.pub && c.pub.setRemoteDescription({ type: "answer", sdp: m.sdp }),
  offer: (c, m) => c.onOffer(m),
  candidate: (c, m) => c.onCandidate(m),
  pong: () => {},
  bye: (c, m) => c.onBye(m),
  error: (c, m) => c.onError(m),
};

// Camera video goes out in three VP8 simulcast layers (docs/signaling.md, "Simulcast"): a
// quarter, half and the full size. The SFU forwards each subscriber the layer its downlink
// affords. Audio goes out as one stream.
const cameraLayers = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "f", scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

function sendInit(track, stream) {
  const init = { direction: "sendonly", streams: [stream] };
  if (track.kind === "video") init.sendEncodings = cameraLayers.map((l) => ({ ...l }));
  return init;
}
