package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/apitest"
)

// lanePosition is one <video> of the record page's player as the page holds it.
type lanePosition struct {
	ID     string  `json:"id"`
	Offset float64 `json:"off"`     // the recording's start on the timeline, ms
	Time   float64 `json:"t"`       // the media element's currentTime, s
	Paused bool    `json:"paused"`  // the media element is paused
	Active bool    `json:"active"`  // the timeline is inside this recording
	Ready  int     `json:"ready"`   // readyState
	Player string  `json:"player"`  // the player's state: playing, waiting, paused
	Seek   bool    `json:"seeking"` // the media element is seeking
}

// timeline is the lane's position on the recording timeline, ms.
func (l lanePosition) timeline() float64 { return l.Offset + l.Time*1000 }

const lanesJS = `JSON.stringify([...document.querySelectorAll("#rp-videos video")].map((v) => ({id: v.dataset.recordingId,
  off: Number(v.dataset.startOffsetMs), t: v.currentTime, paused: v.paused, ready: v.readyState, seeking: v.seeking,
  active: v.closest(".player-lane").dataset.active === "true", player: document.querySelector("#rp-player").dataset.state})))`

// lanes reads every video of the player at one instant.
func lanes(t *testing.T, b *browser) []lanePosition {
	t.Helper()
	var out []lanePosition
	if err := json.Unmarshal([]byte(eval[string](t, b, lanesJS)), &out); err != nil {
		t.Fatalf("lanes: %v", err)
	}
	return out
}

func activeLanes(ls []lanePosition) []lanePosition {
	var out []lanePosition
	for _, l := range ls {
		if l.Active {
			out = append(out, l)
		}
	}
	return out
}

// recordView is what the test reads of GET /api/agreements/{id}/record.
type recordView struct {
	Signatories []struct {
		ParticipantID string `json:"participant_id"`
		KeyThumbprint string `json:"key_thumbprint"`
		OffsetMS      *int64 `json:"offset_ms"`
	} `json:"signatories"`
	Recordings []struct {
		ID            string `json:"id"`
		ParticipantID string `json:"participant_id"`
		StartOffsetMS int64  `json:"start_offset_ms"`
		DurationMS    int64  `json:"duration_ms"`
	} `json:"recordings"`
	LegalHold struct {
		On     bool   `json:"on"`
		Reason string `json:"reason"`
	} `json:"legal_hold"`
	Access []struct {
		Type string `json:"type"`
	} `json:"access"`
}

// recordCeremony runs the MOU's ceremony with Kim and Wang in two Chromium browsers, both
// recorded: the organizer opens signing, Kim signs, then Wang, and the organizer closes,
// which seals it.
func recordCeremony(t *testing.T, s *service, org *apitest.Client) *apitest.MOU {
	t.Helper()
	m := setUpCeremony(t, org)
	kim, wang := newBrowser(t, "kim"), newBrowser(t, "wang")
	join(t, kim, m.JoinURL(s.base, m.Kim, "ko"), "")
	waitSigningReady(t, kim)
	join(t, wang, m.JoinURL(s.base, m.Wang, "zh"), "")
	waitSigningReady(t, wang)
	for _, b := range []*browser{kim, wang} {
		b.waitFor(t, "recording indicator", `!document.querySelector("#rec-indicator").hidden`, 20*time.Second)
	}
	time.Sleep(2 * time.Second) // both recordings hold a few seconds before the first signature
	org.Post("/api/agreements/"+m.ID+"/open-signing", nil, http.StatusOK, nil)
	kim.waitFor(t, "Kim's turn", `!document.querySelector("#sign-button").disabled`, 15*time.Second)
	clickSign(t, kim)
	wang.waitFor(t, "Wang's turn", `!document.querySelector("#sign-button").disabled`, 15*time.Second)
	clickSign(t, wang)
	time.Sleep(2 * time.Second) // and a few seconds after the last
	closeCeremony(t, org, m.ID)
	for _, b := range []*browser{kim, wang} {
		b.waitFor(t, "sealed", `document.querySelector("#state-banner").dataset.state === "sealed"`, 60*time.Second)
		b.run(t, "leave", chromedp.Navigate("about:blank"))
	}
	return m
}

