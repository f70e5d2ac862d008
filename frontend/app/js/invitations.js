// invitations: the invitations panel — each participant with role and venue, their
// invitation's state, and while the link is known (issued in this page: the service does not
// keep tokens, see docs/invitations.md) the link with a copy button, its QR code and a
// printable invitation sheet; reissue (one click, and the new link shows at once), revoke, and
// a signing-key reset for a signer who changed device.
import { t, setText, localized, formatTime } from "./i18n.js";
import { el, errorKey } from "./forms.js";
import { scheduledItems } from "./clocks.js";
import { register, context } from "./staff.js";

const $ = (id) => document.getElementById(id);
const ACTIVE = new Set(["scheduled", "live", "signing"]);

// links holds the links issued while this page is open, by participant id: {token_id, url,
// qr}. They are in this page's memory only, gone on reload.
const links = new Map();
let agreement = null;
let invitations = [];

function issued(list) {
  for (const inv of list) {
    if (inv.url) links.set(inv.participant_id, { token_id: inv.token_id, url: inv.url, qr: inv.qr || "" });
  }
}

async function open(a) {
  agreement = a;
  $("inv-error").hidden = true;
  try {
    invitations = ACTIVE.has(a.state) || a.state === "sealed" ? (await context.api(`/api/agreements/${a.id}/invitations`)).invitations || [] : [];
  } catch (err) {
    showError(err);
  }
  render();
}

function showError(err, key) {
  setText($("inv-error"), key || errorKey(err));
  $("inv-error").hidden = false;
}

// latest is the participant's most recent invitation, or null.
function latest(pid) {
  return invitations.filter((i) => i.participant_id === pid)
    .sort((a, b) => b.issued_at.localeCompare(a.issued_at))[0] || null;
}

function render() {
  if (!agreement) return;
  const items = agreement.participants.map(item);
  $("inv-list").replaceChildren(...items);
  $("inv-none").hidden = agreement.state !== "draft";
}

function venueOf(p) { return agreement.venues.find((v) => v.id === p.venue_id); }

function item(p) {
  const inv = latest(p.id);
  const live = inv && !inv.revoked_at && new Date(inv.expires_at) > new Date();
  const link = live ? links.get(p.id) : null;
  const known = link && link.token_id === inv.token_id ? link : null;
  const venue = venueOf(p);
  const party = agreement.parties.find((x) => x.id === p.party_id);
  const head = el("div", { className: "inv-head" },
    el("span", { className: "inv-name", textContent: p.title ? `${p.name} (${p.title})` : p.name }),
    el("span", { className: "badge", i18n: "role." + p.role }),
    party ? el("span", { className: "muted", textContent: localized(party.name) }) : null,
    el("span", { className: "muted", textContent: venue ? localized(venue.name) + (venue.place ? " · " + venue.place : "") : "" }));
  const li = el("li", { className: "inv-item", dataset: { participantId: p.id, state: !inv ? "none" : live ? "live" : "revoked" } }, head);
  li.append(statusLine(inv, live));
  if (known) li.append(linkBox(p, known));
  else if (live) li.append(el("p", { className: "muted small", i18n: "inv.link_not_kept" }));
  if (ACTIVE.has(agreement.state)) li.append(actions(p, live));
  li.append(el("p", { className: "inv-note", role: "status" }));
  return li;
}

function statusLine(inv, live) {
  if (!inv) return el("p", { className: "muted small", i18n: "inv.none" });
  if (live) return el("p", { className: "small inv-status", textContent: t("inv.valid", { issued: formatTime(inv.issued_at), expires: formatTime(inv.expires_at) }) });
  if (inv.revoked_at) return el("p", { className: "small inv-status revoked", textContent: t("inv.revoked_at", { time: formatTime(inv.revoked_at) }) });
  return el("p", { className: "small inv-status revoked", i18n: "inv.expired" });
}

