// signing: the signing panel of a participant with the sign grant (key set-up, review of
// the document fingerprints and statement, drawn signature, camera still, Sign), and the
// list of signatures every participant sees arrive.
import { setText, localized, language, at } from "./i18n.js";
import { request, ApiError } from "./api.js";
import { keyName, loadKey, saveKey, createKey, signStatement, sha256Hex, b64 } from "./signkey.js";

const $ = (id) => document.getElementById(id);

// ERRORS are the server's error codes with their own catalog text (sign.error.CODE).
export const ERRORS = ["wrong_state", "out_of_order", "not_connected", "no_key", "nonce_expired", "nonce_used", "nonce_stale",
  "nonce_unknown", "already_signed", "invalid_signature", "statement_mismatch", "bad_iat", "sealing",
  "too_large", "forbidden", "network", "chain_head_mismatch", "key_mismatch", "still_blank"];

// documentItem is a document's list item: its language, its file name when withName, and
// its SHA-256 in groups of eight.
export function documentItem(d, withName) {
  const li = document.createElement("li");
  const lang = document.createElement("span");
  lang.className = "doc-lang";
  setText(lang, "doclang." + d.language);
  li.append(lang);
  if (withName) {
    const name = document.createElement("span");
    name.textContent = d.filename || d.id;
    li.append(name);
  }
  const hash = document.createElement("code");
  hash.className = "fingerprint";
  hash.textContent = d.sha256.replace(/(.{8})/g, "$1 ").trim();
  li.append(hash);
  return li;
}

export class SigningPanel {
  // info: GET /api/join; video() returns the local <video> for the camera still;
  // cameraOn() turns the own camera on (the still warning offers it).
  constructor(info, token, video, cameraOn) {
    this.info = info;
    this.token = token;
    this.video = video;
    this.cameraOn = cameraOn;
    this.stillProblem = "";
    this.me = info.participant;
    this.state = info.agreement.state;
    this.historyComplete = this.state !== "signing"; // saw signing open, so every signature since
    this.signedIds = new Set();
    this.key = null;
    this.keyOK = false;
    this.busy = false;
    this.done = false;
    this.pad = new Pad($("sign-pad"));
  }

  async init() {
    $("signing").hidden = false;
    $("sign-button").addEventListener("click", () => this.confirm());
    $("sign-confirm-ok").addEventListener("click", () => { $("sign-confirm").close(); this.sign(); });
    $("sign-confirm-cancel").addEventListener("click", () => $("sign-confirm").close());
    $("turn-go").addEventListener("click", () => this.bringIntoView());
    $("sign-clear").addEventListener("click", () => this.pad.clear());
    $("sign-still").addEventListener("change", () => this.checkStill());
    $("sign-still-skip").addEventListener("click", () => { $("sign-still").checked = false; this.checkStill(); });
    $("sign-still-camera").addEventListener("click", () => { if (this.cameraOn) this.cameraOn(); setTimeout(() => this.checkStill(), 500); });
    this.checkStill();
    setInterval(() => this.checkStill(), STILL_CHECK_MS);
    this.render();
    await this.setUpKey();
    try {
      const r = await request("/api/join/statement", { token: this.token });
      this.statement = r.statement;
    } catch (err) {
      console.warn("statement", err);
    }
    this.render();
  }

  // setUpKey reuses the key stored for this invitation or makes one, and registers it.
  async setUpKey() {
    const name = keyName(this.info.agreement.id, this.me.id);
    setText($("sign-key-status"), "sign.key.preparing");
    try {
      this.key = await loadKey(name);
      if (!this.key) {
        this.key = await createKey();
        await saveKey(name, this.key);
      }
      await this.register(name);
    } catch (err) {
      console.warn("signing key", err);
      this.keyStatus("sign.key.failed", false);
    }
  }

