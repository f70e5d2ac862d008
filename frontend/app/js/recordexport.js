// recordexport: the record page's downloads. The export (GET /api/agreements/{id}/export, the
// BagIt ZIP with the recordings) is read with fetch and a ReadableStream so a progress bar can
// follow the bytes against Content-Length, or X-Signroom-Export-Size when the server streams
// without a length; the chunks are then saved as one Blob. The whole package is held in the
// browser's memory until saved (a Blob of its size plus the chunks while it is built), which
// is the price of a plain download with progress; the server itself never holds it whole.
import { setText } from "./i18n.js";
import { el } from "./forms.js";
import { ApiError } from "./api.js";
import { context } from "./staff.js";

const $ = (id) => document.getElementById(id);

// fetchOK fetches path with the staff token and turns a refusal into an ApiError.
async function fetchOK(path) {
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: "Bearer " + context.token() }, cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, "network", e.message);
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError(res.status, body.error?.code || "http_" + res.status, body.error?.message);
  }
  return res;
}

function filename(res, fallback) {
  const cd = res.headers.get("Content-Disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain ? plain[1] : fallback;
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// progress shows how much of total has arrived (total 0: unknown, the bytes only).
function progress(got, total) {
  const bar = $("rp-export-bar");
  const pct = total ? Math.min(100, Math.floor((100 * got) / total)) : 0;
  if (total) bar.value = pct;
  else bar.removeAttribute("value");
  bar.dataset.received = String(got);
  bar.dataset.percent = String(pct);
  const mb = (n) => (n / 1048576).toFixed(1);
  setText($("rp-export-percent"), total ? "rp.export_progress" : "rp.export_progress_unknown", { percent: pct, got: mb(got), total: mb(total) });
}

// exportPackage downloads the export with progress and saves it; done(err) is told at the end.
export async function exportPackage(id, done) {
  const button = $("rp-export");
  button.disabled = true;
  $("rp-export-progress").hidden = false;
  $("rp-download-note").textContent = "";
  progress(0, 0);
  try {
    const res = await fetchOK(`/api/agreements/${id}/export`);
    const total = Number(res.headers.get("Content-Length") || res.headers.get("X-Signroom-Export-Size") || 0);
    const reader = res.body.getReader();
    const chunks = [];
    let got = 0;
    progress(0, total);
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      chunks.push(value);
      got += value.byteLength;
      progress(got, total);
    }
    if (total && got !== total) throw new ApiError(0, "export_incomplete", `got ${got} of ${total} bytes`);
    progress(got, got);
    const name = filename(res, "signroom-export-" + id + ".zip");
    save(new Blob(chunks, { type: "application/zip" }), name);
    setText($("rp-export-percent"), "rp.export_done", { percent: 100, got: (got / 1048576).toFixed(1) });
    const note = $("rp-download-note");
    setText(note, "rp.exported", { name, mb: (got / 1048576).toFixed(1) });
    note.dataset.name = name;
    note.dataset.size = String(got);
    await done(null);
  } catch (err) {
    await done(err);
  } finally {
    button.disabled = false;
  }
}

// downloadSealedPDF saves the sealed PDF and shows its SHA-256 as the browser computed it.
export async function downloadSealedPDF(id, button, done) {
  button.disabled = true;
  try {
    const res = await fetchOK(`/api/agreements/${id}/sealed.pdf`);
    const blob = await res.blob();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
    const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    const name = filename(res, id + ".pdf");
    save(blob, name);
    const note = $("rp-download-note");
    setText(note, "record.downloaded", { name, kb: Math.max(1, Math.round(blob.size / 1024)), sha256: hex });
    note.dataset.sha256 = hex;
    await done(null);
  } catch (err) {
    await done(err);
  } finally {
    button.disabled = false;
  }
}
