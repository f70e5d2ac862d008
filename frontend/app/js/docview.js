// docview: the agreement's documents in the room. Every participant pages through every
// language version (thumbnails, zoom, the page's text for screen readers, the original PDF
// with its SHA-256). The host's page turns are shared (signaling "view"); the others follow
// them until they browse on their own, and "Follow the host" brings them back.
import { setText, t } from "./i18n.js";
import { request } from "./api.js";

const $ = (id) => document.getElementById(id);
const ZOOMS = [1, 1.25, 1.5, 2, 3];

export class DocView {
  // root: the #docview section; documents: the agreement's documents (GET /api/join);
  // host: whether this participant drives the shared view; sendView(document, page) shares it.
  constructor(root, { token, documents, host, sendView }) {
    this.root = root;
    this.token = token;
    this.documents = documents;
    this.host = host;
    this.sendView = sendView;
    this.lists = new Map(); // document id -> page list, null when it has none
    this.urls = new Map(); // "doc/page/kind" -> object URL
    this.following = !host;
    this.hostView = null;
    this.doc = null;
    this.page = 1;
    this.zoom = 0;
    this.textShown = false;
    this.ready = false;
  }

  async init() {
    this.root.hidden = !this.documents.length;
    if (!this.documents.length) return;
    this.wire();
    await Promise.all(this.documents.map(async (d) => {
      try {
        this.lists.set(d.id, await request(`/api/join/documents/${encodeURIComponent(d.id)}/pages`, { token: this.token }));
      } catch (err) {
        console.warn("pages of", d.id, err);
        this.lists.set(d.id, null);
      }
    }));
    this.ready = true;
    this.renderTabs();
    const start = this.known(this.hostView) && (this.following || this.host) ? this.hostView : { document: this.defaultDoc().id, page: 1 };
    await this.show(start.document, start.page);
    this.renderFollow();
    this.root.dataset.ready = "true";
  }