// closeCeremony closes the ceremony as the organizer, unless the automatic close has
// sealed it already (the room can empty as the browsers see the seal coming).
func closeCeremony(t *testing.T, org *apitest.Client, id string) {
	t.Helper()
	req, _ := http.NewRequest("POST", org.Base+"/api/agreements/"+id+"/close", nil)
	req.Header.Set("Authorization", "Bearer "+org.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && !(resp.StatusCode == http.StatusConflict && strings.Contains(string(body), `"state":"sealed"`)) {
		t.Fatalf("close = %d %s, want 200 or 409 already sealed", resp.StatusCode, body)
	}
}

// TestRecordPageInChromium: a ceremony is recorded in Chromium (Kim and Wang) and sealed; an
// archivist searches the archive, opens the record page, plays the two recordings in sync
// (read from both media elements: they advance and stay within 100 ms of each other on the
// timeline), sees a recording that starts later stay blank before its start, jumps to a
// signature mark, places a legal hold (the page shows it and the API agrees) and exports the
// package with a progress bar; the saved ZIP verifies. Screenshots in en, ko and zh.
func TestRecordPageInChromium(t *testing.T) {
	chromiumPath(t)
	start := time.Now()
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := recordCeremony(t, s, org)
	t.Logf("ceremony recorded and sealed after %v", time.Since(start).Round(time.Second))
	s.AddUser(t, "keeper", "an archivist's long password", "archivist")
	api := apitest.Login(t, s.base, "keeper", "an archivist's long password")
	var rec recordView
	api.Do("GET", "/api/agreements/"+m.ID+"/record", nil, "", http.StatusOK, &rec)
	if len(rec.Recordings) < 2 || len(rec.Signatories) != 2 {
		t.Fatalf("record has %d recordings and %d signatories, want at least 2 and 2", len(rec.Recordings), len(rec.Signatories))
	}
	marks := map[string]int64{}
	for _, sg := range rec.Signatories {
		if sg.OffsetMS == nil || sg.KeyThumbprint == "" {
			t.Fatalf("signatory %s: offset %v, thumbprint %q; want both", sg.ParticipantID, sg.OffsetMS, sg.KeyThumbprint)
		}
		marks[sg.ParticipantID] = *sg.OffsetMS
	}

	c := newConsoleUI(t, s, "en")
	c.login("keeper", "an archivist's long password")
	t.Run("search opens the record", func(t *testing.T) {
		c.click("#nav-archive")
		c.b.waitFor(t, "archive page", `!document.querySelector("#archive-view").hidden`, 10*time.Second)
		c.set("#arch-q", "跨境电商")
		c.click("#arch-submit")
		c.waitCount("the hit", `#arch-results tbody tr[data-agreement-id="`+m.ID+`"]`, 1)
		// The click is made in the page: a result row is a new node at every search.
		eval[bool](t, c.b, `(document.querySelector('#arch-results tbody tr[data-agreement-id="`+m.ID+`"] a').click(), true)`)
		c.b.waitFor(t, "record page", `document.body.dataset.recordReady === `+jsString(m.ID)+` && !document.querySelector("#rp-view").hidden`, 15*time.Second)
		for _, sg := range rec.Signatories {
			row := `#rp-signatories tr[data-participant-id="` + sg.ParticipantID + `"]`
			if got := c.text(row + " .rp-key code"); got != sg.KeyThumbprint {
				t.Errorf("signatory %s shows key %q, want %q", sg.ParticipantID, got, sg.KeyThumbprint)
			}
		}
		if n := c.count("#rp-videos video"); n != len(rec.Recordings) {
			t.Errorf("%d videos, want one per recording (%d)", n, len(rec.Recordings))
		}
		if n := c.count(".player-mark"); n != 2 {
			t.Errorf("%d signature marks, want 2", n)
		}
		if n := c.count(`#rp-access li[data-type="record.viewed"]`); n < 1 {
			t.Error("the access list does not show this view")
		}
		checkNoOverflow(t, c.b)
		screenshotIn(t, c.b, "record-page", "en", "ko", "zh")
	})

	t.Run("synchronized playback", func(t *testing.T) {
		c.click("#rp-play")
		c.b.waitFor(t, "playing", `document.querySelector("#rp-player").dataset.state === "playing"`, 30*time.Second)
		// Jump to Kim's signature: both were in the room, so both recordings play there.
		c.click(`.player-mark[data-participant-id="` + m.Kim + `"]`)
		c.b.waitFor(t, "playing at the mark", `document.querySelector("#rp-player").dataset.state === "playing"`, 30*time.Second)
		first := activeLanes(lanes(t, c.b))
		if len(first) < 2 {
			t.Fatalf("%d recordings play at Kim's signature, want at least 2: %+v", len(first), lanes(t, c.b))
		}
		var samples int
		var spread float64 // the largest distance between two recordings on the timeline, ms
		deadline := time.Now().Add(20 * time.Second)
		for samples < 8 && time.Now().Before(deadline) {
			time.Sleep(250 * time.Millisecond)
			ls := activeLanes(lanes(t, c.b))
			if len(ls) < 2 || ls[0].Player != "playing" {
				continue // waiting for data: every video is held
			}
			samples++
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, l := range ls {
				lo, hi = math.Min(lo, l.timeline()), math.Max(hi, l.timeline())
				if l.Paused {
					t.Errorf("sample %d: recording %s is paused while the player plays", samples, l.ID)
				}
			}
			spread = math.Max(spread, hi-lo)
			if hi-lo > 100 {
				t.Errorf("sample %d: the recordings are %.0f ms apart on the timeline, want at most 100: %+v", samples, hi-lo, ls)
			}
		}
		if samples < 8 {
			t.Fatalf("only %d samples while playing in 20 s", samples)
		}
		t.Logf("%d samples while playing: the recordings at most %.0f ms apart on the timeline", samples, spread)
		last := lanes(t, c.b)
		for _, f := range first {
			for _, l := range last {
				if l.ID == f.ID && l.Time-f.Time < 1 {
					t.Errorf("recording %s advanced %.2f s in 2 s of samples, want at least 1", l.ID, l.Time-f.Time)
				}
			}
		}
		c.b.screenshot(t, "record-playing-en")
	})

	t.Run("a later recording stays blank before its start", func(t *testing.T) {
		var late struct {
			id  string
			off int64
		}
		for _, r := range rec.Recordings {
			if r.StartOffsetMS > late.off {
				late.id, late.off = r.ID, r.StartOffsetMS
			}
		}
		if late.off < 500 {
			t.Fatalf("no recording starts later than another: %+v", rec.Recordings)
		}
		// Pause, unless the timeline has played to its end (it stops there by itself).
		eval[bool](t, c.b, `(document.querySelector("#rp-player").dataset.state !== "paused" && document.querySelector("#rp-play").click(), true)`)
		c.b.waitFor(t, "paused", `document.querySelector("#rp-player").dataset.state === "paused"`, 10*time.Second)
		eval[bool](t, c.b, `(s => { s.value = `+strconv.FormatInt(late.off-400, 10)+`; return s.dispatchEvent(new Event("change")); })(document.querySelector("#rp-scrub"))`)
		lane := `document.querySelector('.player-lane[data-recording-id="` + late.id + `"]')`
		c.b.waitFor(t, "the late lane idle", lane+`.dataset.active === "false" && `+lane+`.querySelector("video").paused`, 10*time.Second)
		if eval[bool](t, c.b, `getComputedStyle(`+lane+`.querySelector(".player-before")).display === "none"`) {
			t.Error("the late recording's lane is not blanked before its start")
		}
	})

	t.Run("a signature mark moves every video to it", func(t *testing.T) {
		want := float64(marks[m.Wang])
		c.click(`.player-mark[data-participant-id="` + m.Wang + `"]`)
		c.b.waitFor(t, "at the mark", `document.querySelector("#rp-player").dataset.position === "`+strconv.FormatInt(marks[m.Wang], 10)+`"`, 10*time.Second)
		c.b.waitFor(t, "videos seeked", `[...document.querySelectorAll("#rp-videos video")].every((v) => !v.seeking)`, 10*time.Second)
		ls := activeLanes(lanes(t, c.b))
		if len(ls) < 2 {
			t.Fatalf("%d recordings at Wang's signature, want at least 2", len(ls))
		}
		for _, l := range ls {
			if d := math.Abs(l.timeline() - want); d > 100 {
				t.Errorf("recording %s is at %.0f ms on the timeline, %.0f ms from Wang's signature at %.0f", l.ID, l.timeline(), d, want)
			}
		}
	})

	t.Run("a refused media URL is fetched again", func(t *testing.T) {
		// An expired URL is refused 403 like an altered one; the player gets new URLs and
		// keeps its place.
		before := countAudit(t, org, m.ID, "recording.playback")
		pos := eval[string](t, c.b, `document.querySelector("#rp-player").dataset.position`)
		eval[bool](t, c.b, `(v => { v.src = v.src.replace(/token=[^&]+/, "token=altered"); return true; })(document.querySelector("#rp-videos video"))`)
		c.b.waitFor(t, "new URLs", `[...document.querySelectorAll("#rp-videos video")].every((v) => !v.src.includes("token=altered") && v.readyState >= 1 && !v.error)`, 20*time.Second)
		if got := countAudit(t, org, m.ID, "recording.playback"); got != before+1 {
			t.Errorf("%d recording.playback events after the refresh, want %d", got, before+1)
		}
		if got := eval[string](t, c.b, `document.querySelector("#rp-player").dataset.position`); got != pos {
			t.Errorf("position after the refresh = %s ms, want %s", got, pos)
		}
	})

	t.Run("legal hold", func(t *testing.T) {
		c.click("#rp-hold-place")
		c.b.waitFor(t, "reason required", `document.querySelector('#rp-hold-form .field-error[data-for-field="reason"]') !== null`, 5*time.Second)
		c.set("#rp-hold-reason", "Litigation hold: Gangwon v. Nanjing, case 2026-17")
		c.click("#rp-hold-place")
		c.b.waitFor(t, "confirmation asked", `document.querySelector("#rp-hold-place").dataset.armed === "true"`, 5*time.Second)
		c.click("#rp-hold-place")
		c.b.waitFor(t, "hold shown", `document.querySelector("#rp-hold-state").dataset.on === "true" && !document.querySelector("#rp-hold-badge").hidden`, 20*time.Second)
		var after recordView
		api.Do("GET", "/api/agreements/"+m.ID+"/record", nil, "", http.StatusOK, &after)
		if !after.LegalHold.On || !strings.Contains(after.LegalHold.Reason, "case 2026-17") {
			t.Errorf("API says legal hold %+v, want on with the reason typed", after.LegalHold)
		}
		if eval[bool](t, c.b, `document.querySelector("#rp-hold-lift").hidden`) {
			t.Error("no Lift button once the hold is on")
		}
		checkNoOverflow(t, c.b)
		eval[bool](t, c.b, `(window.scrollTo(0, 0), true)`)
		screenshotIn(t, c.b, "record-page-held", "en", "ko", "zh")
		eval[bool](t, c.b, `(document.querySelector("#rp-signatories").scrollIntoView({block: "start"}), true)`)
		screenshotIn(t, c.b, "record-page-middle", "en", "ko", "zh")
		eval[bool](t, c.b, `(document.querySelector("#rp-audit").scrollIntoView({block: "end"}), true)`)
		screenshotIn(t, c.b, "record-page-audit", "en", "ko", "zh")
	})

	t.Run("export", func(t *testing.T) {
		dir := t.TempDir()
		allowDownloads(t, c.b, dir)
		c.click("#rp-export")
		c.b.waitFor(t, "exported", `document.querySelector("#rp-download-note").dataset.name !== undefined || !document.querySelector("#rp-download-error").hidden`, 120*time.Second)
		if got := c.text("#rp-download-error"); !eval[bool](t, c.b, `document.querySelector("#rp-download-error").hidden`) {
			t.Fatalf("export failed: %s", got)
		}
		if got := eval[string](t, c.b, `document.querySelector("#rp-export-bar").dataset.percent`); got != "100" {
			t.Errorf("progress ended at %s%%, want 100", got)
		}
		name := eval[string](t, c.b, `document.querySelector("#rp-download-note").dataset.name`)
		size := eval[string](t, c.b, `document.querySelector("#rp-download-note").dataset.size`)
		zip := waitFile(t, dir, name, 60*time.Second)
		if strconv.Itoa(len(zip)) != size {
			t.Errorf("saved %d bytes, the page received %s", len(zip), size)
		}
		rep := evidence.VerifyFileWith(context.Background(), bytes.NewReader(zip), int64(len(zip)), evidence.Options{Trust: serviceTrust(t, s.base)})
		if !rep.OK() {
			t.Errorf("the export %s does not verify: %+v", filepath.Base(name), rep.Checks)
		}
		if n := countPassed(rep, evidence.CheckRecording+": ", "exported with the record"); n != len(rec.Recordings) {
			t.Errorf("%d recordings verified in the export, want %d", n, len(rec.Recordings))
		}
		c.b.waitFor(t, "export in the access list", `document.querySelector('#rp-access li[data-type="record.exported"]') !== null`, 10*time.Second)
		eval[bool](t, c.b, `(document.querySelector("#rp-export").scrollIntoView({block: "center"}), true)`)
		screenshotIn(t, c.b, "record-page-exported", "en", "ko", "zh")
	})
	t.Logf("record page e2e took %v", time.Since(start).Round(time.Millisecond))
}

// checkNoOverflow fails when the page is wider than the window in any language, or any cell
// of the record page spills out of its card.
func checkNoOverflow(t *testing.T, b *browser) {
	t.Helper()
	for _, lang := range []string{"en", "ko", "zh"} {
		switchLanguage(t, b, lang)
		if got := eval[string](t, b, `(() => {
		  if (document.documentElement.scrollWidth > innerWidth) return "page " + document.documentElement.scrollWidth + " px wide";
		  for (const card of document.querySelectorAll("#rp-view .rp-card")) {
		    const r = card.getBoundingClientRect();
		    for (const e of card.querySelectorAll("td, dd, li, figcaption, h2, button, .player-track")) {
		      const q = e.getBoundingClientRect();
		      if (q.width && (q.right > r.right + 1 || q.left < r.left - 1)) return (e.id || e.className || e.tagName) + " spills out of " + card.querySelector("h2")?.textContent;
		    }
		  }
		  return "";
		})()`); got != "" {
			t.Errorf("in %s: %s", lang, got)
		}
	}
	switchLanguage(t, b, "en")
}
