// join: the invitation page. The invitation token is read from the URL fragment
// (#token=...), so it never reaches a server log. It shows the agreement and a camera
// preview; Join opens the live ceremony view.
import { load, pickLanguage, setupSwitcher, setText, setTime, msg, at, localized, formatTime } from "./i18n.js";
import { request, ApiError } from "./api.js";
import { Ceremony } from "./ceremony.js";
import { Stage } from "./stage.js";
import { Devices } from "./devices.js";
import { Clocks, scheduledItems } from "./clocks.js";
import { OutageBanner, QualityLevel, levelOf } from "./connection.js";
import { SigningPanel, SignatureList, openSigning, closeCeremony, documentItem } from "./signing.js";
import { DocView } from "./docview.js";

const $ = (id) => document.getElementById(id);
const LIVE = new Set(["live", "signing"]);
const ENDED = new Set(["sealed", "revoked", "expired", "removed", "replaced", "left", "room_closed", "protocol_violation",
  "too_slow", "refused", "unauthorized", "forbidden", "room_full", "not_joined", "join_timeout",
  "connection_lost", "unreachable"]);

const page = { token: "", info: null, stream: null, ceremony: null, stage: null, mic: false, cam: false,
  panel: null, signatures: null, state: "", complete: false, closed: false, recording: false,
  recordingEvents: 0 };

function tokenFromFragment() {
  return new URLSearchParams(location.hash.slice(1)).get("token") || "";
}

// INVITATION_ERRORS are the refusals of an invitation link that have their own text
// (join.error.CODE): what happened and what to do.
const INVITATION_ERRORS = ["invitation_expired", "invitation_damaged", "invitation_sealed", "invitation_cancelled",
  "invitation_reissued", "invitation_revoked"];

function joinErrorKey(err) {
  if (!(err instanceof ApiError)) return "join.error.network";
  if (INVITATION_ERRORS.includes(err.code)) return "join.error." + err.code;
  return err.status === 401 ? "join.invalid_token" : "error.generic";
}

function fail(key) {
  page.failed = true;
  setText($("page-error"), key);
  $("page-error").hidden = false;
}

async function main() {
  await load(pickLanguage());
  setupSwitcher($("lang-select"), relabel);
  page.token = tokenFromFragment();
  if (!page.token) return fail("join.no_token");
  try {
    page.info = await request("/api/join", { token: page.token });
  } catch (err) {
    return fail(joinErrorKey(err));
  }
  if (page.info.agreement.state === "sealed") {
    // After the seal the link shows the sealed agreement and gives the participant's copy.
    page.signatures = new SignatureList(page.info);
    for (const ev of page.info.signatures || []) page.signatures.add(ev);
    if (page.info.seal) page.signatures.sealed(page.info.seal);
    page.state = "sealed";
    renderLobby(); // the header's state and clocks (the lobby itself stays hidden)
    end("sealed");
    document.body.dataset.ready = "true";
    return;
  }
  renderLobby();
  $("lobby").hidden = false;
  $("join-button").addEventListener("click", join);
  $("host-start-button").addEventListener("click", hostStart);
  document.body.dataset.ready = "true";
  await startPreview();
  waitUntilLive();
}

function renderLobby() {
  const { agreement: a, participant: p } = page.info;
  $("agreement-title").textContent = localized(a.title);
  $("agreement-description").textContent = localized(a.description);
  $("me-name").textContent = p.title ? `${p.name} (${p.title})` : p.name;
  setText($("me-role"), "role." + p.role);
  const venue = a.venues.find((v) => v.id === p.venue_id);
  $("me-venue").textContent = venue ? localized(venue.name) + (venue.place ? " · " + venue.place : "") : "";
  $("parties").textContent = a.parties.map((x) => localized(x.name)).join(", ");
  $("documents").replaceChildren(...a.documents.map((d) => documentItem(d, true)));
  // The scheduled start in each venue's time zone, and the venues' clocks in the header.
  const sched = a.scheduled_at ? scheduledItems(a.scheduled_at, a.venues) : [];
  if (a.scheduled_at && !sched.length) sched.push(Object.assign(document.createElement("li"), { textContent: formatTime(a.scheduled_at) }));
  $("scheduled").querySelector("ul").replaceChildren(...sched);
  $("scheduled").hidden = $("scheduled-label").hidden = !sched.length;
  if (page.clocks) page.clocks.render();
  else page.clocks = new Clocks($("clocks"), a.venues);
  setText($("recording-notice"), a.recording ? "join.recorded" : "join.not_recorded");
  // The state as it is now (events since the page loaded move it), not as it was at load:
  // a language switch re-renders the lobby and must not take signing back to "not open".
  showState(page.state || a.state);
}

