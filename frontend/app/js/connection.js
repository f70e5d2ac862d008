// connection: how the call's connection is shown — one banner for an outage instead of a
// line per event, and a quality level that changes only when the change holds.
import { setText } from "./i18n.js";

// BACK_MS: how long "connection back" stays up after an outage.
const BACK_MS = 5000;

// OutageBanner shows "reconnecting…" while the connection is down, however many attempts
// it takes, then "back" for a moment.
export class OutageBanner {
  constructor(el) {
    this.el = el;
    this.down = false;
  }

  // update takes the ceremony's connection state: connecting, connected or reconnecting.
  update(state) {
    clearTimeout(this.timer);
    if (state === "reconnecting") {
      this.down = true;
      this.show("reconnecting");
    } else if (state === "connected" && this.down) {
      this.down = false;
      this.show("back");
      this.timer = setTimeout(() => { this.el.hidden = true; }, BACK_MS);
    }
  }

  show(what) {
    this.el.dataset.state = what;
    setText(this.el, "connection." + what);
    this.el.hidden = false;
  }
}

// levelOf grades a round-trip time (ms) and a packet loss (%).
export function levelOf(rtt, loss) {
  return rtt < 150 && loss < 2 ? "good" : rtt < 400 && loss < 8 ? "fair" : "poor";
}

// QualityLevel is the level to show: the first measurement at once, later a different
// level only once it was measured hold times in a row (samples come every two seconds, so
// a level shows after about six seconds instead of flapping with each sample).
export class QualityLevel {
  constructor(hold = 3) {
    this.hold = hold;
    this.level = "unknown";
    this.candidate = "";
    this.count = 0;
  }

  // push takes a measured level and returns the level to show.
  push(measured) {
    if (this.level === "unknown" || measured === this.level) {
      this.level = measured;
      this.candidate = "";
      this.count = 0;
      return this.level;
    }
    this.count = measured === this.candidate ? this.count + 1 : 1;
    this.candidate = measured;
    if (this.count >= this.hold) {
      this.level = measured;
      this.candidate = "";
      this.count = 0;
    }
    return this.level;
  }
}
