package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/internal/apitest"
)

// docView is a JavaScript expression of the room's document view.
const docView = `document.querySelector("#docview")`

// showsPage is true when a browser's document view shows page n of document id: the view's
// state, the current thumbnail, the page image loaded for that page, and the page's text.
func showsPage(id string, n, want string) string {
	return docView + `.dataset.document === ` + jsString(id) + ` && ` + docView + `.dataset.page === ` + jsString(n) +
		` && document.querySelector("#doc-page").dataset.page === ` + jsString(n) +
		` && document.querySelector("#doc-page").dataset.document === ` + jsString(id) +
		` && document.querySelector("#doc-page").naturalWidth > 0` +
		` && document.querySelector("#doc-thumbs li[data-page='` + n + `'] button").hasAttribute("aria-current")` +
		` && document.querySelector("#doc-text").textContent.includes(` + jsString(want) + `)`
}

// TestDocumentViewInChromium: the host (English UI) turns to page 2 of the Chinese version
// and Wang (Chinese UI) sees that page; Wang browses on his own and "Follow the host" brings
// him back; Kim (Korean UI), joining late, lands on the host's page. Screenshots of the view
// at 1280×720 in en, zh and ko.
func TestDocumentViewInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.failOnWarnings(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := apitest.SetUpMOUWith(t, org, "sequential", apitest.MOUOptions{TextDocuments: true})
	org.Post("/api/agreements/"+m.ID+"/start", nil, http.StatusOK, nil)
	var ag struct {
		Documents []struct{ ID, Language string } `json:"documents"`
	}
	org.Do("GET", "/api/agreements/"+m.ID, nil, "", http.StatusOK, &ag)
	docs := map[string]string{}
	for _, d := range ag.Documents {
		docs[d.Language] = d.ID
	}
	zhPage2 := apitest.MOUText["zh"][1][0]
	en, zh, ko := catalog(t, "en"), catalog(t, "zh"), catalog(t, "ko")

	host := newBrowser(t, "host")
	wang := newBrowser(t, "wang")
	join(t, host, m.JoinURL(s.base, m.Host, "en"), "")
	join(t, wang, m.JoinURL(s.base, m.Wang, "zh"), "")
	for _, b := range []*browser{host, wang} {
		b.waitFor(t, "document view ready", docView+`.dataset.ready === "true"`, 20*time.Second)
	}
	// Before the host shows anything, each sees page 1 of the version in their language.
	wang.waitFor(t, "Chinese page 1", showsPage(docs["zh"], "1", apitest.MOUText["zh"][0][0]), 10*time.Second)

	t.Run("the host turns to page 2 of the Chinese version", func(t *testing.T) {
		host.run(t, "pick the Chinese version", chromedp.Click(chromedp.CSS(`#doc-tabs button[data-document="`+docs["zh"]+`"]`)))
		host.run(t, "next page", chromedp.Click(chromedp.CSS("#doc-next")))
		host.waitFor(t, "host on zh page 2", showsPage(docs["zh"], "2", zhPage2), 10*time.Second)
		wang.waitFor(t, "Wang follows to zh page 2", showsPage(docs["zh"], "2", zhPage2), 10*time.Second)
		if got, want := eval[string](t, wang, `document.querySelector("#doc-pageno").textContent`), strings.NewReplacer("{n}", "2", "{total}", "2").Replace(zh["doc.page_of"]); got != want {
			t.Errorf("Wang's page number = %q, want %q", got, want)
		}
		if got := eval[string](t, wang, `document.querySelector("#doc-follow-text").textContent`); got != zh["doc.following"] {
			t.Errorf("Wang's follow line = %q, want %q", got, zh["doc.following"])
		}
		if got := eval[string](t, host, `document.querySelector("#doc-follow-text").textContent`); got != en["doc.host_note"] {
			t.Errorf("host's note = %q, want %q", got, en["doc.host_note"])
		}
		host.screenshot(t, "docview-en")
		wang.screenshot(t, "docview-zh")
	})

	t.Run("a late joiner lands on the host's page", func(t *testing.T) {
		kim := newBrowser(t, "kim")
		join(t, kim, m.JoinURL(s.base, m.Kim, "ko"), "")
		kim.waitFor(t, "document view ready", docView+`.dataset.ready === "true"`, 20*time.Second)
		kim.waitFor(t, "Kim on zh page 2", showsPage(docs["zh"], "2", zhPage2), 10*time.Second)
		kim.run(t, "show the page text", chromedp.Click(chromedp.CSS("#doc-text-toggle")))
		kim.waitFor(t, "text shown", `!document.querySelector("#doc-text").classList.contains("sr-only")`, 5*time.Second)
		if got := eval[string](t, kim, `document.querySelector("#doc-text-toggle").textContent`); got != ko["doc.text_hide"] {
			t.Errorf("Kim's text toggle = %q, want %q", got, ko["doc.text_hide"])
		}
		kim.screenshot(t, "docview-ko")
	})

	t.Run("browsing alone, then following the host again", func(t *testing.T) {
		wang.run(t, "Korean version", chromedp.Click(chromedp.CSS(`#doc-tabs button[data-document="`+docs["ko"]+`"]`)))
		wang.waitFor(t, "Wang on ko page 1", showsPage(docs["ko"], "1", apitest.MOUText["ko"][0][0]), 10*time.Second)
		wang.waitFor(t, "follow button", `!document.querySelector("#doc-follow-button").hidden && `+docView+`.dataset.following === "false"`, 5*time.Second)
		want := strings.NewReplacer("{page}", "2", "{lang}", zh["doclang.zh"]).Replace(zh["doc.own_host_at"])
		if got := eval[string](t, wang, `document.querySelector("#doc-follow-text").textContent`); got != want {
			t.Errorf("Wang's own-browsing line = %q, want %q", got, want)
		}
		// The host's next turn does not move someone browsing alone.
		host.run(t, "previous page", chromedp.Click(chromedp.CSS("#doc-prev")))
		host.waitFor(t, "host on zh page 1", showsPage(docs["zh"], "1", apitest.MOUText["zh"][0][0]), 10*time.Second)
		wang.waitFor(t, "Wang told where the host is", `document.querySelector("#doc-follow-text").textContent.includes("1")`, 10*time.Second)
		if !eval[bool](t, wang, docView+`.dataset.document === `+jsString(docs["ko"])) {
			t.Fatal("the host's page turn moved a participant browsing alone")
		}
		wang.run(t, "follow the host", chromedp.Click(chromedp.CSS("#doc-follow-button")))
		wang.waitFor(t, "Wang back on the host's page", showsPage(docs["zh"], "1", apitest.MOUText["zh"][0][0]), 10*time.Second)
		wang.waitFor(t, "follow button gone", `document.querySelector("#doc-follow-button").hidden`, 5*time.Second)
	})
}
