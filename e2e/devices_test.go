package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// onNewDocument runs script in every document the tab opens, before the page's own scripts.
func onNewDocument(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	})
}

// refuseDevices makes getUserMedia refuse as a browser does when the user blocked the site,
// until window.allowDevices is set; then the camera cannot start, as when another program
// holds it (the microphone opens), until window.allowCamera is set too.
const refuseDevices = `(() => {
  const md = navigator.mediaDevices, real = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => {
    if (!window.allowDevices) throw new DOMException("Permission denied", "NotAllowedError");
    if (c.video && !window.allowCamera) {
      (await real(c)).getTracks().forEach((tr) => tr.stop());
      throw new DOMException("Could not start video source", "NotReadableError");
    }
    return real(c);
  };
})()`

// switchDevice chooses another device in a picker and waits until the call sends it.
func switchDevice(t *testing.T, b *browser, selectID, sendingKey string) {
	t.Helper()
	sel := `document.querySelector("#` + selectID + `")`
	n := eval[int](t, b, sel+`.options.length`)
	if n < 2 {
		t.Fatalf("%s: %s lists %d devices; the fake devices give at least 2", b.name, selectID, n)
	}
	current := eval[string](t, b, sel+`.value`)
	next := eval[string](t, b, `[...`+sel+`.options].map(o => o.value).find(v => v && v !== `+jsString(current)+`)`)
	eval[bool](t, b, `(s => { s.value = `+jsString(next)+`; return s.dispatchEvent(new Event("change")); })(`+sel+`)`)
	b.waitFor(t, "the call sends the chosen device", `document.body.dataset.`+sendingKey+` === `+jsString(next), 10*time.Second)
}

