// staff: the landing page — staff login, then the list of agreements the account may read.
import { load, pickLanguage, setupSwitcher, setText, t, localized, formatTime } from "./i18n.js";
import { request, ApiError } from "./api.js";

const TOKEN_KEY = "signroom.staff_token";
const $ = (id) => document.getElementById(id);
let agreements = [];

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function show(view) {
  $("login-view").hidden = view !== "login";
  $("list-view").hidden = view !== "list";
  $("logout").hidden = view !== "list";
  $("who").hidden = view !== "list";
}

function showError(el, err) {
  const key = err instanceof ApiError && err.code ? "error." + err.code : "error.generic";
  setText(el, t(key) === key ? "error.generic" : key);
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
    await showList();
  } catch (err) {
    showError($("login-error"), err);
  } finally {
    button.disabled = false;
  }
}

async function showList() {
  $("list-error").hidden = true;
  try {
    const me = await request("/api/me", { token: token() });
    setText($("who"), "staff.signed_in_as", { name: me.display_name || me.username || "" });
    const res = await request("/api/agreements", { token: token() });
    agreements = res.agreements || [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      show("login");
      return;
    }
    showError($("list-error"), err);
  }
  show("list");
  renderList();
}

function renderList() {
  const body = $("agreements").querySelector("tbody");
  body.replaceChildren(...agreements.map((a) => {
    const tr = document.createElement("tr");
    tr.dataset.agreementId = a.id;
    const title = document.createElement("td");
    title.textContent = localized(a.title) || a.id;
    const state = document.createElement("td");
    const badge = document.createElement("span");
    badge.className = "badge badge-" + a.state;
    setText(badge, "state." + a.state);
    state.append(badge);
    const updated = document.createElement("td");
    updated.textContent = formatTime(a.updated_at);
    tr.append(title, state, updated);
    return tr;
  }));
  $("agreements").hidden = agreements.length === 0;
  $("list-empty").hidden = agreements.length !== 0;
}

async function logout() {
  const tok = token();
  sessionStorage.removeItem(TOKEN_KEY);
  show("login");
  try { await request("/api/logout", { method: "POST", token: tok }); } catch { /* the token is dropped either way */ }
}

async function main() {
  await load(pickLanguage());
  setupSwitcher($("lang-select"), renderList);
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("refresh").addEventListener("click", showList);
  if (token()) await showList();
  else show("login");
  document.body.dataset.ready = "true";
}

main();