// linkBox shows a known link: the text to copy, a copy button, the QR code and Print.
function linkBox(p, link) {
  const input = el("input", { className: "inv-link", readOnly: true, value: link.url });
  input.setAttribute("aria-label", t("inv.link_of", { name: p.name }));
  input.addEventListener("focus", () => input.select());
  const copy = el("button", { type: "button", className: "button-primary small inv-copy", i18n: "inv.copy" });
  copy.addEventListener("click", () => copyLink(input, copy));
  const print = el("button", { type: "button", className: "button-quiet small inv-print", i18n: "inv.print" });
  print.addEventListener("click", () => printSheet(p, link));
  const qr = el("img", { className: "inv-qr", src: link.qr, alt: t("inv.qr_of", { name: p.name }) });
  qr.hidden = !link.qr;
  return el("div", { className: "inv-linkbox" }, qr,
    el("div", { className: "inv-linkcol" }, el("p", { className: "small strong", i18n: "inv.link_now" }), input,
      el("div", { className: "actions" }, copy, print)));
}

async function copyLink(input, button) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(input.value);
    ok = true;
  } catch {
    input.select();
    ok = document.execCommand("copy");
  }
  setText(button, ok ? "inv.copied" : "inv.copy_failed");
  button.dataset.copied = String(ok);
  setTimeout(() => setText(button, "inv.copy"), 2500);
}

function actions(p, live) {
  const box = el("div", { className: "actions inv-actions" });
  const reissue = el("button", { type: "button", className: "button-quiet small inv-reissue", i18n: live ? "inv.reissue" : "inv.issue" });
  reissue.addEventListener("click", () => change(p, "reissue", reissue));
  box.append(reissue);
  if (live) {
    const revoke = el("button", { type: "button", className: "button-quiet small danger inv-revoke", i18n: "inv.revoke" });
    revoke.addEventListener("click", () => armed(revoke, "inv.revoke_confirm", () => change(p, "revoke", revoke)));
    box.append(revoke);
  }
  if (p.role === "signatory" || p.role === "witness") {
    const reset = el("button", { type: "button", className: "button-quiet small inv-key-reset", i18n: "inv.key_reset" });
    reset.addEventListener("click", () => armed(reset, "inv.key_reset_confirm", () => resetKey(p, reset)));
    box.append(reset);
  }
  return box;
}

// armed asks for a second click before a destructive action.
function armed(button, confirmKey, run) {
  if (button.dataset.armed) return run();
  button.dataset.armed = "true";
  setText(button, confirmKey);
  setTimeout(() => { if (button.isConnected && button.dataset.armed) { delete button.dataset.armed; render(); } }, 5000);
}

async function change(p, what, button) {
  button.disabled = true;
  $("inv-error").hidden = true;
  try {
    const res = await context.api(`/api/agreements/${agreement.id}/invitations/${p.id}/${what}`, { method: "POST" });
    if (what === "reissue") issued([res]);
    else links.delete(p.id);
    await open(agreement);
    note(p.id, what === "reissue" ? "inv.reissued" : "inv.revoked");
  } catch (err) {
    showError(err);
    button.disabled = false;
  }
}

async function resetKey(p, button) {
  button.disabled = true;
  try {
    await context.api(`/api/agreements/${agreement.id}/participants/${p.id}/key/reset`, { method: "POST" });
    render();
    note(p.id, "inv.key_reset_done");
  } catch (err) {
    render();
    note(p.id, err.status === 404 && err.code === "not_found" ? "inv.key_none" : errorKey(err));
  }
}

function note(pid, key) {
  const li = $("inv-list").querySelector(`li[data-participant-id="${CSS.escape(pid)}"] .inv-note`);
  if (li) setText(li, key);
}

// printSheet fills the invitation sheet (name, agreement, venue, local time, QR) and prints it.
function printSheet(p, link) {
  const venue = venueOf(p);
  $("sheet-agreement").textContent = localized(agreement.title);
  $("sheet-agreement-other").textContent = Object.entries(agreement.title)
    .filter(([, v]) => v !== localized(agreement.title)).map(([, v]) => v).join(" · ");
  $("sheet-name").textContent = p.title ? `${p.name} (${p.title})` : p.name;
  setText($("sheet-role"), "role." + p.role);
  $("sheet-venue").textContent = venue ? localized(venue.name) + (venue.place ? " · " + venue.place : "") : "";
  const when = agreement.scheduled_at && venue ? scheduledItems(agreement.scheduled_at, [venue]) : [];
  $("sheet-when").textContent = when.length ? when[0].textContent : t("sheet.no_time");
  $("sheet-qr").src = link.qr;
  $("sheet-qr").alt = t("sheet.qr_alt");
  document.body.dataset.printing = p.id;
  window.print();
}

register("invitations", {
  available: (a) => a.state !== "draft",
  open,
  relabel: render,
  issued,
});