  async register(name) {
    try {
      await request("/api/join/key", { token: this.token, method: "POST", body: { jwk: this.key.jwk } });
      this.key.registered = true;
      await saveKey(name, this.key);
      this.keyStatus("sign.key.registered", true);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== "key_bound") throw err;
      // Bound already: ours if this browser registered it, else another browser's.
      this.keyStatus(this.key.registered ? "sign.key.registered" : "sign.key.elsewhere", this.key.registered);
    }
  }

  keyStatus(key, ok) {
    this.keyOK = ok;
    setText($("sign-key-status"), key);
    $("sign-key-status").dataset.ok = String(ok);
    this.render();
  }

  setState(state) {
    if (state !== this.state) $("sign-error").hidden = true;
    this.state = state;
    this.render();
  }

  // signed notes a signature.added event.
  signed(ev) {
    $("sign-error").hidden = true; // a refusal such as out_of_order no longer holds
    this.signedIds.add(ev.participant_id);
    if (ev.participant_id === this.me.id) this.done = true;
    this.render();
  }

  // turn returns the catalog key and arguments describing whether the caller may sign now.
  turn() {
    if (this.state === "sealed") return ["sign.turn.sealed"];
    if (this.done) return ["sign.turn.done"];
    if (this.state !== "signing") return ["sign.turn.not_open"];
    const a = this.info.agreement;
    if (a.signing_order === "sequential" && this.me.role === "signatory" && this.historyComplete) {
      const first = a.participants.filter((p) => p.role === "signatory" && p.order < this.me.order && !this.signedIds.has(p.id))
        .sort((x, y) => x.order - y.order)[0];
      if (first) return ["sign.turn.waiting", { name: first.name }];
    }
    return ["sign.turn.yours"];
  }

  // checkStill looks at the camera picture while a still is to be attached: a black or
  // missing picture is said in the panel and holds Sign until the camera is on or the
  // still is left out.
  checkStill() {
    const problem = $("sign-still").checked && !this.done ? stillProblem(this.video()) : "";
    if (problem === this.stillProblem) return;
    this.stillProblem = problem;
    this.render();
  }

  render() {
    const [key, vars] = this.turn();
    const el = $("sign-turn");
    setText(el, key, vars);
    el.dataset.turn = key.slice("sign.turn.".length);
    $("sign-button").disabled = this.busy || !this.keyOK || key !== "sign.turn.yours" || !!this.stillProblem;
    const warn = $("sign-still-warning");
    warn.hidden = !this.stillProblem;
    warn.dataset.reason = this.stillProblem;
    if (this.stillProblem) setText($("sign-still-warning-text"), "sign.still." + this.stillProblem);
    $("sign-still-camera").hidden = !(this.stillProblem === "camera_off" && this.cameraOn);
    // The turn arriving is announced where the signer is looking, and the panel brought up once.
    const mine = key === "sign.turn.yours" && this.keyOK && !this.busy;
    $("turn-prompt").hidden = !mine;
    if (mine && !this.prompted) {
      this.prompted = true;
      this.bringIntoView();
    }
    $("sign-thumbprint").textContent = this.key ? this.key.thumbprint : "";
    this.renderReview();
  }

  // renderReview shows the fingerprints and the statement in the UI language if it has one.
  renderReview() {
    $("sign-documents").replaceChildren(...this.info.agreement.documents.map((d) => documentItem(d, false)));
    const text = this.statement ? this.statement.statement : {};
    const lang = text[language()] ? language() : Object.keys(text).sort()[0];
    const q = $("sign-statement");
    q.textContent = lang ? text[lang] : "";
    q.lang = lang === "zh" ? "zh-Hans" : lang || "";
    q.hidden = !lang;
  }

  async sign() {
    this.busy = true;
    this.render();
    $("sign-error").hidden = true;
    try {
      const res = await this.submit();
      this.done = true;
      document.body.dataset.signed = "true";
      setText($("sign-done"), res.complete ? "sign.done_complete" : "sign.done", { time: at(res.signed_at, { timeStyle: "medium" }) });
      $("sign-done").hidden = false;
    } catch (err) {
      console.warn("sign", err);
      this.showError(err);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  bringIntoView() {
    // At once, not smoothly: a page still scrolling moves what the signer is about to click.
    $("signing").scrollIntoView({ block: "start" });
  }

  // confirm shows what will be signed — who signs for whom, each document's fingerprint, the
  // statement, and the drawing and still — before anything is signed.
  confirm() {
    const me = this.me;
    const party = this.info.agreement.parties.find((p) => p.id === me.party_id);
    setText($("sign-confirm-who"), "sign.confirm.who", { name: me.name, title: me.title ? `(${me.title})` : "", party: party ? localized(party.name) : "" });
    $("sign-confirm-documents").replaceChildren(...this.info.agreement.documents.map((d) => documentItem(d, true)));
    $("sign-confirm-statement").textContent = $("sign-statement").textContent;
    setText($("sign-confirm-extras"), $("sign-still").checked
      ? (this.pad.drawn ? "sign.confirm.with_drawing_still" : "sign.confirm.with_still")
      : (this.pad.drawn ? "sign.confirm.with_drawing" : "sign.confirm.plain"));
    $("sign-confirm").showModal();
    $("sign-confirm-ok").focus();
  }

  // submit makes the statement, the JWS and the attachments, and posts them.
  async submit() {
    const drawing = this.pad.drawn ? await canvasBytes(this.pad.canvas, "image/png") : null;
    const still = $("sign-still").checked ? await captureStill(this.video()) : null;
    if ($("sign-still").checked && !still) throw new ApiError(0, "still_blank", "no usable camera picture");
    // Another signature recorded between our nonce and our post makes the nonce stale (the
    // statement must anchor a chain head covering it): the same statement is signed again
    // with a fresh nonce, a few times at most.
    for (let attempt = 1; ; attempt++) {
      const n = await request("/api/join/nonce", { token: this.token, method: "POST" });
      const st = { ...n.statement, iat: Math.floor(Date.now() / 1000) };
      const body = {};
      if (still) { st.still_sha256 = await sha256Hex(still); body.still = b64(still); }
      if (drawing) { st.drawing_sha256 = await sha256Hex(drawing); body.drawing = b64(drawing); }
      body.jws = await signStatement(st, this.key.keyPair.privateKey, this.key.thumbprint);
      try {
        return await request("/api/join/signature", { token: this.token, method: "POST", body });
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== "nonce_stale" || attempt >= 3) throw err;
      }
    }
  }

  showError(err) {
    let code = err instanceof ApiError ? err.code : "";
    if (code === "invalid_signature" && /kid/.test(err.message)) code = "key_mismatch";
    const el = $("sign-error");
    if (ERRORS.includes(code)) setText(el, "sign.error." + code);
    else setText(el, "sign.error.other", { code: code || "?" });
    el.dataset.code = code;
    el.hidden = false;
  }
}

