// auditview: the audit trail as the staff pages show it (the agreement page and the archive's
// record page): each event's label in the reader's language, who acted, and what it concerns.
import { t, formatTime } from "./i18n.js";
import { el } from "./forms.js";

// eventLabel names an audit event type in the user's language, or gives the type itself.
export function eventLabel(type) {
  const key = "event." + type;
  const s = t(key);
  return s === key ? type : s;
}

// actorLabel names an audit actor: by the names the server gave (names, "user:ID" -> name),
// a participant by participantName, the signed-in staff member as themselves, other staff as
// "staff", and the service.
export function actorLabel(actor, { names = {}, participantName = () => "", me = null } = {}) {
  if (!actor) return t("record.system");
  if (names[actor]) return names[actor];
  const [kind, id] = actor.split(":");
  if (kind === "participant") return participantName(id) || t("record.participant");
  if (kind === "user" || !id) return me && (id === me.id || actor === me.id) ? me.username : t("record.staff");
  return t("record.system");
}

// about says briefly what an event concerns: a participant, a document's language, an
// artifact or object, a source, a reason.
export function about(e, participantName = () => "") {
  const d = e.data || {};
  const parts = [];
  const pid = d.participant || d.participant_id;
  if (pid) parts.push(participantName(pid));
  if (d.language) parts.push(t("doclang." + d.language) === "doclang." + d.language ? d.language : t("doclang." + d.language));
  if (d.artifact) parts.push(d.artifact);
  else if (d.key) parts.push(d.key);
  if (d.source) parts.push(t("ready." + d.source));
  if (d.reason) parts.push(d.reason);
  return parts.filter(Boolean).join(" · ");
}

// auditRows are the table rows of events, newest first; who names actors (see actorLabel).
export function auditRows(events, who, timeClass = "") {
  return events.slice().reverse().map((e) => el("tr", { dataset: { type: e.type } },
    el("td", { className: "muted", textContent: String(e.seq) }),
    el("td", { className: timeClass, textContent: formatTime(e.at, { dateStyle: "short", timeStyle: "medium" }) }),
    el("td", { textContent: actorLabel(e.actor, who) }),
    el("td", {}, el("span", { textContent: eventLabel(e.type) }), " ", el("code", { className: "muted event-type", textContent: e.type })),
    el("td", { className: "muted", textContent: about(e, who.participantName) })));
}
