// console: the organizer's agreement editor — titles and descriptions per language, parties,
// venues with their time zones, participants, document versions (uploaded with a progress
// bar) and the planned time in each venue's local time; then scheduling, which issues the
// invitations. Every change goes through the API, and its field errors appear beside the
// fields they concern.
import { t, setText, localized, formatTime } from "./i18n.js";
import { request, upload } from "./api.js";
import { el, showErrors, clearErrors, readLocalized, fillLocalized, timeZones, fillZones, browserZone,
  zonedToDate, dateToZoned, errorKey } from "./forms.js";
import { scheduledItems } from "./clocks.js";

const $ = (id) => document.getElementById(id);

// GRANTS are what each role may do in the ceremony (agreement.GrantsFor).
const GRANTS = {
  host: ["publish", "subscribe", "host"],
  signatory: ["publish", "subscribe", "sign"],
  witness: ["publish", "subscribe", "sign"],
  venue: ["publish", "subscribe"],
  observer: ["subscribe"],
};

export function grantsText(role) {
  return (GRANTS[role] || []).map((g) => t("grant." + g)).join(t("console.list_sep"));
}

// Editor edits one agreement (or a new one) in the details tab.
export class Editor {
  // api(path, opts) calls the API with the staff token; onSaved(agreement) tells the page.
  constructor({ api, token, onSaved, onScheduled }) {
    this.api = api;
    this.token = token;
    this.onSaved = onSaved;
    this.onScheduled = onScheduled;
    this.ag = null;
    this.zones = timeZones();
    $("ag-form").addEventListener("submit", (e) => { e.preventDefault(); this.saveAgreement(); });
    this.wireList("party-form", (body, id) => this.saveItem("parties", body, id), () => this.partyBody());
    this.wireList("venue-form", (body, id) => this.saveItem("venues", body, id), () => this.venueBody());
    this.wireList("participant-form", (body, id) => this.saveItem("participants", body, id), () => this.participantBody());
    $("document-form").addEventListener("submit", (e) => { e.preventDefault(); this.uploadDocument(); });
    $("pt-role").addEventListener("change", () => this.showGrants());
    $("ag-order").addEventListener("change", () => this.showGrants());
    $("ag-when").addEventListener("change", () => this.showLocalSchedule());
    $("ag-when-zone").addEventListener("change", () => this.showLocalSchedule());
    $("schedule-button").addEventListener("click", () => this.schedule());
    fillZones($("venue-tz"), this.zones, browserZone());
  }

