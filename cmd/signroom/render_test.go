package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/internal/pdftest"
)

// TestRendererCompilesAtTheFirstUpload: `signroom serve` starts without compiling the page
// renderer (nothing competes with the rest of the start for the CPU), compiles it when the
// first document arrives, and the document's pages are then readable.
func TestRendererCompilesAtTheFirstUpload(t *testing.T) {
	p := apitest.Start(t, nil)
	const ready = `msg="page renderer ready"`
	org := p.Organizer(t, "organizer", "a long enough password")
	if code, body := get(t, p.Base+"/readyz"); code != http.StatusOK || !strings.Contains(body, `"renderer":"ok"`) {
		t.Fatalf("/readyz before any upload = %d %s, want 200 with renderer ok", code, body)
	}
	if strings.Contains(p.Logs.String(), ready) {
		t.Fatalf("the renderer was compiled at start:\n%s", p.Logs.String())
	}
	var ag, doc struct {
		ID string `json:"id"`
	}
	org.Post("/api/agreements", map[string]any{"title": map[string]string{"en": "MOU"}}, http.StatusCreated, &ag)
	org.Do("POST", "/api/agreements/"+ag.ID+"/documents?language=zh", bytes.NewReader(pdftest.Text([][]string{{"One", "第一页"}, {"Two", "第二页"}})),
		"application/pdf", http.StatusCreated, &doc)
	if !strings.Contains(p.Logs.String(), ready) {
		t.Fatalf("no %q after the first upload:\n%s", ready, p.Logs.String())
	}
	var pages struct {
		PageCount int `json:"page_count"`
	}
	org.Do("GET", "/api/agreements/"+ag.ID+"/documents/"+doc.ID+"/pages", nil, "", http.StatusOK, &pages)
	if text := org.Raw("/api/agreements/" + ag.ID + "/documents/" + doc.ID + "/pages/2/text"); pages.PageCount != 2 || !strings.Contains(string(text), "第二页") {
		t.Fatalf("page count %d, page 2 text %q", pages.PageCount, text)
	}
}