function relabel() {
  // A refused link shows only its reason (retranslated with the catalog), not the lobby's state.
  if (!page.info || page.failed) return;
  renderLobby();
  if (page.stage) page.stage.relabel();
  if (page.panel) page.panel.render();
  if (page.signatures) page.signatures.relabel();
  if (page.docview) page.docview.relabel();
}

async function startPreview() {
  const status = $("preview-status");
  if (!page.info.grants.publish) {
    setText(status, "join.preview_observer");
    $("devices").hidden = true;
    return;
  }
  page.devices = new Devices({ onStream: previewOpened, onSwitch: sendSwitched });
  await page.devices.open();
}

// previewOpened shows the opened camera (or why there is none) in the lobby; in the room,
// a stream opened by Try again goes on the live call.
function previewOpened(stream, status) {
  $("room-devices").open ||= !!page.ceremony && status !== "ok";
  if (page.ceremony) return stream && sendStream(stream);
  page.stream = stream;
  $("preview").srcObject = stream;
  $("preview-status").hidden = status === "ok";
  if (status !== "ok") setText($("preview-status"), "devices.status." + status);
}

// sendSwitched puts a newly chosen device's track on the live call (in place of the old
// one, or added when the call sent none of its kind).
async function sendSwitched() {
  if (page.ceremony) await sendStream(page.devices.stream);
}

// sendStream sends stream on the live call without rejoining (the session, and with it the
// signing state, stays): a participant who joined without a camera or microphone and then
// allows or picks one starts sending it, and the others' "no camera / no microphone" marks
// go. The own tile and the call controls follow.
async function sendStream(stream) {
  page.stream = stream;
  if (page.stage.selfId) page.stage.attach(page.stage.selfId, stream, true);
  // A device that was not there at Join: its call control comes alive, showing it on.
  for (const [source, track] of [["microphone", stream.getAudioTracks()[0]], ["camera", stream.getVideoTracks()[0]]]) {
    const button = $(source === "microphone" ? "mic-button" : "cam-button");
    if (!track || !button.disabled) continue;
    button.disabled = false;
    showOwnMute(source, !track.enabled);
  }
  for (const track of await page.ceremony.setStream(stream)) {
    document.body.dataset[track.kind === "audio" ? "sendingMicrophone" : "sendingCamera"] = track.getSettings().deviceId || "";
  }
}

// hostStart is the host's Start the ceremony in the lobby of a scheduled ceremony: it goes
// live for everyone waiting, and Join opens at once here.
async function hostStart() {
  $("host-start-button").disabled = true;
  $("host-start-error").hidden = true;
  try {
    await request("/api/join/start", { token: page.token, method: "POST" });
    page.info = await request("/api/join", { token: page.token });
    page.state = page.info.agreement.state;
    renderLobby();
    const live = LIVE.has(page.info.agreement.state);
    $("join-button").disabled = !live;
    $("not-live").hidden = live;
    $("host-start").hidden = live;
  } catch (err) {
    setText($("host-start-error"), err instanceof ApiError && err.code === "conflict" ? "host.start_conflict" : "error.generic");
    $("host-start-error").hidden = false;
  } finally {
    $("host-start-button").disabled = false;
  }
}

// waitUntilLive enables Join once the ceremony is live, checking again every ten seconds.
async function waitUntilLive() {
  const live = LIVE.has(page.info.agreement.state);
  $("join-button").disabled = !live;
  $("not-live").hidden = live;
  $("host-start").hidden = !(page.info.grants.host && page.info.agreement.state === "scheduled");
  if (live || page.ceremony) return;
  setTimeout(async () => {
    try {
      page.info = await request("/api/join", { token: page.token });
      page.state = page.info.agreement.state; // the lobby has no events yet: this is the state
      renderLobby();
    } catch (err) {
      // The invitation itself was refused (revoked, reissued, cancelled...): say so and stop
      // waiting; a network hiccup or a busy server keeps waiting.
      if (err instanceof ApiError && err.status === 401) {
        $("lobby").hidden = $("state-banner").hidden = true;
        if (page.devices?.stream) page.devices.stream.getTracks().forEach((tr) => tr.stop());
        return fail(joinErrorKey(err));
      }
    }
    waitUntilLive();
  }, 10000);
}

