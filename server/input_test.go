package server

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signatures"

	"github.com/signroom/signroom/internal/pdftest"
)

// snapshot is everything a refused request must leave unchanged.
type snapshot struct {
	users      []agreement.User
	agreements int
	agreement  *agreement.Agreement
	audit      []signatures.Event
	blobs      int
}

func (e *env) snapshot(id string) snapshot {
	e.t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.users, err = e.db.ListUsers(ctx); err != nil {
		e.t.Fatal(err)
	}
	all, err := e.db.ListAgreements(ctx, agreement.ListFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	s.agreements = len(all)
	if s.agreement, err = e.db.Agreement(ctx, id); err != nil {
		e.t.Fatal(err)
	}
	if s.audit, err = e.db.AuditEvents(ctx, id); err != nil {
		e.t.Fatal(err)
	}
	s.blobs = e.blobs.count()
	return s
}

type badCase struct {
	name string
	body string
	want int    // status
	msg  string // a word the message must contain
}

// commonBad are the cases every JSON endpoint refuses the same way.
func commonBad(valid string) []badCase {
	return []badCase{
		{"malformed JSON", `{"a":`, 400, "JSON"},
		{"not an object", `[1,2]`, 400, "object"},
		{"two values", valid + ` {}`, 400, "one JSON value"},
		{"unknown field", strings.Replace(valid, "{", `{"bogus":1,`, 1), 400, "bogus"},
		{"huge body", `{"x":"` + strings.Repeat("a", MaxJSONBytes) + `"}`, 413, "larger"},
		{"empty body", ``, 400, "JSON object"},
	}
}

func TestBadJSONInput(t *testing.T) {
	e := newEnv(t)
	f := draftAgreement(e)
	users := "/api/users/" + e.users["other"].ID
	base := "/api/agreements/" + f.id
	endpoints := []struct {
		method, path, token, valid string
		extra                      []badCase
	}{
		{"POST", "/api/login", "", `{"username":"owner","password":"x"}`, []badCase{
			{"missing password", `{"username":"owner"}`, 422, "password is required"},
			{"wrong type", `{"username":5,"password":"x"}`, 400, "username must be a string"},
		}},
		{"POST", "/api/users", e.tokens["admin"], `{"username":"new","password":"long enough pw 1","roles":["legal"]}`, []badCase{
			{"missing roles", `{"username":"new","password":"long enough pw 1"}`, 422, "roles is required"},
			{"unknown role", `{"username":"new","password":"long enough pw 1","roles":["king"]}`, 422, "must be one of"},
			{"short password", `{"username":"new","password":"short","roles":["legal"]}`, 422, "password must be at least 12"},
			{"roles not array", `{"username":"new","password":"long enough pw 1","roles":"legal"}`, 400, "roles must be an array"},
			{"taken username", `{"username":"OWNER","password":"long enough pw 1","roles":["legal"]}`, 409, "taken"},
		}},
		{"PATCH", users, e.tokens["admin"], `{"display_name":"x"}`, []badCase{
			{"disabled not bool", `{"disabled":"yes"}`, 400, "disabled must be true or false"},
			{"empty roles", `{"roles":[]}`, 422, "roles must have at least 1"},
		}},
		{"POST", "/api/agreements", e.tokens["owner"], `{"title":{"ko":"협약"}}`, []badCase{
			{"missing title", `{}`, 422, "title is required"},
			{"title not object", `{"title":5}`, 400, "title must be an object"},
			{"bad language tag", `{"title":{"not a tag!":"x"}}`, 422, "language tag"},
			{"empty title text", `{"title":{"ko":""}}`, 422, "is required"},
			{"bad signing order", `{"title":{"ko":"x"},"signing_order":"random"}`, 422, "parallel, sequential"},
			{"retention too short", `{"title":{"ko":"x"},"retention_days":3}`, 422, "at least 365"},
			{"bad time", `{"title":{"ko":"x"},"scheduled_at":"tomorrow"}`, 400, "RFC 3339"},
		}},
		{"PATCH", base, e.tokens["owner"], `{"retention_days":4000}`, []badCase{
			{"retention too long", `{"retention_days":99999}`, 422, "at most 36500"},
			{"retention string", `{"retention_days":"long"}`, 400, "whole number"},
		}},
		{"POST", base + "/parties", e.tokens["owner"], `{"name":{"zh":"南京市"},"country":"CN"}`, []badCase{
			{"missing country", `{"name":{"zh":"南京市"}}`, 422, "country is required"},
			{"bad country", `{"name":{"zh":"南京市"},"country":"China"}`, 422, "2-letter ISO"},
			{"missing name", `{"country":"CN"}`, 422, "name is required"},
		}},
		{"PUT", base + "/parties/" + f.party, e.tokens["owner"], `{"name":{"zh":"南京市"},"country":"CN"}`, []badCase{
			{"unknown country", `{"name":{"zh":"南京市"},"country":"XX"}`, 422, "2-letter ISO"},
		}},
		{"POST", base + "/venues", e.tokens["owner"], `{"name":{"en":"Hall"},"time_zone":"Asia/Shanghai"}`, []badCase{
			{"bad zone", `{"name":{"en":"Hall"},"time_zone":"Mars/Olympus"}`, 422, "IANA time zone"},
			{"local zone", `{"name":{"en":"Hall"},"time_zone":"Local"}`, 422, "IANA time zone"},
			{"missing zone", `{"name":{"en":"Hall"}}`, 422, "time_zone is required"},
		}},
		{"PUT", base + "/venues/" + f.venue, e.tokens["owner"], `{"name":{"en":"Hall"},"time_zone":"Asia/Seoul"}`, nil},
		{"POST", base + "/participants", e.tokens["owner"], `{"name":"A","venue_id":"` + f.venue + `","role":"observer"}`, []badCase{
			{"bad role", `{"name":"A","venue_id":"` + f.venue + `","role":"king"}`, 422, "must be one of"},
			{"unknown venue", `{"name":"A","venue_id":"nowhere","role":"observer"}`, 422, "venue_id names no venue"},
			{"signatory without party", `{"name":"A","venue_id":"` + f.venue + `","role":"signatory"}`, 422, "party_id is required"},
			{"order not number", `{"name":"A","venue_id":"` + f.venue + `","role":"signatory","order":"first"}`, 400, "order must be a whole number"},
			{"order zero", `{"name":"A","party_id":"` + f.party + `","venue_id":"` + f.venue + `","role":"signatory","order":0}`, 422, "order must be at least 1"},
			{"order negative", `{"name":"A","party_id":"` + f.party + `","venue_id":"` + f.venue + `","role":"signatory","order":-1}`, 422, "order must be at least 1"},
			{"order on a witness", `{"name":"A","party_id":"` + f.party + `","venue_id":"` + f.venue + `","role":"witness","order":2}`, 422, "only for signatories"},
		}},
		{"PUT", base + "/participants/" + f.signer, e.tokens["owner"], `{"name":"A","venue_id":"` + f.venue + `","role":"observer"}`, []badCase{
			{"unknown party", `{"name":"A","party_id":"nobody","venue_id":"` + f.venue + `","role":"signatory"}`, 422, "party_id names no party"},
		}},
	}
	for _, ep := range endpoints {
		for _, c := range append(commonBad(ep.valid), ep.extra...) {
			t.Run(ep.method+" "+ep.path+"/"+c.name, func(t *testing.T) {
				e.wantRefused(t, f.id, c.want, c.msg, func() response { return e.do(ep.method, ep.path, ep.token, c.body) })
			})
		}
	}
}

func TestFieldErrorsNameJSONFields(t *testing.T) {
	e := newEnv(t)
	r := e.must(e.do("POST", "/api/agreements", e.tokens["owner"], `{"title":{"ko":""},"retention_days":5}`), 422)
	fields := r.body["error"].(map[string]any)["fields"].([]any)
	var got []string
	for _, f := range fields {
		m := f.(map[string]any)
		got = append(got, fmt.Sprintf("%s %s %v", m["field"], m["rule"], m["param"]))
	}
	// The rule and its parameter let a client say the problem in its own language.
	want := []string{"title[ko] required <nil>", "retention_days min 365"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func multipartBody(t *testing.T, field string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, err := mw.CreateFormFile(field, "mou.pdf")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	mw.Close()
	return &b, mw.FormDataContentType()
}

func TestBadUploads(t *testing.T) {
	e := newEnv(t)
	f := draftAgreement(e)
	good := pdftest.Minimal(2, "MOU")
	encrypted := encryptPDF(t, good, "user-secret")
	noFile, noFileType := multipartBody(t, "other", good)
	tests := []struct {
		name, query, ctype string
		body               []byte
		want               int
		msg                string
	}{
		{"not a PDF", "language=en", "application/pdf", []byte("hello, this is text"), 422, "not a PDF"},
		{"empty", "language=en", "application/pdf", nil, 422, "not a PDF"},
		{"corrupt PDF", "language=en", "application/pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0xff, 0x00}, 500)...), 422, "PDF"},
		{"truncated PDF", "language=en", "application/pdf", good[:len(good)/2], 422, "PDF"},
		{"encrypted PDF", "language=en", "application/pdf", encrypted, 422, "encrypted"},
		{"too large", "language=en", "application/pdf", append(append([]byte{}, good...), bytes.Repeat([]byte(" "), 1<<20)...), 413, "larger"},
		{"wrong content type", "language=en", "text/plain", good, 415, "application/pdf"},
		{"no language", "", "application/pdf", good, 422, "language"},
		{"bad language", "language=not+a+tag", "application/pdf", good, 422, "language"},
		{"language taken", "language=ko", "application/pdf", good, 409, "already has"},
		{"multipart without file", "language=en", noFileType, noFile.Bytes(), 400, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.wantRefused(t, f.id, tt.want, tt.msg, func() response {
				return e.do("POST", "/api/agreements/"+f.id+"/documents?"+tt.query, e.tokens["owner"], string(tt.body), "Content-Type", tt.ctype)
			})
		})
	}
}

func TestMultipartUploadAndDownload(t *testing.T) {
	e := newEnv(t)
	f := draftAgreement(e)
	pdf := pdftest.Minimal(3, "zh")
	body, ctype := multipartBody(t, "file", pdf)
	r := e.must(e.do("POST", "/api/agreements/"+f.id+"/documents?language=zh", e.tokens["owner"], body.String(), "Content-Type", ctype), http.StatusCreated)
	if r.body["pages"] != float64(3) || r.str("filename") != "mou.pdf" || r.body["size"] != float64(len(pdf)) {
		t.Fatalf("document = %s, want 3 pages, mou.pdf, %d bytes", r.raw, len(pdf))
	}
	d := e.must(e.do("GET", "/api/agreements/"+f.id+"/documents/"+r.str("id"), e.tokens["legal"], nil), http.StatusOK)
	if !bytes.Equal(d.raw, pdf) {
		t.Fatalf("downloaded %d bytes differ from the %d uploaded", len(d.raw), len(pdf))
	}
	if got := d.header.Get("ETag"); got != `"`+r.str("sha256")+`"` {
		t.Fatalf("ETag = %s, want the sha256 %s", got, r.str("sha256"))
	}
	e.must(e.do("GET", "/api/agreements/"+f.id+"/documents/"+r.str("id"), e.tokens["legal"], nil, "If-None-Match", d.header.Get("ETag")), http.StatusNotModified)
	rg := e.must(e.do("GET", "/api/agreements/"+f.id+"/documents/"+r.str("id"), e.tokens["owner"], nil, "Range", "bytes=10-19"), http.StatusPartialContent)
	if !bytes.Equal(rg.raw, pdf[10:20]) {
		t.Fatalf("range = %q, want %q", rg.raw, pdf[10:20])
	}
	// Deleting the document removes its object and its page objects (per page an image and
	// a thumbnail, and the manifest) too.
	n := e.blobs.count()
	pages, _ := r.body["pages"].(float64)
	e.must(e.do("DELETE", "/api/agreements/"+f.id+"/documents/"+r.str("id"), e.tokens["owner"], nil), http.StatusOK)
	if want := n - 1 - (2*int(pages) + 1); pages < 1 || e.blobs.count() != want {
		t.Fatalf("blob count after delete = %d, want %d (%v pages)", e.blobs.count(), want, pages)
	}
}

func TestConcurrentUploadsOfOneLanguage(t *testing.T) {
	e := newEnv(t)
	f := draftAgreement(e)
	blobsBefore := e.blobs.count()
	const n = 4
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- e.do("POST", "/api/agreements/"+f.id+"/documents?language=en", e.tokens["owner"], pdftest.Minimal(1, "en")).status
		}()
	}
	wg.Wait()
	close(statuses)
	created := 0
	for s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("status %d, want 201 or 409", s)
		}
	}
	a, _ := e.db.Agreement(context.Background(), f.id)
	if want := blobsBefore + 1 + onePageObjects; created != 1 || len(a.Documents) != 2 || e.blobs.count() != want {
		t.Fatalf("created %d, documents %d, blobs %d; want 1, 2 (ko, en), %d", created, len(a.Documents), e.blobs.count(), want)
	}
}

