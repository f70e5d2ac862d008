// forms: helpers of the staff console — element building, and the API's field errors
// (422 and 400 bodies name each field and the rule it broke) shown beside their fields in the
// user's language.
import { t, setText } from "./i18n.js";
import { ApiError } from "./api.js";

// el builds an element: props are assigned (dataset and className included), children appended.
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(e.dataset, v);
    else if (k === "i18n") setText(e, v);
    else e[k] = v;
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

// errorKey is the catalog key of an API error's message.
export function errorKey(err) {
  const key = err instanceof ApiError && err.code ? "error." + err.code : "error.generic";
  return t(key) === key ? "error.generic" : key;
}

// fieldMessage says a field error in the user's language from its rule and parameter.
export function fieldMessage(f) {
  const key = "validation." + (f.rule || "invalid");
  return t(key) === key ? t("validation.invalid") : t(key, { n: f.param || "" });
}

// clearErrors removes every field error and the form-level error of form.
export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  form.querySelectorAll("[aria-invalid]").forEach((e) => {
    e.removeAttribute("aria-invalid");
    e.removeAttribute("aria-describedby");
  });
  const top = form.querySelector(".form-error");
  if (top) top.hidden = true;
}

// fieldFor finds the input or group of form that a field name ("title[ko]", "country")
// concerns: the exact name first, then its map ("title" for "title[xx]").
function fieldFor(form, name) {
  const exact = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (exact) return exact;
  const base = name.replace(/\[.*$/, "");
  return base !== name ? form.querySelector(`[data-field="${CSS.escape(base)}"]`) : null;
}

// showErrors puts err's field errors beside their fields and anything else in the form's
// error line; the first invalid field gets the focus.
export function showErrors(form, err) {
  clearErrors(form);
  let first = null;
  const rest = [];
  for (const f of (err instanceof ApiError && err.fields) || []) {
    const target = fieldFor(form, f.field);
    if (!target) {
      rest.push(f);
      continue;
    }
    const id = "err-" + Math.random().toString(36).slice(2);
    const msg = el("p", { className: "field-error", id, textContent: fieldMessage(f) });
    msg.dataset.forField = f.field;
    const holder = target.matches("fieldset") ? target : target.closest(".field") || target.parentElement;
    holder.append(msg);
    if (!target.matches("fieldset")) {
      target.setAttribute("aria-invalid", "true");
      target.setAttribute("aria-describedby", id);
    }
    first = first || (target.matches("fieldset") ? target.querySelector("input,select,textarea") : target);
  }
  const top = form.querySelector(".form-error");
  if (top && (rest.length || !first)) {
    if (rest.length) top.textContent = rest.map(fieldMessage).join(" ");
    else setText(top, errorKey(err));
    top.hidden = false;
  }
  if (first) first.focus();
}

// localizedInputs reads {ko, zh, en} from the inputs "PREFIX-ko" and so on, leaving out
// empty ones.
export function readLocalized(prefix) {
  const out = {};
  for (const l of ["ko", "zh", "en"]) {
    const v = document.getElementById(prefix + "-" + l).value.trim();
    if (v) out[l] = v;
  }
  return out;
}

// fillLocalized writes a {ko, zh, en} map into the inputs "PREFIX-ko" and so on.
export function fillLocalized(prefix, m = {}) {
  for (const l of ["ko", "zh", "en"]) document.getElementById(prefix + "-" + l).value = m[l] || "";
}

// timeZones lists the IANA zones the browser knows, UTC first.
export function timeZones() {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...all.filter((z) => z !== "UTC")];
}

// fillZones fills a time-zone <select>, keeping the value it had or taking def.
export function fillZones(select, zones, def) {
  const keep = select.value || def;
  select.replaceChildren(...zones.map((z) => el("option", { value: z, textContent: z.replaceAll("_", " ") })));
  if (zones.includes(keep)) select.value = keep;
}

// browserZone is the browser's own time zone.
export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

// zoneOffset is how far the wall clock in timeZone is ahead of UTC at the moment ms.
function zoneOffset(ms, timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(ms));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - ms;
}

// zonedToDate reads a datetime-local value ("2026-06-01T10:00") as a wall time in timeZone.
export function zonedToDate(local, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let ms = wall;
  for (let i = 0; i < 3; i++) ms = wall - zoneOffset(ms, timeZone);
  return new Date(ms);
}

// dateToZoned writes a moment as a datetime-local value in timeZone.
export function dateToZoned(iso, timeZone) {
  const ms = new Date(iso).getTime();
  return new Date(ms + zoneOffset(ms, timeZone)).toISOString().slice(0, 16);
}
