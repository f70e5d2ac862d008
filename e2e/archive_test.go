package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestArchiveSearchInChromium: a user with the organizer and legal roles creates an
// agreement, opens the archive page, finds it by part of its Chinese title (a phrase without
// spaces) and by a Korean word followed by its particle, sees none for an absent word, and
// takes screenshots in en, ko and zh.
func TestArchiveSearchInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.AddUser(t, "counsel", "a long enough password", "organizer", "legal")
	c := newConsoleUI(t, s, "en")
	c.login("counsel", "a long enough password")
	id := c.createAgreement("강원도 전자상거래 협력 양해각서는", "江原道南京市跨境电商合作备忘录", "Gangwon–Nanjing e-commerce MOU", "parallel")
	if !eval[bool](t, c.b, `!document.querySelector("#nav-archive").hidden`) {
		t.Fatal("the archive link is hidden for a legal user")
	}
	c.click("#nav-archive")
	c.b.waitFor(t, "archive page", `!document.querySelector("#archive-view").hidden`, 10*time.Second)
	search := func(q string, want int) {
		t.Helper()
		c.set("#arch-q", q)
		c.click("#arch-submit")
		if want == 0 {
			c.b.waitFor(t, "no hits for "+q, `!document.querySelector("#arch-none").hidden`, 15*time.Second)
			return
		}
		c.waitCount("hits for "+q, `#arch-results tbody tr[data-agreement-id="`+id+`"]`, want)
	}
	search("跨境电商合作", 1)
	if got := c.text("#arch-results tbody tr"); !strings.Contains(got, "Gangwon–Nanjing e-commerce MOU") {
		t.Errorf("hit row = %q, want the English title", got)
	}
	search("양해각서", 1)
	search("nowhere-to-be-found", 0)
	search("跨境电商合作", 1)
	screenshotIn(t, c.b, "archive-search", "en", "ko", "zh")
	textIn(t, c.b, "archive-heading", "#arch-heading", "archive.heading", "en", "ko", "zh")
}