  wire() {
    $("doc-prev").addEventListener("click", () => this.choose(this.doc, this.page - 1));
    $("doc-next").addEventListener("click", () => this.choose(this.doc, this.page + 1));
    $("doc-zoom-in").addEventListener("click", () => this.setZoom(this.zoom + 1));
    $("doc-zoom-out").addEventListener("click", () => this.setZoom(this.zoom - 1));
    $("doc-follow-button").addEventListener("click", () => this.follow());
    $("doc-download").addEventListener("click", () => this.download());
    $("doc-text-toggle").addEventListener("click", () => { this.textShown = !this.textShown; this.renderText(); });
    $("doc-viewer").addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 }[e.key];
      if (step) {
        e.preventDefault();
        this.choose(this.doc, this.page + step);
      }
    });
  }

  // defaultDoc is the version in the interface language, else the first.
  defaultDoc() {
    const lang = document.documentElement.lang.slice(0, 2);
    return this.documents.find((d) => d.language === lang) || this.documents[0];
  }

  known(view) { return !!view && this.documents.some((d) => d.id === view.document); }

  docOf(id) { return this.documents.find((d) => d.id === id); }

  pageCount(id) {
    const l = this.lists.get(id);
    return l ? l.page_count : (this.docOf(id)?.pages || 1);
  }

  // hostMoved takes the host's view (welcome or view_changed): followers go there. The
  // host's own page turns coming back (mine) are not applied again: a quick second turn
  // would be undone by the echo of the first.
  hostMoved(view, mine = false) {
    if (!this.known(view)) return;
    this.hostView = view;
    if (this.ready && !mine && (this.following || this.host)) this.show(view.document, view.page);
    if (this.ready) this.renderFollow();
  }

  // choose is the user's own page turn: the host shares it, anyone else stops following.
  choose(id, page) {
    if (!this.ready || !this.docOf(id)) return;
    page = Math.min(Math.max(1, page), this.pageCount(id));
    if (this.host) this.sendView(id, page);
    else this.following = false;
    this.show(id, page);
    this.renderFollow();
  }

  follow() {
    this.following = true;
    if (this.hostView) this.show(this.hostView.document, this.hostView.page);
    this.renderFollow();
  }

  async show(id, page) {
    const changedDoc = id !== this.doc;
    this.doc = id;
    this.page = Math.min(Math.max(1, page), this.pageCount(id));
    const total = this.pageCount(id);
    this.root.dataset.document = id;
    this.root.dataset.page = String(this.page);
    if (changedDoc) this.renderThumbs();
    this.renderTabs();
    this.renderPosition();
    $("doc-prev").disabled = this.page <= 1;
    $("doc-next").disabled = this.page >= total;
    const d = this.docOf(id);
    $("doc-sha").textContent = d.sha256.replace(/(.{8})/g, "$1 ").trim();
    $("doc-thumbs").querySelectorAll("li").forEach((li) => {
      const current = Number(li.dataset.page) === this.page;
      li.querySelector("button").toggleAttribute("aria-current", current);
      if (current) li.scrollIntoView({ block: "nearest", inline: "nearest" });
    });
    await Promise.all([this.showImage(id, this.page), this.showText(id, this.page)]);
  }

  async showImage(id, page) {
    const img = $("doc-page");
    const missing = this.lists.get(id) === null;
    $("doc-unavailable").hidden = !missing;
    img.hidden = missing;
    if (missing) return;
    img.alt = t("doc.page_alt", { n: page, total: this.pageCount(id), lang: t("doclang." + this.docOf(id).language) });
    try {
      const url = await this.objectURL(id, page, "image");
      if (this.doc !== id || this.page !== page) return;
      img.onload = () => { if (this.doc === id && this.page === page) Object.assign(img.dataset, { document: id, page: String(page) }); };
      delete img.dataset.page;
      img.src = url;
    } catch (err) {
      console.warn("page image", err);
    }
  }

  async showText(id, page) {
    const box = $("doc-text");
    box.lang = this.docOf(id).language;
    setText($("doc-text-label"), "doc.text_label", { n: page });
    if (this.lists.get(id) === null) {
      box.textContent = "";
      return;
    }
    try {
      const res = await fetch(`/api/join/documents/${encodeURIComponent(id)}/pages/${page}/text`, { headers: { Authorization: "Bearer " + this.token } });
      if (!res.ok) throw new Error("status " + res.status);
      const text = await res.text();
      if (this.doc === id && this.page === page) box.textContent = text;
    } catch (err) {
      console.warn("page text", err);
    }
  }

  // objectURL fetches a page image or thumbnail with the invitation once and keeps it.
  async objectURL(id, page, kind) {
    const key = `${id}/${page}/${kind}`;
    if (!this.urls.has(key)) {
      this.urls.set(key, (async () => {
        const res = await fetch(`/api/join/documents/${encodeURIComponent(id)}/pages/${page}/${kind}`, { headers: { Authorization: "Bearer " + this.token } });
        if (!res.ok) throw new Error("status " + res.status);
        return URL.createObjectURL(await res.blob());
      })());
    }
    try {
      return await this.urls.get(key);
    } catch (err) {
      this.urls.delete(key);
      throw err;
    }
  }

  renderTabs() {
    const tabs = this.documents.map((d) => {
      const b = document.createElement("button");
      b.type = "button";
      b.role = "tab";
      b.className = "doc-tab";
      b.dataset.document = d.id;
      b.setAttribute("aria-selected", String(d.id === this.doc));
      setText(b, "doclang." + d.language);
      b.addEventListener("click", () => this.choose(d.id, d.id === this.doc ? this.page : 1));
      return b;
    });
    $("doc-tabs").replaceChildren(...tabs);
  }

  renderThumbs() {
    const id = this.doc;
    const items = [];
    for (let n = 1; n <= this.pageCount(id); n++) {
      const li = document.createElement("li");
      li.dataset.page = String(n);
      const b = document.createElement("button");
      b.type = "button";
      b.className = "doc-thumb";
      const img = document.createElement("img");
      img.alt = "";
      const label = document.createElement("span");
      setText(label, "doc.thumb_label", { n });
      b.append(img, label);
      b.addEventListener("click", () => this.choose(id, n));
      li.append(b);
      items.push(li);
      if (this.lists.get(id)) this.objectURL(id, n, "thumb").then((url) => { img.src = url; }).catch(() => {});
    }
    $("doc-thumbs").replaceChildren(...items);
  }

  renderPosition() {
    setText($("doc-pageno"), "doc.page_of", { n: this.page, total: this.pageCount(this.doc) });
    setText($("doc-zoom"), "doc.zoom_level", { percent: Math.round(ZOOMS[this.zoom] * 100) });
    $("doc-zoom-out").disabled = this.zoom === 0;
    $("doc-zoom-in").disabled = this.zoom === ZOOMS.length - 1;
  }

  setZoom(z) {
    this.zoom = Math.min(Math.max(0, z), ZOOMS.length - 1);
    $("doc-page").style.width = ZOOMS[this.zoom] * 100 + "%";
    this.root.dataset.zoom = String(ZOOMS[this.zoom]);
    this.renderPosition();
  }

  renderText() {
    $("doc-text").classList.toggle("sr-only", !this.textShown);
    $("doc-text-toggle").setAttribute("aria-expanded", String(this.textShown));
    setText($("doc-text-toggle"), this.textShown ? "doc.text_hide" : "doc.text_show");
  }

  renderFollow() {
    const text = $("doc-follow-text");
    const button = $("doc-follow-button");
    this.root.dataset.following = this.host ? "host" : String(this.following);
    button.hidden = this.host || this.following;
    if (this.host) return setText(text, "doc.host_note");
    if (this.following) return setText(text, "doc.following");
    const v = this.hostView;
    if (!v) return setText(text, "doc.own");
    setText(text, "doc.own_host_at", { page: v.page, lang: t("doclang." + this.docOf(v.document).language) });
  }

  relabel() {
    if (!this.ready) return;
    this.renderTabs();
    this.renderThumbs();
    this.show(this.doc, this.page);
    this.renderFollow();
    this.renderText();
  }

  // download saves the original PDF (fetched with the invitation, so the token never goes
  // into a URL).
  async download() {
    const d = this.docOf(this.doc);
    const button = $("doc-download");
    button.disabled = true;
    try {
      const res = await fetch(`/api/join/documents/${encodeURIComponent(d.id)}`, { headers: { Authorization: "Bearer " + this.token } });
      if (!res.ok) throw new Error("status " + res.status);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = d.filename || d.language + ".pdf";
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      this.root.dataset.downloaded = d.id;
    } catch (err) {
      console.warn("download", err);
    } finally {
      button.disabled = false;
    }
  }
}
