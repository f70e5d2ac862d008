// devices: the camera and microphone — opening them, choosing which ones, a level meter for
// the microphone, and what to say when the browser refuses them. The same panel serves the
// lobby and, moved into the sidebar, the room (a switch there replaces the track on the live
// sender through onSwitch).
import { setText, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const VIDEO = { width: 1280, height: 720 };
const DENIED = new Set(["NotAllowedError", "SecurityError"]);

export class Devices {
  // onStream(stream, status): a stream was opened (status: "ok", "no_camera", "no_microphone",
  // "none", or "denied" with stream null). onSwitch(kind, track): a device was switched.
  constructor({ onStream, onSwitch }) {
    this.stream = null;
    this.onStream = onStream;
    this.onSwitch = onSwitch || (() => {});
    this.camera = $("camera-select");
    this.mic = $("mic-select");
    this.meter = $("mic-level");
    this.peak = 0;
    this.camera.addEventListener("change", () => this.switchTo("video", this.camera.value));
    this.mic.addEventListener("change", () => this.switchTo("audio", this.mic.value));
    $("devices-retry").addEventListener("click", () => this.open());
    // A camera or microphone plugged in later can be picked without reloading.
    navigator.mediaDevices.addEventListener?.("devicechange", () => this.list());
    // Browsers keep an AudioContext suspended until the page is used.
    document.addEventListener("pointerdown", () => this.audio?.resume().catch(() => {}));
  }

  // open asks for the camera and the microphone; a missing or busy one leaves the other.
  async open() {
    $("devices-denied").hidden = true;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: VIDEO });
    } catch (err) {
      console.warn("getUserMedia", err.name);
      if (DENIED.has(err.name)) return this.denied();
      stream = new MediaStream();
      for (const kind of ["audio", "video"]) {
        try {
          const s = await navigator.mediaDevices.getUserMedia({ [kind]: kind === "video" ? VIDEO : true });
          s.getTracks().forEach((tr) => stream.addTrack(tr));
        } catch (e) {
          console.warn("getUserMedia", kind, e.name);
          if (DENIED.has(e.name)) { stream.getTracks().forEach((tr) => tr.stop()); return this.denied(); }
        }
      }
    }
    if (this.stream) this.stream.getTracks().forEach((tr) => tr.stop());
    this.stream = stream;
    await this.list();
    this.listen();
    this.report();
    return stream;
  }

  // report tells onStream what the stream now holds.
  report() {
    const cam = this.stream.getVideoTracks().length > 0, mic = this.stream.getAudioTracks().length > 0;
    const status = cam && mic ? "ok" : cam ? "no_microphone" : mic ? "no_camera" : "none";
    document.body.dataset.devices = status;
    $("devices-retry").hidden = status === "ok";
    this.onStream(this.stream, status);
  }

  denied() {
    // The pickers say the devices are blocked rather than stand empty.
    for (const select of [this.camera, this.mic]) {
      const o = document.createElement("option");
      setText(o, "devices.blocked");
      select.replaceChildren(o);
      select.disabled = true;
    }
    document.body.dataset.devices = "denied";
    $("devices-denied").hidden = false;
    $("devices-retry").hidden = false;
    this.onStream(null, "denied");
    return null;
  }

  // list fills the pickers with the devices the browser reports, the one in use selected.
  async list() {
    const all = await navigator.mediaDevices.enumerateDevices();
    const fill = (select, kind, track, key) => {
      const devices = all.filter((d) => d.kind === kind && d.deviceId);
      const current = track?.getSettings().deviceId || "";
      select.replaceChildren(...devices.map((d, i) => {
        const o = document.createElement("option");
        o.value = d.deviceId;
        o.textContent = d.label || t(key, { n: i + 1 });
        o.selected = d.deviceId === current;
        return o;
      }));
      if (!track) {
        const none = document.createElement("option");
        none.value = "";
        none.selected = true;
        setText(none, kind === "videoinput" ? "devices.no_camera" : "devices.no_microphone");
        select.prepend(none);
      }
      // Without a track of its kind the picker still offers the devices there are: picking
      // one opens it (a device that was busy, or plugged in after the page opened).
      select.disabled = devices.length === 0 || !this.stream;
    };
    fill(this.camera, "videoinput", this.stream?.getVideoTracks()[0], "devices.camera_n");
    fill(this.mic, "audioinput", this.stream?.getAudioTracks()[0], "devices.microphone_n");
  }

  // switchTo opens device id for kind ("audio" or "video") and puts its track in the
  // stream in place of the old one, keeping it on or off as it was; with no old one the
  // track is added and onStream told.
  async switchTo(kind, id) {
    if (!this.stream || !id) return;
    const old = kind === "audio" ? this.stream.getAudioTracks()[0] : this.stream.getVideoTracks()[0];
    if (old && old.getSettings().deviceId === id) return;
    let track;
    try {
      const c = { deviceId: { exact: id } };
      const s = await navigator.mediaDevices.getUserMedia({ [kind]: kind === "video" ? { ...VIDEO, ...c } : c });
      track = s.getTracks()[0];
    } catch (err) {
      console.warn("switch device", kind, err.name);
      $("devices-denied").hidden = !DENIED.has(err.name);
      await this.list();
      return;
    }
    if (old) {
      track.enabled = old.enabled;
      this.stream.removeTrack(old);
      old.stop();
    }
    this.stream.addTrack(track);
    if (kind === "audio") this.listen();
    if (!old) {
      await this.list();
      return this.report();
    }
    await this.onSwitch(kind, track);
  }

  // listen drives the level meter from the microphone track.
  listen() {
    clearInterval(this.timer);
    this.source?.disconnect();
    const track = this.stream?.getAudioTracks()[0];
    this.meter.value = 0;
    this.peak = 0;
    this.meter.dataset.peak = "0";
    if (!track) return;
    this.audio ||= new AudioContext();
    this.audio.resume().catch(() => {});
    this.source = this.audio.createMediaStreamSource(new MediaStream([track]));
    const analyser = this.audio.createAnalyser();
    analyser.fftSize = 1024;
    this.source.connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    this.timer = setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      // RMS on a rough loudness scale: speech at arm's length fills about half.
      const level = track.enabled ? Math.min(1, Math.sqrt(sum / buf.length) * 4) : 0;
      this.meter.value = level;
      this.peak = Math.max(this.peak, level);
      this.meter.dataset.peak = this.peak.toFixed(3);
    }, 100);
  }
}
