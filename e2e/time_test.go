package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the venues' zones, whatever the machine has installed

	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/internal/apitest"
)

// TestTimeInChromium: the header shows each venue's local clock (Chuncheon in Asia/Seoul,
// Nanjing in Asia/Shanghai, an hour apart; the browser runs in UTC), and the lobby the
// scheduled start in each venue's time zone, labelled with the place and zone.
func TestTimeInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	at := time.Now().Add(48 * time.Hour).Truncate(time.Hour).Add(30 * time.Minute).UTC()
	m := apitest.SetUpMOUWith(t, org, "sequential", apitest.MOUOptions{ScheduledAt: at})
	org.Post("/api/agreements/"+m.ID+"/start", nil, http.StatusOK, nil)
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	venues := []struct {
		zone, place string
		loc         *time.Location
	}{{"Asia/Seoul", "Chuncheon", seoul}, {"Asia/Shanghai", "Nanjing", shanghai}}

	checkClocks := func(t *testing.T, b *browser) {
		t.Helper()
		if eval[bool](t, b, `document.querySelector("#clocks").hidden`) {
			t.Fatalf("%s: no clocks in the header", b.name)
		}
		if !eval[bool](t, b, `(r => r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth)(document.querySelector("#clocks").getBoundingClientRect())`) {
			t.Errorf("%s: the clocks are not in view", b.name)
		}
		for _, v := range venues {
			clock := `document.querySelector('#clocks .clock[data-time-zone="` + v.zone + `"]')`
			if eval[bool](t, b, clock+` === null`) {
				t.Errorf("%s: no clock for %s", b.name, v.zone)
				continue
			}
			now := time.Now().In(v.loc)
			got := eval[string](t, b, clock+`.querySelector("time").textContent`)
			if got != now.Format("15:04") && got != now.Add(-time.Minute).Format("15:04") {
				t.Errorf("%s: %s clock reads %q, want %s", b.name, v.zone, got, now.Format("15:04"))
			}
			if place := eval[string](t, b, clock+`.querySelector(".clock-place").textContent`); place != v.place {
				t.Errorf("%s: %s clock labelled %q, want %q", b.name, v.zone, place, v.place)
			}
		}
	}

	host := newBrowser(t, "host")
	wang := newBrowser(t, "wang")
	join(t, host, m.JoinURL(s.base, m.Host, "ko"), "")
	t.Run("clocks in the room", func(t *testing.T) {
		host.waitFor(t, "room shown", `!document.querySelector("#ceremony").hidden`, 10*time.Second)
		checkClocks(t, host)
		host.screenshot(t, "time-room-ko")
		screenshotIn(t, host, "time-room", "en", "zh")
	})

	t.Run("scheduled start in each venue's zone", func(t *testing.T) {
		wang.run(t, "open invitation", chromedp.Navigate(m.JoinURL(s.base, m.Wang, "zh")))
		wang.waitFor(t, "lobby ready", `document.body.dataset.ready === "true"`, 60*time.Second)
		if eval[bool](t, wang, `document.querySelector("#scheduled").hidden`) {
			t.Fatal("no scheduled time in the lobby")
		}
		for _, v := range venues {
			li := `document.querySelector('#scheduled li[data-time-zone="` + v.zone + `"]')`
			if eval[bool](t, wang, li+` === null`) {
				t.Errorf("no scheduled time for %s", v.zone)
				continue
			}
			got := eval[string](t, wang, li+`.textContent`)
			if want := at.In(v.loc).Format("15:04"); !strings.Contains(got, want) || !strings.HasPrefix(got, v.place) {
				t.Errorf("scheduled time for %s = %q, want %s there, labelled %s", v.zone, got, want, v.place)
			}
		}
		checkClocks(t, wang)
		wang.screenshot(t, "time-lobby-zh")
		screenshotIn(t, wang, "time-lobby", "en", "ko")
	})
}
