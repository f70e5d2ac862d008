// clocks: the venues' local times in the header and the scheduled start in each venue's
// time zone, so officials in different countries read the same moment in their own terms.
import { t, language, localized } from "./i18n.js";

function locale() { return language() === "zh" ? "zh-CN" : language(); }

// venueLabel names a venue by its place (a city) or, without one, its name.
function venueLabel(v) { return v.place || localized(v.name); }

// zoned formats a moment in a time zone (24-hour) and gives the zone's short name.
function zoned(date, timeZone, opts) {
  const fmt = new Intl.DateTimeFormat(locale(), { ...opts, hourCycle: "h23", timeZone });
  const zone = new Intl.DateTimeFormat(locale(), { timeZone, timeZoneName: "short" }).formatToParts(date)
    .find((p) => p.type === "timeZoneName")?.value || timeZone;
  return { text: fmt.format(date), zone };
}

function zonedVenues(venues) {
  return (venues || []).filter((v) => {
    if (!v.time_zone) return false;
    try { new Intl.DateTimeFormat("en", { timeZone: v.time_zone }); return true; } catch { return false; }
  });
}

// Clocks keeps one clock per venue with a time zone in root, updated every few seconds.
export class Clocks {
  constructor(root, venues) {
    this.root = root;
    this.venues = zonedVenues(venues);
    this.render();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.render(), 5000);
  }

  render() {
    const now = new Date();
    this.root.replaceChildren(...this.venues.map((v) => {
      const { text, zone } = zoned(now, v.time_zone, { hour: "2-digit", minute: "2-digit" });
      const el = document.createElement("span");
      el.className = "clock";
      el.dataset.timeZone = v.time_zone;
      el.title = t("clock.title", { place: venueLabel(v), zone: v.time_zone });
      const place = document.createElement("span");
      place.className = "clock-place";
      place.textContent = venueLabel(v);
      const time = document.createElement("time");
      time.textContent = text;
      const z = document.createElement("span");
      z.className = "clock-zone";
      z.textContent = zone;
      el.append(place, time, z);
      return el;
    }));
    this.root.hidden = this.venues.length === 0;
  }
}

// scheduledItems lists the scheduled start in each venue's time zone, labelled.
export function scheduledItems(iso, venues) {
  const at = new Date(iso);
  return zonedVenues(venues).map((v) => {
    const { text, zone } = zoned(at, v.time_zone, { dateStyle: "medium", timeStyle: "short" });
    const li = document.createElement("li");
    li.dataset.timeZone = v.time_zone;
    li.textContent = t("join.scheduled_at", { place: venueLabel(v), time: text, zone });
    return li;
  });
}
