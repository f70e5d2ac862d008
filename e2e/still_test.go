package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// blackCamera makes the camera a black picture (a covered lens or a dead device) while the
// microphone stays the fake one.
const blackCamera = `(() => {
  const md = navigator.mediaDevices, real = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => {
    const out = new MediaStream();
    if (c.audio) (await real({ audio: c.audio })).getTracks().forEach((tr) => out.addTrack(tr));
    if (c.video) {
      const cv = document.createElement("canvas");
      cv.width = 640; cv.height = 360;
      const x = cv.getContext("2d");
      const paint = () => { x.fillStyle = "#000"; x.fillRect(0, 0, cv.width, cv.height); };
      paint();
      setInterval(paint, 100);
      cv.captureStream(10).getVideoTracks().forEach((tr) => out.addTrack(tr));
    }
    return out;
  };
})()`

// stillWarning waits for the still warning with reason and checks its text and that Sign
// is held.
func stillWarning(t *testing.T, b *browser, reason, want string) {
	t.Helper()
	b.waitFor(t, "still warning "+reason, `!document.querySelector("#sign-still-warning").hidden && document.querySelector("#sign-still-warning").dataset.reason === `+jsString(reason), 10*time.Second)
	if got := eval[string](t, b, `document.querySelector("#sign-still-warning-text").textContent`); got != want {
		t.Errorf("%s: still warning = %q, want %q", b.name, got, want)
	}
	if !eval[bool](t, b, `document.querySelector("#sign-button").disabled`) {
		t.Errorf("%s: Sign is enabled while the still would be %s", b.name, reason)
	}
	if !eval[bool](t, b, `(r => r.top >= 0 && r.bottom <= innerHeight)(document.querySelector("#sign-still-warning").getBoundingClientRect())`) {
		eval[bool](t, b, `(document.querySelector("#sign-still-warning").scrollIntoView({block: "center"}), true)`)
	}
}

// TestStillWarningInChromium: with the camera turned off, Kim's signing panel says the still
// would be black and holds Sign; Turn camera on clears it; Sign without a still signs with
// none. Wang's camera gives black frames: the panel says so too.
func TestStillWarningInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := setUpCeremony(t, org)
	en, zh := catalog(t, "en"), catalog(t, "zh")

	host := newBrowser(t, "host")
	kim := newBrowser(t, "kim")
	wang := newBrowser(t, "wang")
	wang.run(t, "black camera", onNewDocument(blackCamera))
	join(t, host, m.JoinURL(s.base, m.Host, "ko"), "")
	join(t, kim, m.JoinURL(s.base, m.Kim, "en"), "")
	join(t, wang, m.JoinURL(s.base, m.Wang, "zh"), "")
	waitSigningReady(t, kim)
	waitSigningReady(t, wang)
	host.run(t, "open signing", chromedp.Click(chromedp.CSS("#open-signing")))
	kim.waitFor(t, "Kim's turn", `document.querySelector("#sign-turn").dataset.turn === "yours" && !document.querySelector("#sign-button").disabled`, 15*time.Second)
	if !eval[bool](t, kim, `document.querySelector("#sign-still-warning").hidden`) {
		t.Error("a still warning with a working camera")
	}

	t.Run("camera off", func(t *testing.T) {
		kim.run(t, "turn the camera off", chromedp.Click(chromedp.CSS("#cam-button")))
		stillWarning(t, kim, "camera_off", en["sign.still.camera_off"])
		if eval[bool](t, kim, `document.querySelector("#sign-still-camera").hidden`) {
			t.Error("no Turn camera on button")
		}
		kim.screenshot(t, "still-camera-off-en")
		textIn(t, kim, "still-camera-off", "#sign-still-warning-text", "sign.still.camera_off", "ko", "zh")
		kim.run(t, "turn camera on", chromedp.Click(chromedp.CSS("#sign-still-camera")))
		kim.waitFor(t, "warning cleared, Sign enabled", `document.querySelector("#sign-still-warning").hidden && !document.querySelector("#sign-button").disabled`, 10*time.Second)
		if got := eval[string](t, kim, `document.querySelector("#cam-button").getAttribute("aria-pressed")`); got != "false" {
			t.Errorf("camera button pressed = %s after Turn camera on", got)
		}
	})

	t.Run("sign without a still", func(t *testing.T) {
		kim.run(t, "turn the camera off", chromedp.Click(chromedp.CSS("#cam-button")))
		stillWarning(t, kim, "camera_off", en["sign.still.camera_off"])
		kim.run(t, "sign without a still", chromedp.Click(chromedp.CSS("#sign-still-skip")))
		kim.waitFor(t, "Sign enabled", `document.querySelector("#sign-still-warning").hidden && !document.querySelector("#sign-button").disabled`, 5*time.Second)
		if eval[bool](t, kim, `document.querySelector("#sign-still").checked`) {
			t.Error("the still is still to be attached")
		}
		kim.run(t, "click Sign", chromedp.Click(chromedp.CSS("#sign-button")))
		kim.waitFor(t, "confirmation shown", `document.querySelector("#sign-confirm").open`, 5*time.Second)
		if got := eval[string](t, kim, `document.querySelector("#sign-confirm-extras").textContent`); got != en["sign.confirm.plain"] {
			t.Errorf("confirmation says %q, want %q (no still)", got, en["sign.confirm.plain"])
		}
		kim.screenshot(t, "sign-confirm-en")
		kim.run(t, "confirm", chromedp.Click(chromedp.CSS("#sign-confirm-ok")))
		kim.waitFor(t, "signed", `document.body.dataset.signed === "true"`, 20*time.Second)
	})

	t.Run("black camera", func(t *testing.T) {
		wang.waitFor(t, "Wang's turn", `document.querySelector("#sign-turn").dataset.turn === "yours"`, 15*time.Second)
		stillWarning(t, wang, "blank", zh["sign.still.blank"])
		if !eval[bool](t, wang, `document.querySelector("#sign-still-camera").hidden`) {
			t.Error("Turn camera on offered for a camera that is on but black")
		}
		wang.screenshot(t, "still-blank-zh")
		textIn(t, wang, "still-blank", "#sign-still-warning-text", "sign.still.blank", "en", "ko")
	})
}
