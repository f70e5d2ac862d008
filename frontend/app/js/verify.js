// verify: the public verify page. Package evidence, compiled to WebAssembly, checks a chosen
// evidence bundle or sealed PDF inside the browser: the file is read with the File API and
// handed to the module in memory; it is never sent anywhere (the page's Content-Security-Policy
// allows connections to this site only, and the page makes none with the file).
import { load, pickLanguage, setupSwitcher, setText, t, localized, formatTime } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const SEAL_LIST = "/.well-known/signroom/seal-certificates.json";
const state = { ready: false, name: "", bytes: null, own: null, ownError: false, extra: [], result: null };

// loadVerifier fetches the module with progress, starts it and waits for it to say it is ready.
async function loadVerifier() {
  const res = await fetch("/app/wasm/signroom-verify.wasm");
  if (res.status === 404) throw new Error("not built");
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  // Served gzipped, the body arrives decoded: X-Decoded-Length is its size.
  const total = Number(res.headers.get("X-Decoded-Length") || res.headers.get("Content-Length")) || 0;
  const reader = res.body.getReader();
  const chunks = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    showProgress(got, total);
  }
  const bytes = new Uint8Array(got);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  const go = new globalThis.Go();
  const ready = new Promise((resolve) => addEventListener("signroom-verifier-ready", resolve, { once: true }));
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  go.run(instance);
  await ready;
}

function showProgress(got, total) {
  const mb = (n) => (n / 1048576).toFixed(1);
  $("loader-progress").max = total || got;
  $("loader-progress").value = got;
  setText($("loader-text"), "verify.loading_progress", { got: mb(got), total: total ? mb(total) : "?" });
}

