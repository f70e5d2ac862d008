// stage: the video tiles of a ceremony, grouped by venue, with mute flags, the active
// speaker highlight and the host's actions on other participants' tiles.
import { apply, setText, localized, t } from "./i18n.js";

const OTHER_VENUE = "";
// SETTLE_MS: how long a participant who may publish has to publish before its tile says
// "no camera" / "no microphone".
const SETTLE_MS = 4000;

export class Stage {
  // agreement: from GET /api/join (venues, participants' titles and parties); actions:
  // {mute(pid), remove(pid)}. observers: the element listing participants without media.
  constructor(root, template, agreement, actions, observers) {
    this.root = root;
    this.template = template;
    this.venues = agreement.venues || [];
    this.people = agreement.participants || [];
    this.parties = agreement.parties || [];
    this.actions = actions;
    this.observersEl = observers;
    this.observers = new Map(); // participant id -> {participant, li}
    this.tiles = new Map(); // participant id -> tile
    this.sections = new Map(); // venue id -> section element
    this.host = false;
  }

  // reset rebuilds the stage from a welcome message and the local stream.
  reset(welcome, localStream) {
    this.root.replaceChildren();
    this.tiles.clear();
    this.observers.clear();
    this.listObservers();
    this.sections.clear();
    this.selfId = welcome.self.id;
    this.selfVenue = welcome.self.venue_id || OTHER_VENUE;
    this.host = !!welcome.self.grants.host;
    this.upsert(welcome.self, true);
    if (localStream) this.attach(welcome.self.id, localStream, true);
    for (const p of welcome.participants || []) this.upsert(p, false);
    for (const tr of welcome.tracks || []) this.trackState(tr.participant, tr.source, true, tr.muted);
  }

  section(venueId) {
    let sec = this.sections.get(venueId);
    if (sec) return sec;
    sec = document.createElement("section");
    sec.className = "venue";
    sec.dataset.venueId = venueId;
    const h = document.createElement("h2");
    h.className = "venue-name";
    const grid = document.createElement("div");
    grid.className = "tiles";
    sec.append(h, grid);
    this.sections.set(venueId, sec);
    this.labelVenue(sec);
    const order = [this.selfVenue, ...this.venues.map((v) => v.id), OTHER_VENUE];
    const rank = (id) => { const i = order.indexOf(id); return i < 0 ? order.length : i; };
    const after = [...this.root.children].find((s) => rank(s.dataset.venueId) > rank(venueId));
    this.root.insertBefore(sec, after || null);
    return sec;
  }

  labelVenue(sec) {
    const v = this.venues.find((x) => x.id === sec.dataset.venueId);
    const h = sec.querySelector(".venue-name");
    if (v) {
      delete h.dataset.i18n;
      h.textContent = localized(v.name) + (v.place ? " · " + v.place : "");
    } else {
      setText(h, "venue.other");
    }
  }

  // upsert adds a participant's tile or updates it (a reconnect replaces, never duplicates).
  // Participants who send no media (observers) are listed, not tiled.
  upsert(p, self) {
    if (p.grants && p.grants.publish === false) return this.observe(p, self);
    let tile = this.tiles.get(p.id);
    if (!tile) {
      const el = this.template.content.firstElementChild.cloneNode(true);
      apply(el); // template content is not part of the document the catalog translated
      tile = { el, video: el.querySelector("video"), muted: {}, published: {}, settled: self };
      // Others' tracks follow their join by a moment: mark "no camera" only after it.
      if (!self) setTimeout(() => { tile.settled = true; this.refresh(tile); }, SETTLE_MS);
      el.dataset.participantId = p.id;
      el.querySelector(".host-mute").addEventListener("click", () => this.actions.mute(p.id));
      el.querySelector(".host-remove").addEventListener("click", (e) => this.armRemove(e.currentTarget, p.id));
      this.tiles.set(p.id, tile);
    }
    tile.participant = p;
    const el = tile.el;
    el.classList.toggle("self", self);
    if (self) { tile.video.muted = true; el.dataset.self = "true"; }
    el.querySelector(".tile-name").textContent = p.name + (self ? " " + t("tile.you") : "");
    el.querySelector(".tile-title").textContent = this.standing(p.id);
    setText(el.querySelector(".tile-role"), "role." + p.role);
    // Screen readers hear whom the host's buttons act on.
    el.querySelector(".host-mute").setAttribute("aria-label", t("host.mute_named", { name: p.name }));
    const rm = el.querySelector(".host-remove");
    rm.setAttribute("aria-label", t(rm.dataset.armed ? "host.remove_confirm_named" : "host.remove_named", { name: p.name }));
    el.querySelector(".avatar").textContent = initials(p.name);
    el.querySelector(".host-actions").hidden = !this.host || self;
    for (const [source, m] of Object.entries(p.muted || {})) this.setMuted(p.id, source, m);
    tile.unreachable = p.unreachable || "";
    const venue = p.venue_id || OTHER_VENUE;
    const grid = this.section(venue).querySelector(".tiles");
    if (el.parentElement !== grid) grid.append(el);
    this.refresh(tile);
    return tile;
  }

  // standing is a participant's title and party, as the agreement names them.
  standing(id) {
    const who = this.people.find((x) => x.id === id);
    if (!who) return "";
    const party = this.parties.find((x) => x.id === who.party_id);
    return [who.title, party ? localized(party.name) : ""].filter(Boolean).join(" · ");
  }

