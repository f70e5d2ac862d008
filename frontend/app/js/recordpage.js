// recordpage: the archivist's record page (#/archive/ID), from GET /api/agreements/{id}/record
// in one call: the agreement, its parties and venues, the signatories with their signature
// times and key thumbprints, documents and the seal, the recordings played back in sync, the
// retention date and legal hold (placed and lifted here by archivists and administrators),
// the last fixity check with any alert, the audit trail, and who viewed or downloaded what.
import { t, setText, setTime, localized, formatTime } from "./i18n.js";
import { el, errorKey, showErrors, clearErrors } from "./forms.js";
import { ApiError } from "./api.js";
import { register, context } from "./staff.js";
import { SyncPlayer, clockText } from "./playback.js";
import { exportPackage, downloadSealedPDF } from "./recordexport.js";
import { eventLabel, actorLabel, auditRows } from "./auditview.js";

const $ = (id) => document.getElementById(id);
const TIME = { dateStyle: "medium", timeStyle: "long" }; // with the time zone
const WALL = { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" };
const state = { id: "", rec: null, player: null, bound: false, hold: "" };

async function open(id) {
  if (state.id !== id) closePlayer();
  state.id = id;
  bind();
  $("rp-error").hidden = true;
  if (!state.rec || state.rec.agreement.id !== id) $("rp-body").hidden = true;
  try {
    const rec = await context.api(`/api/agreements/${id}/record`);
    if (state.id !== id) return;
    state.rec = rec;
    render();
    $("rp-body").hidden = false;
    document.body.dataset.recordReady = id;
  } catch (err) {
    setText($("rp-error"), errorKey(err));
    $("rp-error").hidden = false;
  }
}

// reload reads the record again after a change (hold, download) without touching playback.
async function reload() {
  const rec = await context.api(`/api/agreements/${state.id}/record`);
  state.rec = rec;
  render();
}

function closePlayer() {
  if (state.player) state.player.close();
  state.player = null;
  state.rec = null;
}

function render() {
  const r = state.rec;
  if (!r) return;
  const a = r.agreement;
  $("rp-title").textContent = localized(a.title) || a.id;
  const badge = $("rp-state");
  badge.className = "badge badge-" + a.state;
  setText(badge, "state." + a.state);
  $("rp-hold-badge").hidden = !r.legal_hold?.on;
  $("rp-sub").textContent = [localized(a.description), a.id].filter(Boolean).join(" · ");
  renderFixityAlert(r);
  renderSignatories(r);
  renderDocuments(r);
  renderKeeping(r);
  renderPartiesVenues(a);
  renderAccess(r);
  renderAudit(r);
  renderPlayer(r);
}

// Lookups by id in the agreement.
const party = (id) => state.rec.agreement.parties.find((p) => p.id === id);
const venue = (id) => state.rec.agreement.venues.find((v) => v.id === id);
const participant = (id) => state.rec.agreement.participants.find((p) => p.id === id);
const nameOf = (n) => (typeof n === "string" ? n : localized(n));

function renderFixityAlert(r) {
  const alerts = r.fixity?.alerts || [];
  $("rp-fixity-alert").hidden = alerts.length === 0;
  $("rp-fixity-problems").replaceChildren(...alerts.map((p) => el("li", {},
    el("code", { textContent: p.key }), " ",
    el("span", { textContent: p.error ? t("rp.fixity_unreadable") : t("rp.fixity_changed", { want: short(p.want_sha256), got: short(p.got_sha256 || "") }) }))));
}

function short(h) { return h ? h.slice(0, 12) + "…" : ""; }

function renderSignatories(r) {
  const sigs = r.signatories || [];
  $("rp-signatories").querySelector("tbody").replaceChildren(...sigs.map((s) => {
    const when = el("td");
    if (s.signed_at) setTime(when, s.signed_at, TIME);
    else setText(when, "rp.not_signed");
    const p = party(s.party_id), v = venue(s.venue_id);
    return el("tr", { dataset: { participantId: s.participant_id } },
      el("td", {}, el("span", { className: "strong", textContent: nameOf(s.name) }),
        s.title ? el("span", { className: "block muted", textContent: nameOf(s.title) }) : null),
      el("td", { textContent: p ? localized(p.name) : "" }),
      el("td", { textContent: v ? localized(v.name) : "" }),
      when,
      el("td", { className: "rp-key" }, el("code", { className: "rp-hash", title: s.key_thumbprint || "", textContent: s.key_thumbprint || "" }),
        el("span", { className: "block muted small", textContent: [s.algorithm, s.still ? t("rp.with_still") : ""].filter(Boolean).join(" · ") })));
  }));
  const signers = new Set(sigs.map((s) => s.participant_id));
  const others = r.agreement.participants.filter((p) => !signers.has(p.id));
  $("rp-others").textContent = others.map((p) => p.name + " (" + t("role." + p.role) + ")").join(t("console.list_sep")) || t("console.none_yet");
}

function renderDocuments(r) {
  $("rp-documents").querySelector("tbody").replaceChildren(...(r.documents || []).map((d) => el("tr", { dataset: { documentId: d.id } },
    el("td", { className: "rp-file", textContent: d.filename }),
    el("td", { textContent: t("doclang." + d.lang) === "doclang." + d.lang ? d.lang : t("doclang." + d.lang) }),
    el("td", { textContent: String(d.pages || "") }),
    el("td", { className: "num", textContent: size(d.size) }),
    el("td", {}, el("code", { className: "rp-hash", title: d.sha256, textContent: d.sha256 })))));
  const seal = $("rp-seal");
  seal.replaceChildren();
  const s = r.sealed;
  if (!s) {
    seal.append(el("dd", { className: "muted", i18n: "record.not_sealed" }));
  } else {
    fact(seal, "rp.sealed_at", timeNode(s.sealed_at));
    fact(seal, "rp.manifest", hashNode(s.manifest_sha256));
    fact(seal, "rp.sealed_pdf", hashNode(s.pdf_sha256));
    fact(seal, "rp.bundle", el("span", {}, hashNode(s.bundle_sha256), " ", el("span", { className: "muted", textContent: size(s.bundle_size) })));
    if (s.timestamp) fact(seal, "rp.timestamp", el("span", {}, timeNode(s.timestamp.attested_at), " · " + s.timestamp.tsa));
    if (s.log_index !== null && s.log_index !== undefined) fact(seal, "rp.log_index", el("span", { textContent: "#" + s.log_index }));
  }
  $("rp-download-pdf").disabled = $("rp-export").disabled = !s;
  $("rp-recordings").querySelector("tbody").replaceChildren(...(r.recordings || []).map((x) => el("tr", { dataset: { recordingId: x.id } },
    el("td", {}, el("span", { textContent: participant(x.participant_id)?.name || x.participant_id }), " ",
      el("span", { className: "muted small", textContent: sourceLabel(x) })),
    el("td", { className: "num", textContent: "+" + clockText(x.start_offset_ms) }),
    el("td", { className: "num", textContent: clockText(x.duration_ms) }),
    el("td", { className: "num", textContent: size(x.size) }),
    el("td", {}, el("code", { className: "rp-hash", title: x.sha256, textContent: x.sha256 })))));
  $("rp-recordings").hidden = !(r.recordings || []).length;
}

function sourceLabel(x) {
  return x.source === "screen" ? t("rp.source_screen") : (x.kinds || []).map((k) => t("rp.kind_" + (k === "audio" ? "audio" : "video"))).join(" + ");
}

function fact(dl, key, node) {
  dl.append(el("dt", { i18n: key }), el("dd", {}, node));
}

function timeNode(iso) {
  const s = el("time", { dateTime: iso });
  setTime(s, iso, TIME);
  return s;
}

function hashNode(h) { return el("code", { className: "rp-hash", title: h || "", textContent: h || "" }); }

// size writes bytes in KB or MB.
function size(n) {
  if (!n && n !== 0) return "";
  if (n < 1024 * 1024) return t("console.size_kb", { kb: Math.max(1, Math.round(n / 1024)) });
  return t("rp.size_mb", { mb: (n / 1048576).toFixed(1) });
}

function renderKeeping(r) {
  const dl = $("rp-keep");
  dl.replaceChildren();
  if (r.retain_until) fact(dl, "rp.retain_until", el("span", {}, timeNode(r.retain_until), " ", el("span", { className: "muted small", textContent: r.retention_mode || "" })));
  else fact(dl, "rp.retain_until", el("span", { className: "muted", i18n: "rp.no_retention" }));
  const h = r.legal_hold || {};
  const hold = el("span", { id: "rp-hold-state", className: h.on ? "rp-hold-on" : "", dataset: { on: String(!!h.on) } });
  if (h.on) {
    setText(hold, "rp.hold_on", { by: actorLabel(h.by, who()) });
    hold.append(" ", timeNode(h.since));
    if (h.reason) hold.append(el("span", { className: "block rp-reason", textContent: h.reason }));
  } else {
    setText(hold, "rp.hold_off");
  }
  fact(dl, "archive.hold", hold);
  const fx = el("span", { id: "rp-fixity" });
  if (!r.fixity) setText(fx, "rp.fixity_none");
  else {
    fx.dataset.ok = String(r.fixity.ok);
    fx.className = r.fixity.ok ? "rp-ok" : "rp-bad";
    setText(fx, r.fixity.ok ? "rp.fixity_ok" : "rp.fixity_bad", { n: (r.fixity.alerts || []).length });
    fx.append(" ", timeNode(r.fixity.last_run_at));
  }
  fact(dl, "rp.fixity", fx);
  const keeper = ["archivist", "admin"].some((x) => (context.page.me?.roles || []).includes(x));
  const form = $("rp-hold-form");
  form.hidden = !keeper || !r.sealed;
  const on = !!h.on;
  if (state.hold !== String(on)) {
    state.hold = String(on);
    clearErrors(form);
    disarm();
  }
  $("rp-hold-place").hidden = on;
  $("rp-hold-lift").hidden = !on;
}

function renderPartiesVenues(a) {
  $("rp-parties").replaceChildren(...a.parties.map((p) => el("li", {},
    el("span", { className: "strong", textContent: localized(p.name) }), p.country ? el("span", { className: "muted", textContent: " " + p.country }) : null)));
  $("rp-venues").replaceChildren(...a.venues.map((v) => el("li", {},
    el("span", { textContent: localized(v.name) }),
    el("span", { className: "muted block small", textContent: [v.place, v.time_zone].filter(Boolean).join(" · ") }))));
}

function renderAccess(r) {
  const acc = (r.access || []).slice().reverse();
  $("rp-access-none").hidden = acc.length > 0;
  $("rp-access").replaceChildren(...acc.map((x) => el("li", { dataset: { type: x.type } },
    el("time", { dateTime: x.at, textContent: formatTime(x.at, { dateStyle: "short", timeStyle: "medium" }) }),
    el("span", { className: "strong", textContent: x.actor_name || actorLabel(x.actor, who()) }),
    el("span", { textContent: eventLabel(x.type) }),
    accessWhat(x) ? el("code", { className: "muted rp-what", title: accessWhat(x), textContent: accessWhat(x) }) : null)));
}

// accessWhat is the identifiers an access concerns (the row's label says what they are).
function accessWhat(x) {
  return x.what || "";
}

function renderAudit(r) {
  const evs = r.audit || [];
  $("rp-audit-head").textContent = evs.length ? evs[evs.length - 1].hash : "";
  $("rp-audit").querySelector("tbody").replaceChildren(...auditRows(evs, who(), "rp-nowrap"));
}

// who names the record's actors: by the names the server gave, then by the participants.
function who() {
  return { names: state.rec?.actors || {}, participantName: (id) => participant(id)?.name || "", me: context.page.me };
}

// Playback

function renderPlayer(r) {
  const recs = r.recordings || [];
  $("rp-no-recordings").hidden = recs.length > 0;
  $("rp-player").hidden = recs.length === 0;
  if (!recs.length) return;
  if (!state.player) {
    const marks = (r.signatories || []).filter((s) => s.offset_ms !== null && s.offset_ms !== undefined)
      .map((s) => ({ participant_id: s.participant_id, offset_ms: s.offset_ms, signed_at: s.signed_at }));
    state.player = new SyncPlayer({
      fetchPlayback: () => context.api(`/api/agreements/${state.id}/recordings/playback`, { method: "POST" }),
      lane,
      onChange: playerChanged,
      onError: playError,
    });
    $("rp-videos").replaceChildren(...state.player.layout(recs.slice().sort((a, b) => a.start_offset_ms - b.start_offset_ms), marks));
    $("rp-videos").style.setProperty("--lanes", String(Math.min(recs.length, 3)));
  }
  for (const holder of $("rp-videos").children) relabelLane(holder);
  renderMarks();
  playerChanged(state.player);
}

// lane is the box of one recording: its video, blank until the timeline reaches it.
function lane(item, video) {
  const holder = el("figure", { className: "player-lane", dataset: { recordingId: item.recording_id, participantId: item.participant_id } },
    el("div", { className: "player-screen" }, video, el("span", { className: "player-idle player-before" }), el("span", { className: "player-idle player-after" })),
    el("figcaption", {}, el("span", { className: "strong lane-name" }), " ", el("span", { className: "muted lane-what" })));
  return holder;
}

function relabelLane(holder) {
  const x = state.player.items.find((i) => i.recording_id === holder.dataset.recordingId);
  const p = participant(x.participant_id);
  const v = p && venue(p.venue_id);
  holder.querySelector(".lane-name").textContent = p?.name || x.participant_id;
  holder.querySelector(".lane-what").textContent = [v ? localized(v.name) : "", sourceLabel(x)].filter(Boolean).join(" · ");
  setText(holder.querySelector(".player-before"), "rp.lane_idle", { at: "+" + clockText(x.start_offset_ms) });
  setText(holder.querySelector(".player-after"), "rp.lane_ended", { at: "+" + clockText(x.start_offset_ms + x.duration_ms) });
}

function renderMarks() {
  const p = state.player;
  const box = $("rp-marks");
  box.replaceChildren(...p.marks.map((m, i) => {
    const who = participant(m.participant_id)?.name || m.participant_id;
    const b = el("button", { type: "button", className: "player-mark", dataset: { participantId: m.participant_id, offsetMs: String(m.offset_ms), row: String(i % 2) },
      title: t("rp.mark", { name: who, time: formatTime(m.signed_at, TIME) }) }, el("span", { textContent: who }));
    b.style.left = (p.total ? (100 * m.offset_ms) / p.total : 0) + "%";
    b.addEventListener("click", () => p.seek(m.offset_ms).catch(playError));
    return b;
  }));
}

function playerChanged(p) {
  const pos = p.position();
  const scrub = $("rp-scrub");
  scrub.max = String(p.total);
  if (!scrub.dataset.dragging) scrub.value = String(pos);
  const zero = state.rec?.timeline_start;
  const wall = zero ? " · " + formatTime(new Date(new Date(zero).getTime() + pos), WALL) : "";
  $("rp-clock").textContent = clockText(pos) + " / " + clockText(p.total) + wall;
  const btn = $("rp-play");
  setText(btn, p.playing ? "rp.pause" : "rp.play");
  btn.dataset.playing = String(p.playing);
  $("rp-player").dataset.state = p.playing ? (p.waiting ? "waiting" : "playing") : "paused";
  setText($("rp-play-note"), p.loading ? "rp.play_audited" : "rp.play_first");
  $("rp-player").dataset.position = String(Math.round(pos));
}

function playError(err) {
  setText($("rp-play-error"), errorKey(err));
  $("rp-play-error").hidden = false;
}

// Legal hold

function disarm() {
  for (const b of [$("rp-hold-place"), $("rp-hold-lift")]) {
    delete b.dataset.armed;
    setText(b, b.id === "rp-hold-place" ? "rp.hold_place" : "rp.hold_lift");
  }
  $("rp-hold-cancel").hidden = true;
}

// holdSubmit places or lifts the hold: the reason is required (shown beside the field), the
// first press asks to confirm, the second sends.
async function holdSubmit(ev) {
  ev.preventDefault();
  const form = $("rp-hold-form");
  const lift = state.rec.legal_hold?.on;
  const button = lift ? $("rp-hold-lift") : $("rp-hold-place");
  const reason = $("rp-hold-reason").value.trim();
  clearErrors(form);
  if (!reason) {
    disarm();
    return showErrors(form, new ApiError(422, "validation", "", [{ field: "reason", rule: "required" }]));
  }
  if (!button.dataset.armed) {
    button.dataset.armed = "true";
    setText(button, lift ? "rp.hold_lift_confirm" : "rp.hold_place_confirm");
    $("rp-hold-cancel").hidden = false;
    return;
  }
  button.disabled = true;
  try {
    await context.api(`/api/agreements/${state.id}/legal-hold${lift ? "/lift" : ""}`, { method: "POST", body: { reason } });
    $("rp-hold-reason").value = "";
    disarm();
    await reload();
  } catch (err) {
    disarm();
    showErrors(form, err);
  } finally {
    button.disabled = false;
  }
}

function bind() {
  if (state.bound) return;
  state.bound = true;
  $("rp-play").addEventListener("click", () => {
    $("rp-play-error").hidden = true;
    Promise.resolve(state.player?.toggle()).catch(playError);
  });
  const scrub = $("rp-scrub");
  scrub.addEventListener("input", () => { scrub.dataset.dragging = "true"; });
  scrub.addEventListener("change", () => {
    delete scrub.dataset.dragging;
    state.player?.seek(Number(scrub.value)).catch(playError);
  });
  $("rp-hold-form").addEventListener("submit", holdSubmit);
  $("rp-hold-cancel").addEventListener("click", disarm);
  $("rp-download-pdf").addEventListener("click", () => downloadSealedPDF(state.id, $("rp-download-pdf"), downloaded));
  $("rp-export").addEventListener("click", () => exportPackage(state.id, downloaded));
}

// downloaded is told of a finished download (or its error) and reads the record again, whose
// access list now shows it.
async function downloaded(err) {
  $("rp-download-error").hidden = !err;
  if (err) return setText($("rp-download-error"), errorKey(err));
  try { await reload(); } catch { /* the download itself worked */ }
}

register("recordpage", {
  open,
  close: () => { closePlayer(); state.id = ""; },
  relabel: render,
});