// loadOwnList fetches this installation's published seal certificates.
async function loadOwnList() {
  try {
    const res = await fetch(SEAL_LIST, { headers: { Accept: "application/json" } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    state.own = { text, list: JSON.parse(text) };
  } catch (e) {
    console.warn("seal certificate list", e);
    state.ownError = true;
  }
  renderOwn();
  if (state.bytes) verify(); // a file chosen before the list arrived
}

function renderOwn() {
  const el = $("trust-own-status");
  if (state.ownError) return setText(el, "verify.trust_own_error");
  if (!state.own) return setText(el, "verify.trust_own_loading");
  const l = state.own.list;
  setText(el, "verify.trust_own_status", { operator: l.installation.operator, url: l.installation.public_url, n: l.certificates.length });
}

function trustSources() {
  const out = [];
  if ($("trust-own").checked && state.own) out.push({ name: state.own.list.installation.public_url || location.origin, text: state.own.text });
  return out.concat(state.extra);
}

// verify runs the module on the chosen file with the current trust sources.
async function verify() {
  if (!state.bytes) return;
  $("result").hidden = false;
  document.body.dataset.verified = "false";
  if (!state.ready) {
    setText($("verdict"), "verify.waiting");
    return;
  }
  setText($("verdict"), "verify.verifying");
  $("verdict").className = "verdict";
  const json = await globalThis.signroomVerify(state.bytes, trustSources());
  state.result = JSON.parse(json);
  globalThis.signroomLastResult = state.result; // for tests and the console
  render();
  document.body.dataset.verified = "true";
  $("result").scrollIntoView({ block: "start" });
}

const VERDICT_CLASS = { "valid": "verdict-valid", "seal unverified": "verdict-unverified", "invalid": "verdict-invalid" };
const VERDICT_KEY = { "valid": "valid", "seal unverified": "unverified", "invalid": "invalid" };

function render() {
  renderOwn();
  renderSources();
  const r = state.result;
  if (!r) return;
  const rep = r.report;
  const v = VERDICT_KEY[rep.verdict] || "invalid";
  setText($("verdict"), "verify.verdict." + v);
  $("verdict").className = "verdict " + VERDICT_CLASS[rep.verdict];
  $("result").dataset.verdict = rep.verdict;
  setText($("verdict-text"), "verify.verdict_text." + v);
  facts($("file-facts"), [
    ["verify.fact_file", state.name],
    ["verify.fact_kind", t("verify.kind." + rep.kind)],
    ["verify.fact_size", t("verify.bytes", { n: r.file.size.toLocaleString() })],
    ["verify.fact_sha256", r.file.sha256, "hash"],
    ["verify.fact_checked_at", formatTime(new Date(), { dateStyle: "long", timeStyle: "long" })],
    ["verify.fact_trust", r.trust.map((s) => s.name + " (" + s.certificates + ")").join(", ") || t("verify.trust_none")],
    ["verify.fact_verifier", location.origin + "/app/verify.html"],
  ]);
  renderChecks(rep.checks);
  renderRecord(rep.record);
}

function facts(dl, rows) {
  dl.replaceChildren();
  for (const [key, value, cls] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = t(key);
    const dd = document.createElement("dd");
    dd.textContent = value || "—";
    if (cls) dd.className = cls;
    dl.append(dt, dd);
  }
}

// checkKey maps a check name ("signature binding: p-1") to its catalog slug and subject.
function checkKey(name) {
  const i = name.indexOf(": ");
  const base = i < 0 ? name : name.slice(0, i);
  return { slug: base.replace(/ /g, "_"), subject: i < 0 ? "" : name.slice(i + 2) };
}

// renderChecks lists failed checks first, then unverified ones, then those that passed.
function renderChecks(checks) {
  const rank = (c) => (c.ok ? 2 : c.unverified ? 1 : 0);
  const sorted = [...checks].sort((a, b) => rank(a) - rank(b));
  const passed = checks.filter((c) => c.ok).length;
  setText($("checks-summary"), "verify.checks_summary", { passed, total: checks.length });
  $("checks").replaceChildren(...sorted.map((c) => {
    const li = document.createElement("li");
    const status = c.ok ? "pass" : c.unverified ? "unverified" : "fail";
    li.className = "vcheck vcheck-" + status;
    li.dataset.check = c.name;
    li.dataset.status = status;
    const { slug, subject } = checkKey(c.name);
    const head = document.createElement("div");
    head.className = "vcheck-head";
    const mark = document.createElement("span");
    mark.className = "vcheck-mark";
    mark.textContent = t("verify.status." + status);
    const label = document.createElement("strong");
    label.textContent = t("verify.check." + slug) + (subject ? " — " + subject : "");
    head.append(mark, " ", label);
    li.append(head);
    if (!c.ok) {
      const why = document.createElement("p");
      why.textContent = t(c.unverified ? "verify.why.unverified" : "verify.why." + slug);
      li.append(why);
    }
    if (c.detail) {
      const d = document.createElement("p");
      d.className = "vcheck-detail";
      d.textContent = c.detail;
      li.append(d);
    }
    return li;
  }));
}

function renderRecord(rec) {
  $("record").hidden = !rec;
  if (!rec) return;
  facts($("agreement-facts"), [
    ["verify.fact_agreement", rec.agreement_id],
    ["verify.fact_title", localized(rec.titles)],
    ["verify.fact_parties", (rec.parties || []).map((p) => localized(p.names)).join(" · ")],
    ["verify.fact_sealed_at", utc(rec.sealed_at)],
  ]);
  rows($("signers"), (rec.signers || []).map((s) => [localized(s.party_names), s.name + (s.title ? ", " + s.title : ""),
    [localized(s.venue_names), s.place].filter(Boolean).join(", ") + (s.time_zone ? " (" + s.time_zone + ")" : ""), utc(s.signed_at), s.signed_at_local, s.thumbprint]), [5]);
  rows($("documents"), (rec.documents || []).map((d) => [d.filename + " (" + d.id + ")", d.language, String(d.pages), d.sha256]), [3]);
  $("recordings-block").hidden = !(rec.recordings || []).length;
  rows($("recordings"), (rec.recordings || []).map((r) => [r.participant_id, r.filename, r.sha256,
    t(r.included ? "verify.included_yes" : "verify.included_no")]), [2]);
  facts($("seal-facts"), [
    ["verify.fact_seal_subject", rec.seal.subject],
    ["verify.fact_seal_sha256", rec.seal.sha256, "hash"],
    ["verify.fact_seal_validity", utc(rec.seal.not_before) + " – " + utc(rec.seal.not_after)],
  ]);
}

function rows(table, data, hashCols) {
  table.tBodies[0].replaceChildren(...data.map((cells) => {
    const tr = document.createElement("tr");
    cells.forEach((c, i) => {
      const td = document.createElement("td");
      td.textContent = c || "—";
      if (hashCols.includes(i)) td.className = "hash";
      tr.append(td);
    });
    return tr;
  }));
}

function utc(iso) {
  if (!iso) return "";
  return iso.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");
}

// sourceSummary says what a trust source gave: seal certificates, of them TSA roots, a log key.
function sourceSummary(st) {
  const parts = [];
  if (st.certificates || !st.log_keys) parts.push(t("verify.trust_source_ok", { n: st.certificates }));
  if (st.tsa_roots) parts.push(t("verify.trust_source_tsa_roots", { n: st.tsa_roots }));
  if (st.log_keys) parts.push(t("verify.trust_source_log_key"));
  return parts.join(", ");
}

function renderSources() {
  $("trust-sources").replaceChildren(...state.extra.map((s, i) => {
    const li = document.createElement("li");
    const st = state.result && state.result.trust.find((x) => x.name === s.name);
    li.textContent = s.name + (st ? " — " + (st.error ? t("verify.trust_source_error", { error: st.error }) : sourceSummary(st)) : "");
    const rm = document.createElement("button");
    rm.type = "button";
    rm.className = "button-quiet";
    rm.textContent = t("verify.trust_remove");
    rm.addEventListener("click", () => { state.extra.splice(i, 1); renderSources(); verify(); });
    li.append(" ", rm);
    return li;
  }));
}

async function chooseFile(file) {
  if (!file) return;
  state.name = file.name;
  state.bytes = new Uint8Array(await file.arrayBuffer());
  await verify();
}

function wire() {
  $("file-input").addEventListener("change", (e) => chooseFile(e.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("drop-over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("drop-over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("drop-over");
    chooseFile(e.dataTransfer.files[0]);
  });
  $("trust-own").addEventListener("change", verify);
  $("trust-file").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    state.extra.push({ name: f.name, text: await f.text() });
    e.target.value = "";
    renderSources();
    verify();
  });
  $("trust-apply").addEventListener("click", () => {
    const text = $("trust-text").value.trim();
    if (!text) return;
    state.extra.push({ name: t("verify.trust_typed", { n: state.extra.length + 1 }), text });
    $("trust-text").value = "";
    renderSources();
    verify();
  });
  $("print").addEventListener("click", () => print());
}

async function main() {
  await load(pickLanguage());
  setupSwitcher($("lang-select"), render);
  wire();
  renderOwn();
  loadOwnList();
  try {
    await loadVerifier();
    state.ready = true;
    $("loader").hidden = true;
    document.body.dataset.verifierReady = "true";
    verify();
  } catch (e) {
    console.error("verifier", e);
    $("loader").hidden = true;
    $("loader-error").hidden = false;
    setText($("loader-error"), e.message === "not built" ? "verify.not_built" : "verify.load_failed");
  }
}

main();