  observe(p, self) {
    const o = this.observers.get(p.id) || { li: document.createElement("li") };
    o.participant = p;
    o.li.dataset.participantId = p.id;
    const standing = this.standing(p.id);
    o.li.textContent = p.name + (self ? " " + t("tile.you") : "") + (standing ? " — " + standing : "");
    this.observers.set(p.id, o);
    this.listObservers();
  }

  listObservers() {
    if (!this.observersEl) return;
    const ul = this.observersEl.querySelector("ul");
    ul.replaceChildren(...[...this.observers.values()].map((o) => o.li));
    setText(this.observersEl.querySelector("h3"), "ceremony.observers", { n: this.observers.size });
    this.observersEl.hidden = this.observers.size === 0;
  }

  remove(id) {
    if (this.observers.delete(id)) this.listObservers();
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.el.remove();
    this.tiles.delete(id);
    for (const [vid, sec] of this.sections) {
      if (!sec.querySelector(".tile")) { sec.remove(); this.sections.delete(vid); }
    }
  }

  // attach shows a media stream on a participant's tile; a screen share gets its own video.
  attach(id, stream, local = false) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    let video = tile.video;
    if (!local && stream.id.endsWith("/screen")) video = screenVideo(tile);
    // The own stream is set again when it changed in place (a device added after Join).
    if (video.srcObject !== stream || local) {
      video.srcObject = stream;
      if (!local) watchFirstFrame(video);
    }
    video.play().catch(() => { video.muted = true; video.play().catch(() => {}); });
    if (local) {
      tile.published.camera = stream.getVideoTracks().length > 0;
      tile.published.microphone = stream.getAudioTracks().length > 0;
    }
    this.refresh(tile);
  }

  trackState(id, source, published, muted) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.published[source] = published;
    if (muted !== undefined) tile.muted[source] = muted;
    if (!published && source === "screen") tile.el.querySelector("video.screen")?.remove();
    this.refresh(tile);
  }

  setMuted(id, source, muted) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.muted[source] = muted;
    this.refresh(tile);
  }

  // setPresence marks a participant the server cannot reach: reason "network" or "media",
  // "" when it is present again (docs/signaling.md, presence).
  setPresence(id, reason) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.unreachable = reason || "";
    tile.participant = { ...tile.participant, unreachable: tile.unreachable || undefined };
    this.refresh(tile);
  }

  refresh(tile) {
    const el = tile.el;
    const flag = el.querySelector(".tile-unreachable");
    flag.hidden = !tile.unreachable;
    if (tile.unreachable) setText(flag, tile.unreachable === "media" ? "tile.unreachable_media" : "tile.unreachable_network");
    el.toggleAttribute("data-unreachable", !!tile.unreachable);
    if (tile.unreachable) el.dataset.unreachable = tile.unreachable;
    const micOff = !!tile.muted.microphone;
    const camOff = !!tile.muted.camera || !tile.published.camera;
    const publisher = tile.settled && tile.participant?.grants?.publish !== false;
    const noCam = publisher && !tile.published.camera, noMic = publisher && !tile.published.microphone;
    // "Muted" or "camera off" says nothing more once the tile says there is none.
    el.querySelector(".tile-mic-off").hidden = !micOff || noMic;
    el.querySelector(".tile-cam-off").hidden = !tile.muted.camera || noCam;
    el.querySelector(".tile-no-camera").hidden = !noCam;
    el.querySelector(".tile-no-mic").hidden = !noMic;
    el.toggleAttribute("data-mic-muted", micOff);
    el.toggleAttribute("data-cam-off", camOff);
  }

  setSpeakers(ids) {
    const set = new Set(ids || []);
    for (const [id, tile] of this.tiles) tile.el.classList.toggle("speaking", set.has(id));
  }

  name(id) { return (this.tiles.get(id) || this.observers.get(id))?.participant.name || id; }

  // armRemove asks for a second click within four seconds before removing someone.
  armRemove(button, id) {
    if (button.dataset.armed) {
      this.actions.remove(id);
      return;
    }
    const name = this.name(id);
    button.dataset.armed = "true";
    setText(button, "host.remove_confirm");
    button.setAttribute("aria-label", t("host.remove_confirm_named", { name }));
    setTimeout(() => {
      delete button.dataset.armed;
      setText(button, "host.remove");
      button.setAttribute("aria-label", t("host.remove_named", { name }));
    }, 4000);
  }

  // relabel re-renders what is not a catalog string (venue names) after a language switch.
  relabel() {
    for (const sec of this.sections.values()) this.labelVenue(sec);
    for (const [id, tile] of this.tiles) this.upsert(tile.participant, id === this.selfId);
    for (const [id, o] of this.observers) this.observe(o.participant, id === this.selfId);
  }
}

function initials(name) {
  const parts = (name || "?").trim().split(/\s+/);
  return parts.slice(0, 2).map((p) => [...p][0]).join("").toUpperCase();
}

function screenVideo(tile) {
  let v = tile.el.querySelector("video.screen");
  if (!v) {
    v = document.createElement("video");
    v.className = "screen";
    v.autoplay = true;
    v.playsInline = true;
    v.muted = true;
    tile.el.prepend(v);
  }
  return v;
}

// watchFirstFrame records when a remote video shows its first frame (data-first-frame-at,
// and on <body> data-first-remote-frame-at for the first one on the page), in
// performance.now() milliseconds.
function watchFirstFrame(video) {
  delete video.dataset.firstFrameAt;
  const mark = () => {
    const now = performance.now().toFixed(1);
    video.dataset.firstFrameAt = now;
    if (!document.body.dataset.firstRemoteFrameAt) document.body.dataset.firstRemoteFrameAt = now;
  };
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(mark);
  else video.addEventListener("loadeddata", mark, { once: true });
}