// Pad is a <canvas> to draw a signature on with a mouse, pen or finger.
class Pad {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.clear();
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    for (const ev of ["pointerup", "pointercancel", "pointerleave"]) canvas.addEventListener(ev, () => { this.last = null; });
  }

  clear() {
    this.ctx.fillStyle = "#ffffff";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.drawn = false;
    this.canvas.dataset.drawn = "false";
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * this.canvas.width / r.width, (e.clientY - r.top) * this.canvas.height / r.height];
  }

  down(e) {
    this.canvas.setPointerCapture?.(e.pointerId);
    this.last = this.point(e);
  }

  move(e) {
    if (!this.last) return;
    const p = this.point(e);
    const c = this.ctx;
    c.strokeStyle = "#1d2433";
    c.lineWidth = 3;
    c.lineCap = "round";
    c.beginPath();
    c.moveTo(...this.last);
    c.lineTo(...p);
    c.stroke();
    this.last = p;
    this.drawn = true;
    this.canvas.dataset.drawn = "true";
  }
}

function canvasBytes(canvas, type, quality) {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? b.arrayBuffer().then((a) => resolve(new Uint8Array(a)), reject)
    : reject(new Error("canvas export failed"))), type, quality));
}

// captureStill draws the current frame of the local video to a canvas (at most 640 px
// wide) and returns it as JPEG, or null without a camera picture or with a blank one.
async function captureStill(video) {
  if (stillProblem(video)) return null;
  const w = Math.min(640, video.videoWidth), h = Math.round(video.videoHeight * w / video.videoWidth);
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  const ctx = c.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, h);
  if (blank(ctx.getImageData(0, 0, w, h).data)) return null;
  return canvasBytes(c, "image/jpeg", 0.85);
}

