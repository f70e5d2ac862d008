// record: the agreement page — its state, the timeline of its life, the whole audit trail, and
// once sealed the sealed PDF and the evidence bundle to download (each download is audited by
// the server; the page shows the file's SHA-256 as it computed it).
import { t, setText, formatTime } from "./i18n.js";
import { el, errorKey } from "./forms.js";
import { register, context } from "./staff.js";
import { eventLabel, about, auditRows } from "./auditview.js";

const $ = (id) => document.getElementById(id);
const TIMELINE = new Set(["agreement.created", "documents.frozen", "agreement.scheduled", "agreement.live",
  "agreement.signing", "signature.added", "ceremony.closed", "agreement.sealed", "agreement.cancelled"]);
let agreement = null;
let events = [];

async function open(a) {
  agreement = a;
  $("record-error").hidden = true;
  try {
    const res = await context.api(`/api/agreements/${a.id}/audit`);
    events = res.events || [];
    $("record-head").textContent = res.head || "";
  } catch (err) {
    showError(err);
  }
  render();
}

function showError(err) {
  setText($("record-error"), errorKey(err));
  $("record-error").hidden = false;
}

function render() {
  if (!agreement) return;
  const badge = el("span", { className: "badge badge-" + agreement.state, i18n: "state." + agreement.state });
  $("record-state").replaceChildren(badge);
  $("record-downloads").hidden = agreement.state !== "sealed";
  $("record-not-sealed").hidden = agreement.state === "sealed";
  $("timeline").replaceChildren(...events.filter((e) => TIMELINE.has(e.type)).map((e) =>
    el("li", { dataset: { type: e.type } }, el("time", { dateTime: e.at, textContent: formatTime(e.at) }),
      el("span", { className: "strong", textContent: eventLabel(e.type) }),
      el("span", { className: "muted", textContent: about(e, participantName) }))));
  $("audit-table").querySelector("tbody").replaceChildren(...auditRows(events, who()));
}

// who names the actors of this agreement's events (see auditview.actorLabel).
function who() {
  return { participantName, me: context.page.me };
}

function participantName(id) {
  return agreement.participants.find((p) => p.id === id)?.name || "";
}

// download fetches a sealed artifact with the staff token and saves it.
async function download(path, button) {
  button.disabled = true;
  $("record-error").hidden = true;
  try {
    const res = await fetch(path, { headers: { Authorization: "Bearer " + context.token() }, cache: "no-store" });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw Object.assign(new Error(res.statusText), { code: body.error?.code, status: res.status });
    }
    const blob = await res.blob();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
    const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    const name = filename(res.headers.get("Content-Disposition")) || path.split("/").pop();
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    const note = $("download-note");
    note.textContent = t("record.downloaded", { name, kb: Math.max(1, Math.round(blob.size / 1024)), sha256: hex });
    note.dataset.sha256 = hex;
    note.dataset.name = name;
    await open(agreement); // the download is in the audit trail now
  } catch (err) {
    showError(err);
  } finally {
    button.disabled = false;
  }
}

function filename(cd) {
  const m = /filename\*=UTF-8''([^;]+)/i.exec(cd || "");
  return m ? decodeURIComponent(m[1]) : "";
}

$("download-pdf").addEventListener("click", () => download(`/api/agreements/${agreement.id}/sealed.pdf`, $("download-pdf")));
$("download-bundle").addEventListener("click", () => download(`/api/agreements/${agreement.id}/evidence`, $("download-bundle")));

register("record", {
  available: () => true,
  open,
  relabel: render,
});