  // wireList makes a list form add (or, while editing a row, replace) an item.
  wireList(formId, save, body) {
    const form = $(formId);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await save(body(), form.dataset.editing || "");
        this.stopEditing(form);
      } catch (err) {
        showErrors(form, err);
      } finally {
        button.disabled = false;
      }
    });
    form.querySelector(".cancel-edit").addEventListener("click", () => this.stopEditing(form));
  }

  startEditing(form, id) {
    clearErrors(form);
    form.dataset.editing = id;
    const button = form.querySelector("button[type=submit]");
    setText(button, button.dataset.i18nEdit);
    form.querySelector(".cancel-edit").hidden = false;
    form.querySelector("input,select").focus();
  }

  stopEditing(form) {
    delete form.dataset.editing;
    form.reset();
    clearErrors(form);
    const button = form.querySelector("button[type=submit]");
    setText(button, button.dataset.i18n === button.dataset.i18nEdit ? this.addKey(form) : button.dataset.i18n);
    form.querySelector(".cancel-edit").hidden = true;
    if (form.id === "venue-form") $("venue-tz").value = browserZone();
    this.showGrants();
  }

  addKey(form) {
    return { "party-form": "console.add_party", "venue-form": "console.add_venue", "participant-form": "console.add_participant" }[form.id];
  }

  // openNew shows an empty agreement form.
  openNew() {
    this.ag = null;
    $("ag-form").reset();
    clearErrors($("ag-form"));
    $("ag-parts").hidden = true;
    $("ag-form").querySelector(".form-saved").hidden = true;
    setText($("ag-save"), "console.create");
    this.fillScheduleZones();
    this.showLocalSchedule();
  }

  // show renders agreement a (as GET /api/agreements/{id} gives it).
  show(a) {
    const first = !this.ag || this.ag.id !== a.id;
    this.ag = a;
    const editable = a.state === "draft";
    if (first) {
      fillLocalized("ag-title", a.title);
      fillLocalized("ag-desc", a.description);
      $("ag-order").value = a.signing_order || "parallel";
      this.fillScheduleZones();
      $("ag-when").value = a.scheduled_at ? dateToZoned(a.scheduled_at, $("ag-when-zone").value) : "";
      for (const f of ["ag-form", "party-form", "venue-form", "participant-form", "document-form"]) {
        clearErrors($(f));
        if ($(f).dataset.editing) this.stopEditing($(f));
      }
      $("ag-form").querySelector(".form-saved").hidden = true;
    }
    setText($("ag-save"), "console.save");
    $("ag-parts").hidden = false;
    $("ag-form").querySelectorAll("input,textarea,select,button").forEach((e) => { e.disabled = !editable; });
    for (const f of ["party-form", "venue-form", "participant-form", "document-form"]) $(f).hidden = !editable;
    $("schedule-card").hidden = !editable;
    this.render();
  }

  render() {
    if (!this.ag) return;
    this.renderParties();
    this.renderVenues();
    this.renderParticipants();
    this.renderDocuments();
    this.fillScheduleZones();
    this.showLocalSchedule();
    this.showGrants();
  }

  editable() { return this.ag && this.ag.state === "draft"; }

  // rowActions gives a row's Edit and Delete buttons, named for screen readers.
  rowActions(kind, id, label, onEdit) {
    if (!this.editable()) return el("td");
    const edit = el("button", { type: "button", className: "button-quiet small", i18n: "console.edit" });
    edit.setAttribute("aria-label", t("console.edit_named", { name: label }));
    edit.addEventListener("click", onEdit);
    const del = el("button", { type: "button", className: "button-quiet small danger", i18n: "console.delete" });
    del.setAttribute("aria-label", t("console.delete_named", { name: label }));
    del.addEventListener("click", () => this.deleteItem(kind, id, del));
    return el("td", { className: "row-actions" }, edit, del);
  }

  renderParties() {
    const rows = this.ag.parties.map((p) => el("tr", { dataset: { partyId: p.id } },
      el("td", {}, namesCell(p.name)), el("td", { textContent: p.country }),
      this.rowActions("parties", p.id, localized(p.name), () => {
        fillLocalized("party-name", p.name);
        $("party-country").value = p.country;
        this.startEditing($("party-form"), p.id);
      })));
    $("parties-table").querySelector("tbody").replaceChildren(...rows, ...emptyRow(rows, 3));
    const keep = $("pt-party").value;
    $("pt-party").replaceChildren(el("option", { value: "", i18n: "console.no_party" }),
      ...this.ag.parties.map((p) => el("option", { value: p.id, textContent: localized(p.name) })));
    $("pt-party").value = this.ag.parties.some((p) => p.id === keep) ? keep : "";
  }

  renderVenues() {
    const now = new Date();
    const rows = this.ag.venues.map((v) => el("tr", { dataset: { venueId: v.id } },
      el("td", {}, namesCell(v.name)), el("td", { textContent: v.place || "" }),
      el("td", { textContent: v.time_zone }),
      el("td", { textContent: formatTime(now, { timeStyle: "short", timeZone: v.time_zone, hourCycle: "h23" }) }),
      this.rowActions("venues", v.id, localized(v.name), () => {
        fillLocalized("venue-name", v.name);
        $("venue-place").value = v.place || "";
        $("venue-tz").value = v.time_zone;
        this.startEditing($("venue-form"), v.id);
      })));
    $("venues-table").querySelector("tbody").replaceChildren(...rows, ...emptyRow(rows, 5));
    const keep = $("pt-venue").value;
    $("pt-venue").replaceChildren(...this.ag.venues.map((v) => el("option", { value: v.id, textContent: localized(v.name) })));
    if (this.ag.venues.some((v) => v.id === keep)) $("pt-venue").value = keep;
  }

  renderParticipants() {
    const party = (id) => localized(this.ag.parties.find((p) => p.id === id)?.name);
    const venue = (id) => localized(this.ag.venues.find((v) => v.id === id)?.name);
    const rows = this.ag.participants.map((p) => el("tr", { dataset: { participantId: p.id } },
      el("td", {}, el("span", { className: "strong", textContent: p.name }), p.title ? el("span", { className: "muted block", textContent: p.title }) : null),
      el("td", { textContent: party(p.party_id) }), el("td", { textContent: venue(p.venue_id) }),
      el("td", {}, el("span", { i18n: "role." + p.role }), p.order ? el("span", { className: "muted", textContent: " #" + p.order }) : null),
      el("td", { className: "muted", textContent: grantsText(p.role) }),
      this.rowActions("participants", p.id, p.name, () => {
        $("pt-name").value = p.name;
        $("pt-title").value = p.title || "";
        $("pt-party").value = p.party_id || "";
        $("pt-venue").value = p.venue_id;
        $("pt-role").value = p.role;
        $("pt-order").value = p.order || "";
        this.showGrants();
        this.startEditing($("participant-form"), p.id);
      })));
    $("participants-table").querySelector("tbody").replaceChildren(...rows, ...emptyRow(rows, 6));
  }

  renderDocuments() {
    const items = this.ag.documents.map((d) => {
      const card = documentCard(d, this.editable() ? () => this.deleteItem("documents", d.id) : null);
      if (d.pages) card.append(thumbnails(this.ag.id, d, this.token()));
      return card;
    });
    $("documents-list").replaceChildren(...items);
    if (!items.length) $("documents-list").append(el("li", { className: "muted empty", i18n: "console.no_documents" }));
  }

  showGrants() {
    $("pt-grants").textContent = grantsText($("pt-role").value);
    $("pt-order-field").hidden = !(this.ag?.signing_order === "sequential" && $("pt-role").value === "signatory");
  }

  // fillScheduleZones offers the venues' zones, UTC and the browser's zone for the planned time.
  fillScheduleZones() {
    const venueZones = (this.ag?.venues || []).map((v) => v.time_zone);
    const zones = [...new Set([...venueZones, browserZone(), "UTC"])];
    fillZones($("ag-when-zone"), zones, venueZones[0] || browserZone());
  }

  showLocalSchedule() {
    const when = $("ag-when").value ? zonedToDate($("ag-when").value, $("ag-when-zone").value) : null;
    const venues = this.ag?.venues || [];
    const items = when && venues.length ? scheduledItems(when.toISOString(), venues) : [];
    $("ag-schedule-local").querySelector("ul").replaceChildren(...items);
    $("ag-schedule-local").hidden = !items.length;
  }

  agreementBody() {
    const body = { title: readLocalized("ag-title"), description: readLocalized("ag-desc"), signing_order: $("ag-order").value };
    const when = $("ag-when").value ? zonedToDate($("ag-when").value, $("ag-when-zone").value) : null;
    if (when) body.scheduled_at = when.toISOString().replace(/\.\d{3}Z$/, "Z");
    return body;
  }

  async saveAgreement() {
    const form = $("ag-form");
    clearErrors(form);
    form.querySelector(".form-saved").hidden = true;
    $("ag-save").disabled = true;
    try {
      const body = this.agreementBody();
      const a = this.ag
        ? await this.api("/api/agreements/" + this.ag.id, { method: "PATCH", body })
        : await this.api("/api/agreements", { method: "POST", body });
      form.querySelector(".form-saved").hidden = !this.ag;
      this.onSaved(a, !this.ag);
    } catch (err) {
      showErrors(form, err);
    } finally {
      $("ag-save").disabled = !this.editable() && !!this.ag;
    }
  }

  partyBody() {
    return { name: readLocalized("party-name"), country: $("party-country").value.trim().toUpperCase() };
  }

  venueBody() {
    return { name: readLocalized("venue-name"), place: $("venue-place").value.trim(), time_zone: $("venue-tz").value };
  }

  participantBody() {
    const b = { name: $("pt-name").value.trim(), title: $("pt-title").value.trim(), party_id: $("pt-party").value,
      venue_id: $("pt-venue").value, role: $("pt-role").value };
    if (!$("pt-order-field").hidden && $("pt-order").value !== "") b.order = Number($("pt-order").value);
    return b;
  }

  async saveItem(kind, body, id) {
    const path = "/api/agreements/" + this.ag.id + "/" + kind + (id ? "/" + id : "");
    await this.api(path, { method: id ? "PUT" : "POST", body });
    await this.reload();
  }

  async deleteItem(kind, id, button) {
    $("ag-error").hidden = true;
    if (button) button.disabled = true;
    try {
      await this.api("/api/agreements/" + this.ag.id + "/" + kind + "/" + id, { method: "DELETE" });
      await this.reload();
    } catch (err) {
      setText($("ag-error"), errorKey(err));
      $("ag-error").hidden = false;
      if (button) button.disabled = false;
    }
  }

  async reload() {
    this.onSaved(await this.api("/api/agreements/" + this.ag.id), false);
  }

  async uploadDocument() {
    const form = $("document-form");
    clearErrors(form);
    const file = $("doc-file").files[0];
    if (!file) return showErrors(form, { fields: [{ field: "file", rule: "required" }] });
    const lang = $("doc-language").value;
    const path = `/api/agreements/${this.ag.id}/documents?language=${encodeURIComponent(lang)}&filename=${encodeURIComponent(file.name)}`;
    $("doc-upload").disabled = true;
    $("upload-progress").hidden = false;
    const progress = (f) => {
      $("upload-bar").value = Math.round(f * 100);
      $("upload-percent").textContent = t("console.upload_progress", { percent: Math.round(f * 100) });
    };
    progress(0);
    try {
      await upload(path, new File([file], file.name, { type: "application/pdf" }), { token: this.token(), onProgress: progress });
      form.reset();
      await this.reload();
    } catch (err) {
      showErrors(form, uploadError(err));
    } finally {
      $("doc-upload").disabled = false;
      $("upload-progress").hidden = true;
    }
  }

  async schedule() {
    $("schedule-error").hidden = true;
    $("schedule-button").disabled = true;
    try {
      const res = await this.api("/api/agreements/" + this.ag.id + "/schedule", { method: "POST" });
      this.onScheduled(res);
    } catch (err) {
      setText($("schedule-error"), err.code === "invalid" ? "console.schedule_incomplete" : errorKey(err));
      $("schedule-error").hidden = false;
    } finally {
      $("schedule-button").disabled = false;
    }
  }
}

