// readiness: the live readiness board — who is in the lobby and in the room, their camera,
// microphone and connection as the server sees them, whether each signer's key is registered
// — and the organizer's controls to start the ceremony and open signing. It asks the server
// every three seconds while the tab is open.
import { t, setText, localized, formatTime } from "./i18n.js";
import { el, errorKey } from "./forms.js";
import { register, context } from "./staff.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 3000;
let agreement = null;
let board = null;
let timer = null;

async function open(a) {
  agreement = a;
  clearTimeout(timer);
  await refresh();
}

function close() {
  clearTimeout(timer);
  timer = null;
  agreement = null;
}

async function refresh() {
  if (!agreement) return;
  const id = agreement.id;
  try {
    board = await context.api(`/api/agreements/${id}/readiness`);
    $("ready-error").hidden = true;
  } catch (err) {
    setText($("ready-error"), errorKey(err));
    $("ready-error").hidden = false;
  }
  if (!agreement || agreement.id !== id) return;
  render();
  clearTimeout(timer);
  timer = setTimeout(refresh, POLL_MS);
}

function render() {
  if (!agreement || !board) return;
  const venue = (id) => agreement.venues.find((v) => v.id === id);
  $("ready-table").querySelector("tbody").replaceChildren(...board.participants.map((p) => {
    const v = venue(p.venue_id);
    return el("tr", { dataset: { participantId: p.participant_id, where: p.where } },
      el("td", {}, el("span", { className: "strong", textContent: p.name }), " ",
        el("span", { className: "muted", i18n: "role." + p.role })),
      el("td", { textContent: v ? localized(v.name) : "" }),
      el("td", { className: "ready-where" }, whereBadge(p)),
      el("td", { className: "ready-camera" }, deviceCell(p, p.camera)),
      el("td", { className: "ready-microphone" }, deviceCell(p, p.microphone)),
      el("td", { className: "ready-connection" }, connectionCell(p)),
      el("td", { className: "ready-key" }, keyCell(p)));
  }));
  $("ready-summary").textContent = t("ready.summary", { room: board.in_room, lobby: board.in_lobby, total: board.participants.length, keys: board.keys_missing });
  $("ready-updated").textContent = t("ready.updated", { time: formatTime(board.at, { timeStyle: "medium" }) });
  controls(board.state);
}

function whereBadge(p) {
  const b = el("span", { className: "status status-" + p.where });
  if (p.where === "room") setText(b, "ready.where_room", { time: formatTime(p.joined_at, { timeStyle: "short" }) });
  else if (p.where === "seen") setText(b, "ready.where_seen", { time: formatTime(p.last_seen_at, { timeStyle: "short" }) });
  else setText(b, "ready.where_" + p.where);
  return b;
}

function deviceCell(p, state) {
  if (p.where !== "room") return el("span", { className: "muted", textContent: "—" });
  return el("span", { className: "status device-" + state, dataset: { state }, i18n: "ready.device_" + state });
}

function connectionCell(p) {
  if (p.where !== "room") return el("span", { className: "muted", textContent: "—" });
  const s = el("span", { className: "status conn-" + p.connection, dataset: { level: p.connection }, i18n: "ready.conn_" + p.connection });
  if (p.rtt_ms) s.title = t("ready.rtt", { ms: p.rtt_ms });
  return s;
}

function keyCell(p) {
  if (p.key_registered === undefined) return el("span", { className: "muted", textContent: "—" });
  return el("span", { className: "status key-" + p.key_registered, dataset: { registered: String(p.key_registered) },
    i18n: p.key_registered ? "ready.key_yes" : "ready.key_no" });
}

// controls offers the next step of the ceremony the organizer can take from here.
function controls(state) {
  $("ready-start").hidden = state !== "scheduled";
  $("ready-open-signing").hidden = state !== "live";
  setText($("ready-state-note"), "ready.state_" + (["scheduled", "live", "signing"].includes(state) ? state : "other"));
}

async function transition(step, button) {
  button.disabled = true;
  $("ready-error").hidden = true;
  try {
    const res = await context.api(`/api/agreements/${agreement.id}/${step}`, { method: "POST" });
    context.setAgreement(res.agreement);
  } catch (err) {
    setText($("ready-error"), errorKey(err));
    $("ready-error").hidden = false;
  } finally {
    button.disabled = false;
  }
}

$("ready-start").addEventListener("click", () => transition("start", $("ready-start")));
$("ready-open-signing").addEventListener("click", () => transition("open-signing", $("ready-open-signing")));

register("readiness", {
  available: (a) => ["scheduled", "live", "signing"].includes(a.state),
  open,
  close,
  relabel: render,
});
