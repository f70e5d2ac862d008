// archive: the archive search page (#/archive) for legal staff, archivists and administrators:
// free text over titles, parties, participants and the documents' own text, filters, sorting
// and paging; each hit opens its record page (#/archive/ID) and says where the text was found.
import { register, context } from "./staff.js";
import { setText, setTime, localized, language } from "./i18n.js";
import { el, errorKey } from "./forms.js";

const $ = (id) => document.getElementById(id);
const LIMIT = 20;
const FIELDS = ["q", "from", "to", "party", "venue", "country", "state", "hold", "sort"];
const state = { offset: 0, res: null, bound: false, seq: 0 };

// params reads the form into the search's query string.
function params() {
  const p = new URLSearchParams();
  for (const f of FIELDS) {
    const v = $("arch-" + f).value.trim();
    if (v) p.set(f, v);
  }
  p.set("lang", language());
  p.set("offset", String(state.offset));
  p.set("limit", String(LIMIT));
  return p;
}

// search asks the server; an answer to an earlier search that arrives late is dropped.
async function search() {
  const seq = ++state.seq;
  $("arch-error").hidden = true;
  $("arch-submit").disabled = true;
  try {
    const res = await context.api("/api/archive/search?" + params().toString());
    if (seq !== state.seq) return;
    state.res = res;
    render();
  } catch (err) {
    if (seq !== state.seq) return;
    setText($("arch-error"), errorKey(err));
    $("arch-error").hidden = false;
  } finally {
    if (seq === state.seq) $("arch-submit").disabled = false;
  }
}

function render() {
  const res = state.res;
  if (!res) return;
  const hits = res.hits || [];
  $("arch-results").querySelector("tbody").replaceChildren(...hits.map(row));
  $("arch-results").hidden = hits.length === 0;
  $("arch-none").hidden = hits.length !== 0;
  const summary = $("arch-summary");
  summary.hidden = hits.length === 0;
  if (hits.length) setText(summary, "archive.results", { from: res.offset + 1, to: res.offset + hits.length, total: res.total });
  $("arch-prev").hidden = res.offset === 0;
  $("arch-next").hidden = res.offset + hits.length >= res.total;
}

function row(h) {
  const date = el("td");
  setTime(date, h.sealed_at || h.created_at, { dateStyle: "medium" });
  const state = el("td", {}, el("span", { className: "badge badge-" + h.state, i18n: "state." + h.state }));
  if (h.legal_hold) state.append(" ", el("span", { className: "badge badge-hold", i18n: "archive.on_hold" }));
  return el("tr", { dataset: { agreementId: h.id } },
    el("td", {}, el("a", { href: "#/archive/" + h.id, textContent: localized(h.title) || h.id })),
    state, date,
    el("td", { textContent: (h.parties || []).map((p) => localized(p.name) + (p.country ? " (" + p.country + ")" : "")).join(", ") }),
    matchCell(h.match));
}

function matchCell(m) {
  const td = el("td", { className: "arch-match" });
  if (!m) return td;
  const where = el("span", { className: "muted" });
  if (m.page) setText(where, "archive.match_page", { page: m.page });
  else setText(where, "archive.match_record");
  td.append(where, el("br"), el("span", { textContent: m.snippet }));
  return td;
}

function bind() {
  if (state.bound) return;
  state.bound = true;
  $("arch-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.offset = 0;
    search();
  });
  $("arch-prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - LIMIT); search(); });
  $("arch-next").addEventListener("click", () => { state.offset += LIMIT; search(); });
}

register("archive", {
  open() {
    bind();
    search();
  },
  relabel: render,
});