// uploadError names the file field for upload refusals that concern the file itself (the
// PDF's problem by its error code, e.g. validation.invalid_pdf) or the language field for a
// language that has a document already.
function uploadError(err) {
  if (err.fields && err.fields.length) return err;
  if (err.status === 409) {
    err.fields = [{ field: "language", rule: "document_exists" }];
  } else if ([413, 415, 422].includes(err.status)) {
    const rule = t("validation." + err.code) === "validation." + err.code ? "pdf" : err.code;
    err.fields = [{ field: "file", rule }];
  }
  return err;
}

// namesCell lists an item's names per language.
function namesCell(names) {
  return el("span", { className: "names" }, ...["ko", "zh", "en"].filter((l) => names[l]).map((l) =>
    el("span", { className: "name-line", lang: l === "zh" ? "zh-Hans" : l },
      el("span", { className: "lang-tag", textContent: l }), names[l])));
}

function emptyRow(rows, cols) {
  return rows.length ? [] : [el("tr", { className: "empty" }, el("td", { colSpan: cols, className: "muted", i18n: "console.none_yet" }))];
}

// documentCard shows a document version: language, file name, size, SHA-256, and its pages
// once they were rendered.
export function documentCard(d, onDelete) {
  const head = el("div", { className: "doc-head" },
    el("span", { className: "doc-lang", i18n: "doclang." + d.language }),
    el("span", { className: "doc-name", textContent: d.filename || d.id }),
    el("span", { className: "muted", textContent: t("console.size_kb", { kb: Math.max(1, Math.round(d.size / 1024)) }) }));
  if (d.pages) head.append(el("span", { className: "muted doc-pages", textContent: t("console.pages", { n: d.pages }) }));
  if (onDelete) {
    const del = el("button", { type: "button", className: "button-quiet small danger", i18n: "console.delete" });
    del.setAttribute("aria-label", t("console.delete_named", { name: d.filename || d.language }));
    del.addEventListener("click", () => { del.disabled = true; onDelete(); });
    head.append(del);
  }
  const hash = el("code", { className: "fingerprint", textContent: d.sha256.replace(/(.{8})/g, "$1 ").trim() });
  hash.setAttribute("aria-label", t("console.sha256"));
  return el("li", { className: "doc-card", dataset: { documentId: d.id, language: d.language } }, head,
    el("span", { className: "muted small-label", i18n: "console.sha256" }), hash);
}