// onePageObjects are the objects a rendered one-page PDF adds beside it: the page image,
// its thumbnail and the page manifest.
const onePageObjects = 3

func TestUnknownIDs(t *testing.T) {
	e := newEnv(t)
	f := draftAgreement(e)
	owner := e.tokens["owner"]
	base := "/api/agreements/" + f.id
	party := `{"name":{"ko":"강원도"},"country":"KR"}`
	venue := `{"name":{"en":"Hall"},"time_zone":"Asia/Seoul"}`
	person := `{"name":"A","venue_id":"` + f.venue + `","role":"observer"}`
	tests := []struct{ method, path, body string }{
		{"GET", "/api/agreements/nope", ""},
		{"PATCH", "/api/agreements/nope", `{}`},
		{"POST", "/api/agreements/nope/schedule", ""},
		{"PUT", base + "/parties/nope", party},
		{"DELETE", base + "/parties/nope", ""},
		{"PUT", base + "/venues/nope", venue},
		{"DELETE", base + "/venues/nope", ""},
		{"PUT", base + "/participants/nope", person},
		{"DELETE", base + "/participants/nope", ""},
		{"GET", base + "/documents/nope", ""},
		{"DELETE", base + "/documents/nope", ""},
		{"PATCH", "/api/users/nope", `{"disabled":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			token := owner
			if strings.HasPrefix(tt.path, "/api/users/") {
				token = e.tokens["admin"]
			}
			var body any
			if tt.body != "" {
				body = tt.body
			}
			before := e.snapshot(f.id)
			r := e.do(tt.method, tt.path, token, body)
			if r.status != http.StatusNotFound || r.errCode() != "not_found" || r.errMessage() == "" {
				t.Fatalf("got %d %q %q, want 404 not_found with a message", r.status, r.errCode(), r.errMessage())
			}
			if after := e.snapshot(f.id); !reflect.DeepEqual(before, after) {
				t.Fatalf("refused request changed the store")
			}
		})
	}
	// A party or venue still named by a participant cannot be deleted.
	e.must(e.do("DELETE", base+"/parties/"+f.party, owner, nil), http.StatusConflict)
	e.must(e.do("DELETE", base+"/venues/"+f.venue, owner, nil), http.StatusConflict)
}

// wantRefused runs a request that must be refused with status want and a message containing
// msg, and checks that it changed nothing stored for the agreement.
func (e *env) wantRefused(t *testing.T, agreementID string, want int, msg string, do func() response) {
	t.Helper()
	before := e.snapshot(agreementID)
	r := do()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, r.raw)
	}
	if got := r.errMessage(); !strings.Contains(got, msg) {
		t.Fatalf("message = %q, want it to contain %q", got, msg)
	}
	if after := e.snapshot(agreementID); !reflect.DeepEqual(before, after) {
		t.Fatalf("refused request changed the store:\nbefore %+v\nafter  %+v", before, after)
	}
}
