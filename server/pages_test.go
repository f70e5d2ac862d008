package server

import (
	"bytes"
	"context"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/signroom/signroom/docpages"
	"github.com/signroom/signroom/internal/pdftest"
	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/render/rendertest"
	"github.com/signroom/signroom/storage/blob"
)

var zhPages = [][]string{
	{"Memorandum of Understanding", "江原道与南京市跨境电商合作备忘录"},
	{"Article 2", "第二条 合作领域"},
}

// scheduledWithZh is smallAgreement with a two-page Chinese version beside the Korean one.
func scheduledWithZh(e *env) (fixture, string) {
	e.t.Helper()
	f := draftAgreement(e)
	zh := e.must(e.do("POST", "/api/agreements/"+f.id+"/documents?language=zh", e.tokens["owner"], pdftest.Text(zhPages)), http.StatusCreated)
	if zh.body["pages"] != float64(2) {
		e.t.Fatalf("upload says %v pages, want 2", zh.body["pages"])
	}
	r := e.must(e.do("POST", "/api/agreements/"+f.id+"/schedule", e.tokens["owner"], nil), http.StatusOK)
	for _, v := range r.body["invitations"].([]any) {
		if inv := v.(map[string]any); inv["participant_id"] == f.signer {
			f.joinToken = inv["token"].(string)
		}
	}
	return f, zh.str("id")
}

func TestPagesOfAnUploadForStaffAndParticipants(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Renderer, c.RenderDPI = rendertest.Engine(t), render.DefaultDPI })
	f, zh := scheduledWithZh(e)
	sha := e.must(e.do("GET", "/api/agreements/"+f.id, e.tokens["owner"], nil), http.StatusOK).body["documents"].([]any)[1].(map[string]any)["sha256"]
	for _, c := range []struct{ who, base, token string }{
		{"legal staff", "/api/agreements/" + f.id + "/documents/" + zh, e.tokens["legal"]},
		{"signatory", "/api/join/documents/" + zh, f.joinToken},
	} {
		t.Run(c.who, func(t *testing.T) {
			l := e.must(e.do("GET", c.base+"/pages", c.token, nil), http.StatusOK)
			pages := l.body["pages"].([]any)
			if l.body["page_count"] != float64(2) || len(pages) != 2 || l.body["sha256"] != sha || l.body["language"] != "zh" || l.body["dpi"] != float64(render.DefaultDPI) {
				t.Fatalf("page list %s, want 2 pages of the zh version with sha256 %v", l.raw, sha)
			}
			p2 := pages[1].(map[string]any)
			img := e.must(e.do("GET", c.base+"/pages/2/image", c.token, nil), http.StatusOK)
			decoded, err := jpeg.Decode(bytes.NewReader(img.raw))
			if err != nil || float64(decoded.Bounds().Dx()) != p2["image_width"] || float64(decoded.Bounds().Dy()) != p2["image_height"] {
				t.Fatalf("page 2 image: %v, %v; want a JPEG of %v×%v", err, decoded, p2["image_width"], p2["image_height"])
			}
			if img.header.Get("X-Document-SHA256") != sha || img.header.Get("Content-Type") != "image/jpeg" {
				t.Fatalf("image headers %v", img.header)
			}
			e.must(e.do("GET", c.base+"/pages/2/image", c.token, nil, "If-None-Match", img.header.Get("ETag")), http.StatusNotModified)
			th := e.must(e.do("GET", c.base+"/pages/1/thumb", c.token, nil), http.StatusOK)
			if d, err := jpeg.Decode(bytes.NewReader(th.raw)); err != nil || d.Bounds().Dx() != render.DefaultThumbWidth {
				t.Fatalf("thumbnail: %v, want %d wide", err, render.DefaultThumbWidth)
			}
			txt := e.must(e.do("GET", c.base+"/pages/2/text", c.token, nil), http.StatusOK)
			if !strings.Contains(string(txt.raw), "第二条 合作领域") || float64(len(txt.raw)) != p2["text_bytes"] {
				t.Fatalf("page 2 text %q (text_bytes %v)", txt.raw, p2["text_bytes"])
			}
			for _, bad := range []string{"0", "3", "x", "-1", "99999999999999999999"} {
				if r := e.do("GET", c.base+"/pages/"+bad+"/image", c.token, nil); r.status != http.StatusNotFound {
					t.Errorf("page %s: %d %s, want 404", bad, r.status, r.raw)
				}
			}
		})
	}
	// Another agreement's invitation does not reach these pages.
	g := smallAgreement(e)
	if r := e.do("GET", "/api/join/documents/"+zh+"/pages", g.joinToken, nil); r.status != http.StatusNotFound {
		t.Fatalf("other agreement's invitation: %d, want 404", r.status)
	}
}