function showState(state) {
  page.state = state;
  if (page.panel) page.panel.setState(state);
  $("host-signing").hidden = !(page.info.grants.host && state === "live");
  showComplete();
  const banner = $("state-banner");
  banner.dataset.state = state;
  setText(banner, "banner." + state);
  banner.hidden = false;
}

function join() {
  document.body.dataset.joinClickedAt = performance.now().toFixed(1);
  $("lobby").hidden = true;
  $("ceremony").hidden = false;
  window.scrollTo(0, 0); // the lobby may have been scrolled down to Join
  if (page.devices) $("room-devices").append($("devices"));
  else $("room-devices").hidden = true;
  // Without camera or microphone the room opens the devices panel: its help and Try again.
  $("room-devices").open = !!page.devices && document.body.dataset.devices !== "ok";
  page.mic = page.stream ? page.stream.getAudioTracks().length > 0 : false;
  page.cam = page.stream ? page.stream.getVideoTracks().length > 0 : false;
  page.stage = new Stage($("venues"), $("tile-template"), page.info.agreement, {
    mute: (pid) => page.ceremony.muteParticipant(pid, "microphone"),
    remove: (pid) => page.ceremony.removeParticipant(pid),
  }, $("observers"));
  page.ceremony = new Ceremony({ agreementId: page.info.agreement.id, token: page.token, stream: page.stream,
    onEvent: (type, m) => (EVENTS[type] || (() => {}))(m) });
  page.docview = new DocView($("docview"), { token: page.token, documents: page.info.agreement.documents,
    host: !!page.info.grants.host, sendView: (doc, n) => page.ceremony.setView(doc, n) });
  page.docview.init();
  $("mic-button").addEventListener("click", () => setOwnMute("microphone", page.mic));
  $("cam-button").addEventListener("click", () => setOwnMute("camera", page.cam));
  $("leave-button").addEventListener("click", () => page.ceremony.leave());
  $("mic-button").disabled = !page.mic;
  $("cam-button").disabled = !page.cam;
  // An observer sends nothing: no microphone or camera controls to show.
  $("mic-button").hidden = $("cam-button").hidden = !page.info.grants.publish;
  // Focus moves from the gone Join button to the first call control that can be used.
  [$("mic-button"), $("cam-button"), $("leave-button")].find((b) => !b.disabled).focus();
  page.outage = new OutageBanner($("connection-banner"));
  page.quality = new QualityLevel();
  startSigning();
  showRecording(page.info.recording_active);
  page.ceremony.start();
  setInterval(sampleQuality, 2000);
}

// showRecording shows or hides the room's recording indicator.
function showRecording(active) {
  page.recording = !!active;
  $("rec-indicator").hidden = !page.recording;
}

// refreshRecording asks for the recording state once in the room (it may have changed since
// the lobby loaded); a recording.state event that arrives meanwhile wins.
async function refreshRecording() {
  const seen = page.recordingEvents;
  try {
    const info = await request("/api/join", { token: page.token });
    if (page.recordingEvents === seen) showRecording(info.recording_active);
  } catch { /* the indicator keeps its state */ }
}

// showComplete shows "all signatures in" once the last signatory signed, and the host's
// Close control, disabled once the ceremony is closed (sealing follows by itself).
function showComplete() {
  const complete = page.complete && page.state === "signing";
  $("complete-banner").hidden = !complete;
  $("host-close").hidden = !(page.info.grants.host && complete);
  if (page.closed) $("close-ceremony").disabled = true;
}

// noteSignature marks the signatures complete when the last signatory's arrives.
function noteSignature(ev) {
  if (ev.role === "signatory" && ev.remaining === 0) page.complete = true;
}

async function closeClicked() {
  $("close-ceremony").disabled = true;
  $("close-error").hidden = true;
  try {
    await closeCeremony(page.token);
  } catch (err) {
    console.warn("close", err);
    setText($("close-error"), err instanceof ApiError && err.code === "recordings_pending" ? "host.close_pending" : "host.close_failed");
    $("close-error").hidden = false;
    $("close-ceremony").disabled = page.closed;
  }
}

