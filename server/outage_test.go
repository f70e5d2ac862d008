package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// TestStorageOutage is issue 8 item 12 through the real server and a real MinIO that goes
// away (a proxy in front of it is cut): a download answers 503 with the JSON error before
// any header of the file is sent, a missing object 404, and an upload fails fast with 503.
func TestStorageOutage(t *testing.T) {
	mc := blobtest.MinIO(t)
	p := apitest.NewProxy(t, mc.Endpoint)
	mc.Endpoint = p.Addr()
	b, err := blob.NewMinIO(context.Background(), mc, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.Blobs = b.Working })
	f := draftAgreement(e)
	doc := "/api/agreements/" + f.id + "/documents/" + f.doc
	e.must(e.do("GET", doc, e.tokens["owner"], nil), http.StatusOK)

	a, _ := e.db.Agreement(context.Background(), f.id)
	if err := b.Working.Delete(context.Background(), a.Documents[0].ObjectKey); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", doc, e.tokens["owner"], nil); r.status != http.StatusNotFound || r.errCode() != "object_missing" {
		t.Errorf("download of a missing object: %d %s, want 404 object_missing", r.status, r.raw)
	}

	p.Outage()
	if r := e.do("GET", doc, e.tokens["owner"], nil); r.status != http.StatusServiceUnavailable || r.errCode() != "storage_unavailable" {
		t.Errorf("download while the store is down: %d %s, want 503 storage_unavailable", r.status, r.raw)
	}
	start := time.Now()
	r := e.do("POST", "/api/agreements/"+f.id+"/documents?language=en", e.tokens["owner"], pdfWith(""))
	took := time.Since(start)
	if r.status != http.StatusServiceUnavailable || r.errCode() != "storage_unavailable" {
		t.Errorf("upload while the store is down: %d %s, want 503 storage_unavailable", r.status, r.raw)
	}
	t.Logf("upload during the outage answered in %v", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("upload during the outage took %v, want a fast 503", took)
	}
}
