// staff: the staff console — sign-in, the list of agreements the account may read, and the
// organizer's pages of one agreement (#/a/ID/TAB: details, invitations, readiness, record),
// the archive search (#/archive) and an archived record's page (#/archive/ID),
// addressed by the URL fragment so that reloading keeps the place.
import { load, pickLanguage, setupSwitcher, setText, localized, formatTime } from "./i18n.js";
import { request, ApiError } from "./api.js";
import { el, errorKey } from "./forms.js";
import { Editor } from "./console.js";

const TOKEN_KEY = "signroom.staff_token";
const TABS = ["details", "invitations", "readiness", "record"];
const $ = (id) => document.getElementById(id);
const page = { me: null, agreements: [], view: "", tab: "details", agreement: null, extra: {} };

function token() { return sessionStorage.getItem(TOKEN_KEY); }

// api calls the API as the signed-in staff member; a 401 sends them back to sign in.
async function api(path, opts = {}) {
  try {
    return await request(path, { ...opts, token: token() });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) signedOut();
    throw err;
  }
}

function signedOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  page.me = null;
  show("login");
}

function show(view) {
  page.view = view;
  if (view !== "rp" && page.extra.recordpage) page.extra.recordpage.close();
  for (const v of ["login", "list", "agreement", "admin", "archive", "rp"]) {
    const sec = $(v + "-view");
    if (sec) sec.hidden = view !== v;
  }
  const inside = view !== "login";
  $("logout").hidden = $("who").hidden = $("staff-nav").hidden = !inside;
}

// register lets a later module add a tab or view: {render(agreement), relabel(), open()}.
export function register(name, part) { page.extra[name] = part; }

function showError(el, err) {
  setText(el, errorKey(err));
  el.hidden = false;
}

async function login(ev) {
  ev.preventDefault();
  const button = $("login-submit");
  button.disabled = true;
  $("login-error").hidden = true;
  try {
    const res = await request("/api/login", { method: "POST",
      body: { username: $("username").value.trim(), password: $("password").value } });
    sessionStorage.setItem(TOKEN_KEY, res.access_token);
    $("password").value = "";
    await route();
  } catch (err) {
    showError($("login-error"), err);
  } finally {
    button.disabled = false;
  }
}

function hasRole(r) { return !!page.me && (page.me.roles || []).includes(r); }

async function loadMe() {
  page.me = await api("/api/me");
  setText($("who"), "staff.signed_in_as", { name: page.me.display_name || page.me.username || "" });
  $("nav-admin").hidden = !hasRole("admin");
  $("nav-archive").hidden = !(hasRole("legal") || hasRole("archivist") || hasRole("admin"));
  $("new-agreement").hidden = !hasRole("organizer");
}

async function showList() {
  $("list-error").hidden = true;
  show("list");
  try {
    const res = await api("/api/agreements");
    page.agreements = res.agreements || [];
  } catch (err) {
    if (page.view === "login") return;
    showError($("list-error"), err);
  }
  renderList();
}

function renderList() {
  const body = $("agreements").querySelector("tbody");
  body.replaceChildren(...page.agreements.map((a) => {
    const tr = el("tr", { dataset: { agreementId: a.id } },
      el("td", {}, el("a", { href: "#/a/" + a.id, textContent: localized(a.title) || a.id })),
      el("td", {}, el("span", { className: "badge badge-" + a.state, i18n: "state." + a.state })),
      el("td", { textContent: formatTime(a.updated_at) }));
    return tr;
  }));
  $("agreements").hidden = page.agreements.length === 0;
  $("list-empty").hidden = page.agreements.length !== 0;
}