func TestTamperedPageImageIsNotServed(t *testing.T) {
	e := newEnv(t)
	f, zh := scheduledWithZh(e)
	replace := func(key string, b []byte) {
		ctx := context.Background()
		if err := e.blobs.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := e.blobs.Put(ctx, key, bytes.NewReader(b), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	replace(docpages.Key(f.id, zh, 1, false), []byte("not the rendered page"))
	r := e.do("GET", "/api/join/documents/"+zh+"/pages/1/image", f.joinToken, nil)
	if r.status != http.StatusInternalServerError || r.errCode() != "integrity_error" {
		t.Fatalf("tampered image: %d %s, want 500 integrity_error", r.status, r.raw)
	}
	// Pages rendered from another version of the PDF are not this version's pages.
	replace(docpages.Prefix(f.id, zh)+"pages.json", []byte(`{"source_sha256":"0000","pages":[{"number":1}]}`))
	r = e.do("GET", "/api/join/documents/"+zh+"/pages", f.joinToken, nil)
	if r.status != http.StatusInternalServerError || r.errCode() != "integrity_error" {
		t.Fatalf("pages of another version: %d %s, want 500 integrity_error", r.status, r.raw)
	}
}

func encryptedPDF(t *testing.T) []byte {
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdftest.Minimal(1, "secret")), &out, model.NewAESConfiguration("user", "owner", 256)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestUploadRefusesWhatCannotBeRendered uploads PDFs that cannot be shown page by page:
// each is a 422 with its code and reason, and neither the PDF nor any page stays stored.
func TestUploadRefusesWhatCannotBeRendered(t *testing.T) {
	// A renderer with the limits lowered, so that real PDFs meet them.
	e := newEnv(t, func(c *Config) { c.Renderer = rendertest.New(t, render.Config{MaxPages: 2, DPI: rendertest.FastDPI}) })
	f := draftAgreement(e)
	cases := []struct {
		name, code, says string
		pdf              []byte
	}{
		{"damaged", "invalid_pdf", "", []byte("%PDF-1.7\nthis is no PDF at all\n%%EOF\n")},
		{"encrypted", "invalid_pdf", "encrypted", encryptedPDF(t)},
		{"more pages than the renderer takes", "pdf_unrenderable", "it has 3 pages, more than the limit of 2", pdftest.Minimal(3, "long")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := e.blobs.List(context.Background(), "agreements/"+f.id+"/")
			r := e.do("POST", "/api/agreements/"+f.id+"/documents?language=zh", e.tokens["owner"], c.pdf)
			if r.status != http.StatusUnprocessableEntity || r.errCode() != c.code || !strings.Contains(r.errMessage(), c.says) {
				t.Fatalf("%d %s, want 422 %s saying %q", r.status, r.raw, c.code, c.says)
			}
			after, _ := e.blobs.List(context.Background(), "agreements/"+f.id+"/")
			if len(after) != len(before) {
				t.Fatalf("%d objects stored after the refusal, %d before", len(after), len(before))
			}
			a, _ := e.db.Agreement(context.Background(), f.id)
			if len(a.Documents) != 1 {
				t.Fatalf("agreement has %d documents, want only the first", len(a.Documents))
			}
		})
	}
	e.must(e.do("POST", "/api/agreements/"+f.id+"/documents?language=zh", e.tokens["owner"], pdftest.Minimal(2, "fine")), http.StatusCreated)
}

// TestUploadWithoutRenderer: a server whose renderer is gone refuses uploads (503), keeping
// nothing, rather than accepting documents nobody can read in the room.
func TestUploadWithoutRenderer(t *testing.T) {
	closed := rendertest.New(t, render.Config{})
	closed.Close()
	e := newEnv(t, func(c *Config) { c.Renderer = closed })
	id := e.must(e.do("POST", "/api/agreements", e.tokens["owner"], map[string]any{"title": map[string]string{"ko": "협약"}}), http.StatusCreated).str("id")
	r := e.do("POST", "/api/agreements/"+id+"/documents?language=ko", e.tokens["owner"], pdftest.Minimal(1, "ko"))
	if r.status != http.StatusServiceUnavailable || r.errCode() != "renderer_unavailable" {
		t.Fatalf("%d %s, want 503 renderer_unavailable", r.status, r.raw)
	}
	if n := e.blobs.count(); n != 0 {
		t.Fatalf("%d objects stored after the refusal", n)
	}
}