// TestDevicesInChromium: the lobby lists the camera and microphone with a moving level
// meter; a refused permission says how to fix it; a participant who joined without camera
// or microphone is marked on the others' tiles, and once Try again (in the room) opens the
// microphone and a camera is picked there, both go on the call in the same session and the
// marks go; a device switched in the room replaces the track the call sends.
func TestDevicesInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := setUpCeremony(t, org)
	ko, en := catalog(t, "ko"), catalog(t, "en")
	host := newBrowser(t, "host")
	wang := newBrowser(t, "wang")

	t.Run("lobby pickers and level meter", func(t *testing.T) {
		host.run(t, "open invitation", chromedp.Navigate(m.JoinURL(s.base, m.Host, "ko")))
		host.waitFor(t, "camera preview", `document.querySelector("#preview").videoWidth > 0`, 15*time.Second)
		for _, sel := range []string{"camera-select", "mic-select"} {
			q := `document.querySelector("#` + sel + `")`
			if n := eval[int](t, host, q+`.options.length`); n < 1 {
				t.Errorf("%s lists no device", sel)
			}
			if v := eval[string](t, host, q+`.value`); v == "" {
				t.Errorf("%s has no device selected", sel)
			}
		}
		if got := eval[string](t, host, `document.querySelector("#camera-select").value`); got != eval[string](t, host, `document.querySelector("#preview").srcObject.getVideoTracks()[0].getSettings().deviceId`) {
			t.Errorf("camera picker shows %q, not the camera in use", got)
		}
		host.waitFor(t, "microphone level moves", `Number(document.querySelector("#mic-level").dataset.peak) > 0.02`, 15*time.Second)
		host.screenshot(t, "devices-lobby-ko")
		screenshotIn(t, host, "devices-lobby", "en", "zh")
		host.run(t, "click Join", chromedp.Click(chromedp.CSS("#join-button")))
	})

	t.Run("refused permission", func(t *testing.T) {
		wang.run(t, "browser refuses devices", onNewDocument(refuseDevices))
		wang.run(t, "open invitation", chromedp.Navigate(m.JoinURL(s.base, m.Wang, "en")))
		wang.waitFor(t, "refusal shown", `!document.querySelector("#devices-denied").hidden`, 15*time.Second)
		if got := eval[string](t, wang, `document.querySelector("#devices-denied").textContent.trim()`); got != en["devices.denied"] {
			t.Errorf("refusal text = %q, want %q", got, en["devices.denied"])
		}
		if eval[bool](t, wang, `document.querySelector("#devices-retry").hidden`) {
			t.Error("no Try again button after a refusal")
		}
		if got := eval[string](t, wang, `document.querySelector("#preview-status").textContent`); got != en["devices.status.denied"] {
			t.Errorf("preview status = %q, want %q", got, en["devices.status.denied"])
		}
		wang.screenshot(t, "devices-denied-en")
		screenshotIn(t, wang, "devices-denied", "ko", "zh")
		// Wang joins without camera or microphone: the call goes on without them.
		wang.waitFor(t, "Join enabled", `!document.querySelector("#join-button").disabled`, 10*time.Second)
		wang.run(t, "click Join", chromedp.Click(chromedp.CSS("#join-button")))
		wang.waitFor(t, "in the room", `document.body.dataset.connection === "connected"`, 15*time.Second)
		if !eval[bool](t, wang, `document.querySelector("#room-devices").open && !document.querySelector("#room-devices #devices-denied").hidden`) {
			t.Error("the room does not show the refusal's help with Try again")
		}
		if !eval[bool](t, wang, `document.querySelector("#mic-button").disabled && document.querySelector("#cam-button").disabled`) {
			t.Error("microphone and camera controls enabled without devices")
		}
		wang.screenshot(t, "devices-denied-room-en")
		textIn(t, wang, "devices-denied-room", "#devices-denied p", "devices.denied", "ko", "zh")
		tile := remoteTile(m.Wang)
		host.waitFor(t, "no-camera and no-microphone marks on Wang's tile", tile+`?.querySelector(".tile-no-camera").hidden === false && `+tile+`.querySelector(".tile-no-mic").hidden === false`, 20*time.Second)
	})

	t.Run("allowed in the room: the microphone goes on the call", func(t *testing.T) {
		eval[bool](t, wang, `window.allowDevices = true`)
		wang.run(t, "click Try again in the room", chromedp.Click(chromedp.CSS("#room-devices #devices-retry")))
		wang.waitFor(t, "microphone open, no camera", `document.body.dataset.devices === "no_camera"`, 10*time.Second)
		wang.waitFor(t, "the call sends the microphone", `document.body.dataset.sendingMicrophone === document.querySelector("#mic-select").value`, 15*time.Second)
		if !eval[bool](t, wang, `document.querySelector("#devices-denied").hidden`) {
			t.Error("the refusal stays shown after Try again opened the microphone")
		}
		if eval[bool](t, wang, `document.querySelector("#mic-button").disabled`) {
			t.Error("the microphone control stays disabled once the microphone is sent")
		}
		if got := eval[string](t, wang, `document.querySelector("#mic-button").textContent`); got != en["ceremony.mute"] {
			t.Errorf("microphone control = %q, want %q (the microphone is on)", got, en["ceremony.mute"])
		}
		tile := remoteTile(m.Wang)
		host.waitFor(t, "no-microphone mark gone from Wang's tile", tile+`.querySelector(".tile-no-mic").hidden`, 15*time.Second)
		if eval[bool](t, host, tile+`.querySelector(".tile-no-camera").hidden`) {
			t.Error("Wang's tile lost its no-camera mark, but he sends no camera")
		}
		if got := eval[string](t, host, tile+`.querySelector(".tile-no-camera").textContent`); got != ko["tile.no_camera"] {
			t.Errorf("mark = %q, want %q", got, ko["tile.no_camera"])
		}
		wang.waitFor(t, "own tile marked", remoteTile(m.Wang)+`?.querySelector(".tile-no-camera").hidden === false`, 5*time.Second)
		hostTile := remoteTile(m.Host)
		wang.waitFor(t, "host's tile", hostTile+` !== null`, 10*time.Second)
		time.Sleep(5 * time.Second) // past the grace before marks show
		if !eval[bool](t, wang, hostTile+`.querySelector(".tile-no-camera").hidden && `+hostTile+`.querySelector(".tile-no-mic").hidden`) {
			t.Error("the host, who sends camera and microphone, is marked as without one")
		}
		host.screenshot(t, "devices-tile-ko")
	})

	t.Run("a camera picked in the room goes on the call", func(t *testing.T) {
		eval[bool](t, wang, `window.allowCamera = true`)
		if eval[bool](t, wang, `document.querySelector("#camera-select").disabled`) {
			t.Fatal("the camera picker is disabled though the browser lists cameras")
		}
		next := eval[string](t, wang, `[...document.querySelector("#camera-select").options].map(o => o.value).find(v => v)`)
		eval[bool](t, wang, `(s => { s.value = `+jsString(next)+`; return s.dispatchEvent(new Event("change")); })(document.querySelector("#camera-select"))`)
		wang.waitFor(t, "the call sends the camera", `document.body.dataset.sendingCamera === `+jsString(next), 15*time.Second)
		if got := eval[string](t, wang, `document.body.dataset.devices`); got != "ok" {
			t.Errorf("devices = %q after the camera opened, want ok", got)
		}
		host.waitFor(t, "no-camera mark gone from Wang's tile", remoteTile(m.Wang)+`.querySelector(".tile-no-camera").hidden`, 15*time.Second)
		waitRemoteVideo(t, host, m.Wang)
		wang.waitFor(t, "own tile shows the camera", remoteTile(m.Wang)+`.querySelector("video").videoWidth > 0 && `+remoteTile(m.Wang)+`.querySelector(".tile-no-camera").hidden`, 10*time.Second)
		if eval[bool](t, wang, `document.querySelector("#cam-button").disabled`) {
			t.Error("the camera control stays disabled once the camera is sent")
		}
		// The same session all along: no second welcome, no reconnection.
		if n := eval[int](t, wang, `document.querySelectorAll('#feed li[data-key="feed.you_joined"]').length`); n != 1 {
			t.Errorf("Wang's feed says he joined %d times, want 1", n)
		}
		if got := eval[string](t, wang, `document.querySelector("#connection-banner").dataset.state || ""`); got != "" {
			t.Errorf("connection banner shown (%q): the session was interrupted", got)
		}
		host.screenshot(t, "devices-camera-added-ko")
	})

	t.Run("switch devices in the room", func(t *testing.T) {
		host.run(t, "open the devices panel", chromedp.Click(chromedp.CSS("#room-devices summary")))
		if eval[bool](t, host, `document.querySelector("#room-devices #mic-select") === null`) {
			t.Fatal("the room has no microphone picker")
		}
		switchDevice(t, host, "mic-select", "sendingMicrophone")
		switchDevice(t, host, "camera-select", "sendingCamera")
		waitRemoteVideo(t, wang, m.Host)
		host.waitFor(t, "meter follows the new microphone", `Number(document.querySelector("#mic-level").dataset.peak) > 0.02`, 15*time.Second)
		host.screenshot(t, "devices-room-ko")
		screenshotIn(t, host, "devices-room", "en", "zh")
	})
}
