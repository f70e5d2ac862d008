// admin: the administrators' pages — staff accounts (create, roles, disable) and the
// token-signing keys (list, rotate).
import { t, setText, formatTime } from "./i18n.js";
import { el, errorKey, showErrors, clearErrors } from "./forms.js";
import { register, context } from "./staff.js";

const $ = (id) => document.getElementById(id);
const ROLES = ["organizer", "legal", "archivist", "admin"];
let users = [];

async function open() {
  $("admin-error").hidden = true;
  try {
    users = (await context.api("/api/users")).users || [];
    renderUsers();
    renderKeys(await context.api("/api/admin/token-keys"));
  } catch (err) {
    showError(err);
  }
}

function showError(err) {
  setText($("admin-error"), errorKey(err));
  $("admin-error").hidden = false;
}

function renderUsers() {
  const me = context.page.me?.id;
  $("users-table").querySelector("tbody").replaceChildren(...users.map((u) => {
    const roles = el("div", { className: "roles" }, ...ROLES.map((r) => {
      const box = el("input", { type: "checkbox", checked: u.roles.includes(r), disabled: u.id === me && r === "admin" });
      box.dataset.role = r;
      box.addEventListener("change", () => update(u, { roles: ROLES.filter((x) => x === r ? box.checked : u.roles.includes(x)) }));
      return el("label", {}, box, " ", el("span", { i18n: "staffrole." + r }));
    }));
    const toggle = el("button", { type: "button", className: "button-quiet small" + (u.disabled ? "" : " danger"),
      i18n: u.disabled ? "admin.enable" : "admin.disable", disabled: u.id === me });
    toggle.addEventListener("click", () => update(u, { disabled: !u.disabled }));
    return el("tr", { dataset: { userId: u.id, username: u.username, disabled: String(u.disabled), roles: u.roles.join(",") } },
      el("td", { className: "strong", textContent: u.username }), el("td", { textContent: u.display_name || "" }),
      el("td", {}, roles),
      el("td", {}, el("span", { className: "status " + (u.disabled ? "key-false" : "key-true"), i18n: u.disabled ? "admin.disabled" : "admin.active" })),
      el("td", { className: "row-actions" }, toggle));
  }));
}

async function update(u, patch) {
  $("admin-error").hidden = true;
  try {
    const nu = await context.api("/api/users/" + u.id, { method: "PATCH", body: patch });
    users = users.map((x) => (x.id === nu.id ? nu : x));
  } catch (err) {
    showError(err);
  }
  renderUsers();
}

async function createUser(ev) {
  ev.preventDefault();
  const form = $("user-form");
  clearErrors(form);
  const body = { username: $("user-name").value.trim(), display_name: $("user-display").value.trim(),
    password: $("user-password").value, roles: [...form.querySelectorAll("input[name=role]:checked")].map((b) => b.value) };
  try {
    const u = await context.api("/api/users", { method: "POST", body });
    users.push(u);
    form.reset();
    renderUsers();
  } catch (err) {
    showErrors(form, err);
  }
}

function renderKeys(res) {
  $("keys-list").replaceChildren(...(res.keys || []).map((k) => el("li", { dataset: { kid: k.kid, active: String(k.active) } },
    el("code", { textContent: k.kid }), " ", k.active ? el("span", { className: "status key-true", i18n: "admin.key_active" }) : null)));
  $("keys-env").hidden = res.rotatable;
  $("rotate-key").disabled = !res.rotatable;
}

async function rotate() {
  $("rotate-key").disabled = true;
  try {
    const k = await context.api("/api/admin/token-keys/rotate", { method: "POST" });
    renderKeys(await context.api("/api/admin/token-keys"));
    $("keys-note").textContent = t("admin.rotated", { kid: k.kid, time: formatTime(new Date()) });
  } catch (err) {
    showError(err);
    $("rotate-key").disabled = false;
  }
}

$("user-form").addEventListener("submit", createUser);
$("rotate-key").addEventListener("click", rotate);

register("admin", { available: () => false, open, relabel: () => { renderUsers(); } });