// startSigning sets up the signatures list for everyone, the signing panel for signers and
// the host's Open signing control.
function startSigning() {
  page.signatures = new SignatureList(page.info);
  page.signatures.render();
  if (page.info.grants.sign) {
    page.panel = new SigningPanel(page.info, page.token, () => document.querySelector(".tile.self video"),
      () => { if (page.stream?.getVideoTracks().length) setOwnMute("camera", false); });
    page.panel.init().then(() => { document.body.dataset.signingReady = "true"; });
  }
  // Signatures recorded before this page loaded; later ones arrive as signature.added events.
  for (const ev of page.info.signatures || []) {
    page.signatures.add(ev);
    if (page.panel) page.panel.signed(ev);
    noteSignature(ev);
  }
  if (page.panel && page.info.signatures) page.panel.historyComplete = true;
  $("close-ceremony").addEventListener("click", closeClicked);
  $("open-signing").addEventListener("click", async () => {
    $("open-signing").disabled = true;
    $("open-signing-error").hidden = true;
    try {
      await openSigning(page.token);
    } catch (err) {
      setText($("open-signing-error"), err instanceof ApiError && err.code === "conflict" ? "host.open_signing_conflict" : "error.generic");
      $("open-signing-error").hidden = false;
    } finally {
      $("open-signing").disabled = false;
    }
  });
  showState(page.state || page.info.agreement.state);
}

// setOwnMute turns the local source off or on and tells the room.
function setOwnMute(source, muted) {
  const tracks = source === "microphone" ? page.stream.getAudioTracks() : page.stream.getVideoTracks();
  tracks.forEach((tr) => { tr.enabled = !muted; });
  page.ceremony.setMuted(source, muted);
  showOwnMute(source, muted);
}

function showOwnMute(source, muted) {
  if (source === "microphone") {
    page.mic = !muted;
    setText($("mic-button"), muted ? "ceremony.unmute" : "ceremony.mute");
    $("mic-button").setAttribute("aria-pressed", String(muted));
  } else {
    page.cam = !muted;
    setText($("cam-button"), muted ? "ceremony.camera_on" : "ceremony.camera_off");
    $("cam-button").setAttribute("aria-pressed", String(muted));
  }
  if (page.stage && page.stage.selfId) page.stage.setMuted(page.stage.selfId, source, muted);
}

function feed(key, vars) {
  const li = document.createElement("li");
  const time = document.createElement("time");
  setTime(time, new Date(), { timeStyle: "medium" });
  const text = document.createElement("span");
  setText(text, key, vars);
  li.dataset.key = key;
  li.append(time, text);
  $("feed").prepend(li);
  while ($("feed").children.length > 100) $("feed").lastElementChild.remove();
}

async function sampleQuality() {
  if (!page.ceremony) return;
  const q = await page.ceremony.quality();
  const el = $("quality");
  if (q.rtt === null && q.loss === null) {
    el.dataset.level = "unknown";
    setText($("quality-text"), "quality.measuring");
    return;
  }
  const rtt = q.rtt ?? 0, loss = q.loss ?? 0;
  const level = page.quality.push(levelOf(rtt, loss));
  el.dataset.level = level;
  setText($("quality-text"), "quality.summary", { level: msg("quality." + level), rtt: Math.round(rtt), loss: loss.toFixed(1) });
}

function end(reason) {
  if (page.stream) page.stream.getTracks().forEach((tr) => tr.stop());
  // Sealing closes the room (bye "sealed"); the invitation then shows the sealed agreement and
  // gives the participant a copy until it expires: the ceremony's happy end, not a removal.
  const sealed = reason === "sealed" || page.state === "sealed";
  const key = sealed ? "sealed" : ENDED.has(reason) ? reason : "generic";
  $("ceremony").hidden = true;
  $("ended").hidden = false;
  window.scrollTo(0, 0); // the room may have been scrolled down
  $("rec-indicator").hidden = true; // this page is no longer in the recorded call
  $("ended").classList.toggle("ended-sealed", sealed);
  if (sealed) {
    $("ended-extra").append(copyBlock(), $("signatures-block"));
    $("ended-extra").hidden = false;
  }
  $("ended").dataset.reason = reason;
  setText($("ended-title"), "ended." + key + ".title");
  setText($("ended-text"), "ended." + key + ".text");
}

