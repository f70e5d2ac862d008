// playback: synchronized playback of a record's recordings. Every recording gets its own
// <video>, side by side, all on one timeline (milliseconds from the recording timeline's time
// zero): a recording starting start_offset_ms into the timeline plays while the timeline is
// between its start and end and stays paused and blank outside it. One play/pause and one
// scrubber drive them all; each signature is a mark on the scrubber that jumps there.
//
// The timeline runs on the page's clock; every tick each playing video is brought to it, by
// nudging its playback rate for a small drift and seeking for a large one. While any video
// that should play is still loading or seeking, the clock waits, so none runs ahead.
// Media comes from the playback endpoint's signed URLs (the browser fetches ranges itself);
// they expire, so they are fetched again a minute before expires_at, and at once when a video
// fails to load.

const TICK_MS = 50;
const SEEK_MS = 300; // a drift larger than this is a seek, a smaller one a rate nudge
const NUDGE_MS = 25; // below this drift the rate is 1
const REFRESH_EARLY_MS = 60000;

export class SyncPlayer {
  // fetchPlayback() returns the playback endpoint's answer; lane(item, video) builds the
  // element that holds a video (its label); onChange() is told of every state change.
  constructor({ fetchPlayback, lane, onChange = () => {}, onError = () => {} }) {
    this.fetchPlayback = fetchPlayback;
    this.lane = lane;
    this.onChange = onChange;
    this.onError = onError;
    this.items = [];
    this.marks = [];
    this.videos = [];
    this.total = 0;
    this.pos = 0; // timeline position in ms when not playing, or at baseWall when playing
    this.baseWall = 0;
    this.playing = false;
    this.waiting = false;
    this.timer = 0;
    this.refreshTimer = 0;
    this.loading = null;
  }

  // layout takes the record's recordings (before any media is fetched) so the timeline, its
  // length and the lanes exist at once.
  layout(recordings, marks) {
    this.items = recordings.map((r) => ({ ...r, recording_id: r.recording_id || r.id }));
    this.marks = marks;
    this.total = Math.max(0, ...this.items.map((i) => i.start_offset_ms + i.duration_ms), ...marks.map((m) => m.offset_ms || 0));
    this.videos = this.items.map((item) => {
      const v = document.createElement("video");
      v.preload = "metadata";
      v.playsInline = true;
      v.dataset.recordingId = item.recording_id;
      v.dataset.startOffsetMs = String(item.start_offset_ms);
      v.addEventListener("error", () => this.mediaFailed());
      return { item, video: v, holder: this.lane(item, v) };
    });
    this.tick();
    return this.videos.map((x) => x.holder);
  }

  // position is the timeline position now, in ms.
  position() {
    if (!this.playing || this.waiting) return this.pos;
    return Math.min(this.total, this.pos + (performance.now() - this.baseWall));
  }

  // ensureMedia fetches the signed URLs once (and again when they expire) and gives every
  // video its source.
  ensureMedia() {
    if (!this.loading) this.loading = this.loadMedia().catch((err) => { this.loading = null; throw err; });
    return this.loading;
  }

  async loadMedia() {
    const pb = await this.fetchPlayback();
    const byID = new Map((pb.items || []).map((i) => [i.recording_id, i]));
    for (const x of this.videos) {
      const it = byID.get(x.item.recording_id);
      if (!it) continue;
      Object.assign(x.item, { start_offset_ms: it.start_offset_ms, duration_ms: it.duration_ms });
      x.video.dataset.startOffsetMs = String(it.start_offset_ms);
      const at = x.video.currentTime;
      x.video.preload = "auto";
      x.video.src = it.url;
      if (at) x.video.currentTime = at;
    }
    if (pb.marks && pb.marks.length) this.marks = pb.marks;
    clearTimeout(this.refreshTimer);
    const left = new Date(pb.expires_at).getTime() - Date.now() - REFRESH_EARLY_MS;
    this.refreshTimer = setTimeout(() => this.refresh(), Math.max(5000, left));
    this.update();
  }