// showAgreement opens the agreement id ("" for a new one) on a tab.
async function showAgreement(id, tab) {
  show("agreement");
  $("ag-error").hidden = true;
  page.tab = TABS.includes(tab) ? tab : "details";
  if (!id) {
    page.agreement = null;
    setText($("ag-heading"), "console.new_agreement");
    $("ag-state").hidden = $("ag-tabs").hidden = true;
    showTab("details");
    editor.openNew();
    return;
  }
  try {
    if (!page.agreement || page.agreement.id !== id) page.agreement = null;
    setAgreement(await api("/api/agreements/" + id));
  } catch (err) {
    if (page.view !== "login") showError($("ag-error"), err);
  }
}

function setAgreement(a) {
  page.agreement = a;
  $("ag-heading").removeAttribute("data-i18n");
  $("ag-heading").textContent = localized(a.title) || a.id;
  const badge = $("ag-state");
  badge.className = "badge badge-" + a.state;
  setText(badge, "state." + a.state);
  badge.hidden = false;
  $("ag-tabs").hidden = false;
  for (const link of $("ag-tabs").querySelectorAll("[data-tab]")) {
    link.href = "#/a/" + a.id + "/" + link.dataset.tab;
    const part = page.extra[link.dataset.tab];
    link.hidden = link.dataset.tab !== "details" && !(part && part.available(a, page.me));
  }
  showTab(page.tab);
  editor.show(a);
  const part = page.extra[page.tab];
  if (part) part.open(a);
}

function showTab(tab) {
  for (const t of TABS) {
    const panel = $("tab-" + t);
    if (panel) panel.hidden = t !== tab;
    const link = $("ag-tabs").querySelector(`[data-tab="${t}"]`);
    link.setAttribute("aria-selected", String(t === tab));
  }
  for (const [name, part] of Object.entries(page.extra)) if (name !== tab && part.close) part.close();
}

// saved takes an agreement the editor saved; a new one moves to its own address.
function saved(a, created) {
  if (created) {
    location.hash = "#/a/" + a.id;
    return;
  }
  setAgreement(a);
}

// scheduled goes to the invitations tab with the links just issued.
function scheduled(res) {
  const inv = page.extra.invitations;
  if (inv) inv.issued(res.invitations || []);
  page.agreement = res.agreement;
  location.hash = "#/a/" + res.agreement.id + "/invitations";
}

async function route() {
  if (!token()) return show("login");
  try {
    if (!page.me) await loadMe();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    show("list");
    return showError($("list-error"), err);
  }
  const parts = location.hash.replace(/^#\/?/, "").split("/");
  if (parts[0] === "new") return showAgreement("", "details");
  if (parts[0] === "a" && parts[1]) return showAgreement(parts[1], parts[2]);
  if (parts[0] === "archive" && parts[1] && page.extra.recordpage) {
    show("rp");
    return page.extra.recordpage.open(parts[1]);
  }
  if (parts[0] === "archive" && page.extra.archive) {
    show("archive");
    return page.extra.archive.open();
  }
  // An account that reads no agreements (an administrator only) starts on the admin pages.
  const lister = ["organizer", "legal", "archivist"].some(hasRole);
  if ((parts[0] === "admin" || !lister) && hasRole("admin") && page.extra.admin) {
    show("admin");
    return page.extra.admin.open(page.me);
  }
  return showList();
}

function relabel() {
  renderList();
  if (page.agreement) {
    $("ag-heading").textContent = localized(page.agreement.title) || page.agreement.id;
    editor.render();
  }
  for (const part of Object.values(page.extra)) if (part.relabel) part.relabel();
}

async function logout() {
  const tok = token();
  signedOut();
  try { await request("/api/logout", { method: "POST", token: tok }); } catch { /* the token is dropped either way */ }
}

const editor = new Editor({ api, token, onSaved: saved, onScheduled: scheduled });

export const context = { api, token, page, setAgreement: (a) => setAgreement(a), reload: () => route() };

async function main() {
  await load(pickLanguage());
  setupSwitcher($("lang-select"), relabel);
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("refresh").addEventListener("click", showList);
  window.addEventListener("hashchange", route);
  await import("./parts.js");
  await route();
  document.body.dataset.ready = "true";
}

main();