// copyBlock offers the participant's copy of the sealed PDF (fetched with the invitation, so
// the token never goes into a URL) and says until when the link gives it.
function copyBlock() {
  const block = document.createElement("div");
  block.className = "copy-block";
  const button = document.createElement("button");
  button.id = "download-copy";
  button.type = "button";
  button.className = "button-primary";
  setText(button, "ended.copy.download");
  const note = document.createElement("p");
  note.className = "muted";
  const until = page.info.invitation_expires_at;
  if (until) setText(note, "ended.copy.until", { time: at(until, { dateStyle: "long" }) });
  const error = document.createElement("p");
  error.className = "alert alert-error";
  error.hidden = true;
  button.addEventListener("click", async () => {
    button.disabled = true;
    error.hidden = true;
    try {
      const res = await fetch("/api/join/sealed-pdf", { headers: { Authorization: "Bearer " + page.token } });
      if (!res.ok) throw new Error("status " + res.status);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = "signroom-" + page.info.agreement.id + "-sealed.pdf";
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      document.body.dataset.copyDownloaded = "true";
    } catch (err) {
      console.warn("copy", err);
      setText(error, "ended.copy.failed");
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  block.append(button, note, error);
  return block;
}

// EVENTS turn ceremony messages into changes of the page.
const EVENTS = {
  welcome(m) {
    page.stage.reset(m, page.stream);
    refreshRecording();
    if (!page.mic) showOwnMute("microphone", true);
    // A reconnection is told by the outage banner, not by another "you joined".
    if (!page.welcomed) feed("feed.you_joined");
    page.welcomed = true;
    if (m.view) page.docview.hostMoved(m.view);
  },
  view_changed(m) { page.docview.hostMoved(m.view, m.view?.by === page.ceremony.self?.id); },
  connection(m) { document.body.dataset.connection = m.state; page.outage.update(m.state); },
  participant_joined(m) {
    page.stage.upsert(m.participant, false);
    if (!m.replaced) feed("feed.joined", { name: m.participant.name });
  },
  participant_left(m) {
    const name = page.stage.name(m.participant_id);
    page.stage.remove(m.participant_id);
    feed("feed.left." + (["revoked", "expired", "removed", "connection_lost"].includes(m.reason) ? m.reason : "left"), { name });
  },
  presence(m) {
    const reason = m.state === "unreachable" ? (m.reason === "media" ? "media" : "network") : "";
    page.stage.setPresence(m.participant_id, reason);
    const name = page.stage.name(m.participant_id);
    if (reason === "media") feed("feed.unreachable_media", { name });
    else if (reason) feed("feed.unreachable_network", { name });
    else feed("feed.reachable", { name });
  },
  track_added(m) { page.stage.trackState(m.track.participant, m.track.source, true, m.track.muted); },
  track_removed(m) {
    const source = m.track_id.slice(m.track_id.lastIndexOf("/") + 1);
    page.stage.trackState(m.participant_id, source, false);
  },
  remote_track(m) {
    if (!m.stream) return;
    page.stage.attach(m.stream.id.split("/")[0], m.stream);
  },
  mute_changed(m) {
    const self = page.ceremony.self;
    page.stage.setMuted(m.participant_id, m.source, m.muted);
    if (self && m.participant_id === self.id && m.by && m.by !== self.id) {
      const tracks = m.source === "microphone" ? page.stream?.getAudioTracks() : page.stream?.getVideoTracks();
      (tracks || []).forEach((tr) => { tr.enabled = !m.muted; });
      showOwnMute(m.source, m.muted);
      feed("feed.you_were_muted", { name: page.stage.name(m.by) });
    } else if (m.by && m.by !== m.participant_id && m.muted) {
      feed("feed.muted_by", { name: page.stage.name(m.participant_id), by: page.stage.name(m.by) });
    }
  },
  speaking(m) { page.stage.setSpeakers(m.speakers); },
  event(m) {
    const state = m.data && m.data.state;
    if ((m.event === "agreement.state" || m.event === "state_changed") && state) {
      showState(state);
      feed("feed.state", { state: msg("state." + state) });
      return;
    }
    if (m.event === "signature.added" && m.data) {
      page.signatures.add(m.data);
      if (page.panel) page.panel.signed(m.data);
      feed("feed.signed", { name: m.data.name });
      noteSignature(m.data);
      showComplete();
      return;
    }
    if (m.event === "recording.state" && m.data) {
      page.recordingEvents++;
      showRecording(m.data.active);
      feed(m.data.active ? "feed.recording_on" : "feed.recording_off");
      return;
    }
    if (m.event === "signatures.complete") {
      page.complete = true;
      showComplete();
      feed("feed.complete");
      return;
    }
    if (m.event === "ceremony.closed") {
      page.closed = true;
      showComplete();
      feed("feed.closed");
      return;
    }
    if (m.event === "agreement.sealed" && m.data) {
      page.signatures.sealed(m.data);
      feed("feed.sealed");
      return;
    }
    feed("feed.event", { name: m.event });
  },
  error(m) { feed("feed.error", { code: m.code }); },
  bye(m) { if (!["left", "shutdown", "connection_failed", "connection_lost"].includes(m.reason)) feed("feed.bye", { reason: m.reason }); },
  closed(m) { end(m.reason); },
};

main();