// THUMBS is how many page thumbnails a document card shows; thumbCache keeps their object URLs
// by document id and page, so re-rendering does not fetch them again.
const THUMBS = 6;
const thumbCache = new Map();

// thumbnails shows a document's first pages as thumbnails (the server renders them at upload);
// a server without page images leaves the row empty.
function thumbnails(agreementId, d, token) {
  const row = el("div", { className: "thumbs", dataset: { document: d.id } });
  const base = `/api/agreements/${agreementId}/documents/${d.id}/pages/`;
  const n = Math.min(d.pages, THUMBS);
  for (let page = 1; page <= n; page++) {
    const img = el("img", { alt: t("console.page_thumb", { n: page }), loading: "lazy" });
    img.dataset.page = String(page);
    row.append(img);
    const key = d.id + "/" + page;
    const cached = thumbCache.get(key);
    if (cached) img.src = cached;
    else fetchThumb(base + page + "/thumb", token).then((url) => {
      if (!url) return row.remove();
      thumbCache.set(key, url);
      img.src = url;
    });
  }
  if (d.pages > n) row.append(el("span", { className: "muted small", textContent: t("console.more_pages", { n: d.pages - n }) }));
  return row;
}

async function fetchThumb(path, token) {
  try {
    const res = await fetch(path, { headers: { Authorization: "Bearer " + token } });
    return res.ok ? URL.createObjectURL(await res.blob()) : "";
  } catch {
    return "";
  }
}