// A frame is blank when its mean luminance (0..255) is under BLACK_MEAN (black: camera off,
// lens covered) or its standard deviation under FLAT_SD (one flat colour: a dead device).
// A dim room measures well above both.
const BLACK_MEAN = 12, FLAT_SD = 3;
const STILL_CHECK_MS = 1000;

// stillProblem says why the local video would give no usable still: "" if it would,
// "no_camera" without a picture, "camera_off" when the camera is turned off, "blank" for a
// black or flat frame (sampled at 64×36).
export function stillProblem(video) {
  if (!video || !video.videoWidth) return "no_camera";
  const track = video.srcObject?.getVideoTracks?.()[0];
  if (!track || track.readyState === "ended") return "no_camera";
  if (!track.enabled) return "camera_off";
  const c = document.createElement("canvas");
  c.width = 64;
  c.height = 36;
  const ctx = c.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, c.width, c.height);
  return blank(ctx.getImageData(0, 0, c.width, c.height).data) ? "blank" : "";
}

function blank(px) {
  let sum = 0, sq = 0;
  const n = px.length / 4;
  for (let i = 0; i < px.length; i += 4) {
    const y = 0.2126 * px[i] + 0.7152 * px[i + 1] + 0.0722 * px[i + 2];
    sum += y;
    sq += y * y;
  }
  const mean = sum / n;
  return mean < BLACK_MEAN || Math.sqrt(Math.max(0, sq / n - mean * mean)) < FLAT_SD;
}

// SignatureList shows the signatures as they arrive, and the sealed banner.
export class SignatureList {
  constructor(info) {
    this.info = info;
    this.items = new Map(); // participant id -> signature.added data
    this.seal = null;
  }

  add(ev) {
    this.items.set(ev.participant_id, ev);
    this.render();
  }

  sealed(ev) {
    this.seal = ev;
    this.render();
  }

  render() {
    $("signatures-empty").hidden = this.items.size > 0;
    $("signatures").replaceChildren(...[...this.items.values()].map((ev) => this.item(ev)));
    const banner = $("sealed-banner");
    banner.hidden = !this.seal;
    if (this.seal) {
      setText(banner, "sign.sealed", { time: at(this.seal.sealed_at, { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" }) });
    }
  }

  item(ev) {
    const li = document.createElement("li");
    li.dataset.participantId = ev.participant_id;
    const who = document.createElement("strong");
    who.textContent = ev.title ? `${ev.name} (${ev.title})` : ev.name;
    const party = document.createElement("span");
    party.className = "sig-party";
    const p = this.info.agreement.parties.find((x) => x.id === ev.party_id);
    party.textContent = localized(p ? p.name : ev.party_names);
    const utc = document.createElement("time");
    utc.dateTime = ev.signed_at;
    setText(utc, "sign.time_utc", { time: at(ev.signed_at, { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" }) });
    const local = document.createElement("time");
    setText(local, "sign.time_local", { time: at(ev.signed_at, { timeStyle: "medium" }) });
    const key = document.createElement("code");
    key.className = "sig-key";
    key.title = ev.thumbprint;
    setText(key, "sign.key_short", { key: ev.thumbprint.slice(0, 12) });
    li.append(who, party, utc, local, key);
    if (ev.role === "witness") {
      const w = document.createElement("span");
      w.className = "badge";
      setText(w, "role.witness");
      li.append(w);
    }
    return li;
  }

  relabel() { this.render(); }
}

// openSigning is the host's control: live -> signing through the host's invitation.
export async function openSigning(token) {
  await request("/api/join/open-signing", { token, method: "POST" });
}

// closeCeremony is the host's control once all signatures are in: it closes the ceremony,
// which finishes the recordings and seals the record.
export async function closeCeremony(token) {
  await request("/api/join/close", { token, method: "POST" });
}