  // refresh fetches new URLs before the old ones expire (or after one failed), keeping the
  // place and the play state.
  refresh() {
    this.loading = this.loadMedia().catch((err) => { this.loading = null; this.onError(err); });
    return this.loading;
  }

  mediaFailed() {
    if (this.refreshing || this.closed) return;
    this.refreshing = true;
    const keep = this.position();
    this.hold();
    this.refresh().finally(() => {
      this.refreshing = false;
      this.pos = keep;
      if (this.playing) this.baseWall = performance.now();
      this.tick();
    });
  }

  async play() {
    if (this.playing) return;
    if (this.position() >= this.total) this.pos = 0;
    await this.ensureMedia();
    this.playing = true;
    this.waiting = true; // starts once every video due now can play
    this.update();
    this.start();
    this.tick();
  }

  pause() {
    this.pos = this.position();
    this.playing = false;
    this.waiting = false;
    this.hold();
    this.tick();
    this.stop();
  }

  toggle() { return this.playing ? this.pause() : this.play(); }

  // seek moves every video to timeline position ms.
  async seek(ms) {
    this.pos = Math.max(0, Math.min(this.total, ms));
    if (this.playing) {
      this.waiting = true;
      this.hold();
    }
    this.update();
    await this.ensureMedia();
    this.tick();
  }

  start() {
    if (!this.timer) this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
  }

  // close stops everything and lets the media go.
  close() {
    this.closed = true;
    this.stop();
    clearTimeout(this.refreshTimer);
    this.playing = false;
    for (const x of this.videos) {
      x.video.pause();
      x.video.removeAttribute("src");
      x.video.load();
    }
  }

  hold() {
    for (const x of this.videos) if (!x.video.paused) x.video.pause();
  }

  // tick brings each video to the timeline position and advances the clock.
  tick() {
    let pos = this.position();
    if (this.playing && !this.waiting && pos >= this.total) {
      this.pos = pos = this.total;
      this.playing = false;
      this.stop();
    }
    let notReady = false;
    for (const x of this.videos) {
      if (!this.place(x, pos)) notReady = true;
    }
    if (this.playing && this.waiting && !notReady) {
      this.waiting = false;
      this.baseWall = performance.now();
      for (const x of this.videos) if (x.active) x.video.play().catch(() => {});
    } else if (this.playing && !this.waiting && notReady) {
      this.pos = pos;
      this.waiting = true;
      this.hold();
    }
    this.update();
  }

  // place puts one video where the timeline is; it says whether the video is ready there.
  place(x, pos) {
    const v = x.video;
    const local = pos - x.item.start_offset_ms;
    x.active = local >= 0 && local < x.item.duration_ms;
    x.holder.dataset.active = String(x.active);
    x.holder.dataset.phase = local < 0 ? "before" : x.active ? "on" : "after";
    if (!x.active) {
      if (!v.paused) v.pause();
      if (v.readyState >= 1 && local < 0 && v.currentTime !== 0) v.currentTime = 0;
      return true;
    }
    if (!v.src || v.readyState < 1) return false;
    const drift = v.currentTime * 1000 - local;
    if (Math.abs(drift) > (this.playing && !this.waiting ? SEEK_MS : 40)) {
      v.currentTime = local / 1000;
      v.playbackRate = 1;
      return false;
    }
    if (this.playing && !this.waiting) {
      if (v.paused) v.play().catch(() => {});
      v.playbackRate = Math.abs(drift) < NUDGE_MS ? 1 : Math.max(0.85, Math.min(1.15, 1 - drift / 1000));
    }
    return !v.seeking && v.readyState >= 3;
  }

  update() { this.onChange(this); }
}

// clockText writes ms as m:ss (h:mm:ss past an hour).
export function clockText(ms) {
  const s = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0");
}
