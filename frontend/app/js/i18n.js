// i18n: the string catalogs (ko, zh, en), language choice and translation of the page.
// Every user-visible string comes from /app/i18n/LANG.json. Elements name their text with
// data-i18n="key" (and optional data-i18n-args='{"name":"x"}'); attributes with
// data-i18n-placeholder, data-i18n-title and data-i18n-aria-label; times with
// data-i18n-time (setTime). An argument can itself be a catalog string (msg) or a time (at),
// so a language switch redoes it too.

export const LANGUAGES = ["ko", "zh", "en"];

let catalog = {};
let current = "en";

// pickLanguage: ?lang= first, then the browser's preferences, else English.
export function pickLanguage() {
  const q = new URLSearchParams(location.search).get("lang");
  if (q && LANGUAGES.includes(q)) return q;
  for (const l of navigator.languages || [navigator.language || ""]) {
    const base = l.toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function language() { return current; }

// load fetches the catalog of lang and translates the document.
export async function load(lang) {
  const res = await fetch(`/app/i18n/${lang}.json`);
  if (!res.ok) throw new Error(`catalog ${lang}: ${res.status}`);
  catalog = await res.json();
  current = lang;
  document.documentElement.lang = lang === "zh" ? "zh-Hans" : lang;
  apply(document);
}

// t translates key, replacing {name} placeholders from vars.
export function t(key, vars = {}) {
  const s = catalog[key];
  if (s === undefined) {
    console.warn("missing string", key);
    return key;
  }
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? shown(vars[k]) : m));
}

// msg is an argument of t or setText shown as the catalog string key.
export function msg(key) { return { key }; }

// at is an argument of t or setText shown as a time (formatTime's opts).
export function at(time, opts) { return { time, opts }; }

function shown(v) {
  if (v && typeof v === "object" && "key" in v) return t(v.key);
  if (v && typeof v === "object" && "time" in v) return formatTime(v.time, v.opts);
  return String(v);
}

const ATTRS = { "i18nPlaceholder": "placeholder", "i18nTitle": "title", "i18nAriaLabel": "aria-label" };

// apply translates every marked element under root.
export function apply(root) {
  root.querySelectorAll("[data-i18n]").forEach((el) => {
    const args = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : {};
    el.textContent = t(el.dataset.i18n, args);
  });
  for (const [data, attr] of Object.entries(ATTRS)) {
    const sel = "[data-" + data.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()) + "]";
    root.querySelectorAll(sel).forEach((el) => el.setAttribute(attr, t(el.dataset[data])));
  }
  root.querySelectorAll("[data-i18n-time]").forEach((el) => {
    el.textContent = formatTime(el.dataset.i18nTime, el.dataset.i18nTimeOpts ? JSON.parse(el.dataset.i18nTimeOpts) : undefined);
  });
}

// setTime shows a time in the current language and marks el so a switch redoes it.
export function setTime(el, time, opts) {
  el.dataset.i18nTime = typeof time === "string" ? time : time.toISOString();
  if (opts) el.dataset.i18nTimeOpts = JSON.stringify(opts);
  el.textContent = formatTime(time, opts);
}

// setText marks el with a key (so a language switch retranslates it) and translates it now.
export function setText(el, key, vars) {
  el.dataset.i18n = key;
  if (vars) el.dataset.i18nArgs = JSON.stringify(vars);
  else delete el.dataset.i18nArgs;
  el.textContent = t(key, vars);
}

// localized picks the best string of a {ko, zh, en} map from the API.
export function localized(m) {
  if (!m) return "";
  for (const l of [current, "en", "ko", "zh"]) if (m[l]) return m[l];
  const first = Object.values(m)[0];
  return first || "";
}

// setupSwitcher fills the language <select> and switches language in place; onChange runs
// after the catalog loaded (to re-render text that is not marked with data-i18n).
export function setupSwitcher(select, onChange = () => {}) {
  select.replaceChildren(...LANGUAGES.map((l) => {
    const o = document.createElement("option");
    o.value = l;
    o.dataset.i18n = "lang." + l;
    o.textContent = t("lang." + l);
    return o;
  }));
  select.value = current;
  select.addEventListener("change", async () => {
    const url = new URL(location.href);
    url.searchParams.set("lang", select.value);
    history.replaceState(null, "", url);
    await load(select.value);
    onChange();
  });
}

// formatTime renders an ISO time in the current language.
export function formatTime(iso, opts = { dateStyle: "medium", timeStyle: "short" }) {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(current === "zh" ? "zh-CN" : current, opts).format(d);
}
