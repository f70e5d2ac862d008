package server

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
)

// recordedCeremony seals a one-signatory ceremony whose two participants were recorded: one
// segment each, uploaded to the working store before the close (as the recorder leaves
// them), so sealing archives them. It returns the fixture and the segments' bytes by id.
func recordedCeremony(t *testing.T, e *env, working blob.Store, sizes ...int) (*ceremonyFixture, map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	f := buildCeremony(e, 1, "parallel")
	e.must(f.register(e, f.signers[0]), http.StatusCreated)
	start := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	bodies := map[string][]byte{}
	for i, size := range sizes {
		id := fmt.Sprintf("seg-%d", i+1)
		body := make([]byte, size)
		for j := range body {
			body[j] = byte(j*7 + i)
		}
		copy(body, "\x1a\x45\xdf\xa3webm")
		key := "agreements/" + f.id + "/recordings/" + id + ".webm"
		info, err := working.Put(ctx, key, bytes.NewReader(body), blob.PutOptions{ContentType: "video/webm"})
		if err != nil {
			t.Fatal(err)
		}
		pid := []string{f.signers[0].pid, f.witness.pid}[i%2]
		rec := agreement.Recording{ID: id, AgreementID: f.id, ParticipantID: pid, Source: "camera", Kinds: []string{"audio", "video"},
			StartedAt: start.Add(time.Duration(i) * 1500 * time.Millisecond), Clock: "arrival", DurationMS: 30000, Size: info.Size, SHA256: info.SHA256,
			State: agreement.RecordingUploaded, ObjectKey: key, CreatedAt: start, UpdatedAt: start}
		if err := e.db.SaveRecording(ctx, rec); err != nil {
			t.Fatal(err)
		}
		bodies[id] = body
	}
	f.openSigning(e)
	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	e.must(f.closeCeremony(e), http.StatusOK)
	return f, bodies
}

func TestRecordPage(t *testing.T) {
	stores := localStores(t)
	e := newEnv(t, withStores(stores.Working, stores.Archive))
	f, _ := recordedCeremony(t, e, stores.Working, 3000, 5000)
	path := "/api/agreements/" + f.id + "/record"
	for _, who := range []string{"archivist", "legal", "admin", "owner"} {
		r := e.must(e.do("GET", path, e.tokens[who], nil), http.StatusOK)
		if r.body["agreement"].(map[string]any)["id"] != f.id {
			t.Fatalf("%s: agreement = %v", who, r.body["agreement"])
		}
	}
	e.must(e.do("GET", path, e.tokens["other"], nil), http.StatusForbidden)
	e.must(e.do("GET", path, "", nil), http.StatusUnauthorized)
	r := e.must(e.do("GET", path, e.tokens["archivist"], nil), http.StatusOK)
	sigs := r.body["signatories"].([]any)
	if len(sigs) != 1 {
		t.Fatalf("signatories = %v, want 1", sigs)
	}
	s := sigs[0].(map[string]any)
	if s["participant_id"] != f.signers[0].pid || s["key_thumbprint"] != f.signers[0].jwk(t).Thumbprint() || s["algorithm"] != "ES256" ||
		len(s["document_ids"].([]any)) != 2 || s["signed_at"] == nil || s["offset_ms"] == nil {
		t.Errorf("signatory = %v", s)
	}
	recs := r.body["recordings"].([]any)
	if len(recs) != 2 || recs[0].(map[string]any)["start_offset_ms"] != 0.0 || recs[1].(map[string]any)["start_offset_ms"] != 1500.0 {
		t.Fatalf("recordings = %v, want two at 0 and 1500 ms", recs)
	}
	sealed, _ := r.body["sealed"].(map[string]any)
	if sealed == nil || len(sealed["manifest_sha256"].(string)) != 64 || len(sealed["bundle_sha256"].(string)) != 64 || sealed["bundle_size"].(float64) <= 0 {
		t.Errorf("sealed = %v", sealed)
	}
	if r.body["timeline_start"] == nil || r.body["retain_until"] == nil || r.body["retention_mode"] != "COMPLIANCE" {
		t.Errorf("timeline_start %v, retain_until %v, retention_mode %v", r.body["timeline_start"], r.body["retain_until"], r.body["retention_mode"])
	}
	if hold := r.body["legal_hold"].(map[string]any); hold["on"] != false {
		t.Errorf("legal_hold = %v", hold)
	}
	if len(r.body["documents"].([]any)) != 2 {
		t.Errorf("documents = %v", r.body["documents"])
	}
	access := r.body["access"].([]any)
	if len(access) != 5 {
		t.Fatalf("access = %v, want the 5 views so far", access)
	}
	last := access[len(access)-1].(map[string]any)
	archivist := e.users["archivist"]
	if last["type"] != "record.viewed" || last["actor"] != "user:"+archivist.ID || last["what"] != "" {
		t.Errorf("last access = %v, want this view", last)
	}
	if want := cmp.Or(archivist.DisplayName, archivist.Username); last["actor_name"] != want || r.body["actors"].(map[string]any)["user:"+archivist.ID] != want {
		t.Errorf("the archivist is named %v in the access and %v in actors, want %q", last["actor_name"], r.body["actors"], want)
	}
	audit := r.body["audit"].([]any)
	if got := audit[len(audit)-1].(map[string]any)["type"]; got != "record.viewed" {
		t.Errorf("last audit event %v, want record.viewed", got)
	}
}

// media fetches a media URL with no Authorization header, with an optional Range.
func media(t *testing.T, e *env, url, rng string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func TestPlaybackMediaURLs(t *testing.T) {
	stores := localStores(t)
	clock := &testClock{}
	e := newEnv(t, withStores(stores.Working, stores.Archive), withClock(clock))
	f, bodies := recordedCeremony(t, e, stores.Working, 200_000, 120_000)
	recs, err := e.db.Recordings(context.Background(), f.id)
	if err != nil || len(recs) != 2 || recs[0].State != agreement.RecordingArchived || recs[0].ArchiveVersion == "" {
		t.Fatalf("recordings after sealing = %+v, %v; want archived with their archive version", recs, err)
	}
	path := "/api/agreements/" + f.id + "/recordings/playback"
	e.must(e.do("POST", path, e.tokens["other"], nil), http.StatusForbidden)
	r := e.must(e.do("POST", path, e.tokens["archivist"], nil), http.StatusOK)
	items := r.body["items"].([]any)
	marks := r.body["marks"].([]any)
	if len(items) != 2 || len(marks) != 1 || marks[0].(map[string]any)["participant_id"] != f.signers[0].pid {
		t.Fatalf("items %v marks %v", items, marks)
	}
	urls := map[string]string{}
	for _, it := range items {
		m := it.(map[string]any)
		urls[m["recording_id"].(string)] = m["url"].(string)
	}
	a, b := urls["seg-1"], urls["seg-2"]

	status, h, got := media(t, e, a, "bytes=1000-1999")
	if status != http.StatusPartialContent || !bytes.Equal(got, bodies["seg-1"][1000:2000]) || h.Get("Content-Type") != "video/webm" {
		t.Fatalf("range: %d %q, %d bytes (equal %v)", status, h.Get("Content-Type"), len(got), bytes.Equal(got, bodies["seg-1"][1000:2000]))
	}
	if h.Get("Content-Range") != "bytes 1000-1999/200000" {
		t.Errorf("Content-Range = %q", h.Get("Content-Range"))
	}
	status, _, got = media(t, e, b, "")
	if sum := sha256.Sum256(got); status != http.StatusOK || hex.EncodeToString(sum[:]) != sha256Hex(bodies["seg-2"]) {
		t.Fatalf("whole: %d, %d bytes", status, len(got))
	}

	tokenB := b[strings.Index(b, "?token="):]
	swapped := strings.Replace(a, a[strings.Index(a, "?token="):], tokenB, 1)
	altered := a[:len(a)-2] + map[bool]string{true: "AA", false: "AB"}[!strings.HasSuffix(a, "AA")]
	exp := a[strings.Index(a, "=")+1 : strings.Index(a, ".")]
	later := strings.Replace(a, "token="+exp, fmt.Sprintf("token=%d", mustAtoi(t, exp)+3600), 1)
	for name, u := range map[string]string{"B's token on A": swapped, "altered signature": altered, "later expiry": later,
		"no token": a[:strings.Index(a, "?")]} {
		if status, _, _ := media(t, e, u, ""); status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, status)
		}
	}
	clock.advance(11 * time.Minute)
	if status, _, _ := media(t, e, a, "bytes=0-9"); status != http.StatusForbidden {
		t.Errorf("expired token: status %d, want 403", status)
	}
	_, evs := recorded(e, f.id)
	if n := countEvents(evs, "recording.playback"); n != 1 {
		t.Fatalf("%d recording.playback events, want 1", n)
	}
	for _, ev := range evs {
		if ev.Type == "recording.playback" && (!strings.Contains(string(ev.Data), "seg-1") || ev.Actor != "user:"+e.users["archivist"].ID) {
			t.Errorf("playback event = %s by %s", ev.Data, ev.Actor)
		}
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportStreamsAVerifiableBag(t *testing.T) {
	stores := localStores(t)
	e := newEnv(t, withStores(stores.Working, stores.Archive))
	f, _ := recordedCeremony(t, e, stores.Working, 300_000, 200_000)
	r := e.must(e.do("GET", "/api/agreements/"+f.id+"/export", e.tokens["archivist"], nil), http.StatusOK)
	if r.header.Get("Content-Type") != "application/zip" || r.header.Get("Content-Length") != fmt.Sprint(len(r.raw)) ||
		r.header.Get("X-Signroom-Export-Size") != fmt.Sprint(len(r.raw)) || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("headers %v for %d bytes", r.header, len(r.raw))
	}
	rep := evidence.VerifyBundle(context.Background(), bytes.NewReader(r.raw), int64(len(r.raw)),
		evidence.Options{Trust: evidence.TrustCerts("test", e.api.cfg.Sealer.Cert)})
	if !rep.OK() {
		t.Fatalf("the export does not verify: %+v", rep.Failed())
	}
	included := 0
	for _, rr := range rep.Record.Recordings {
		if rr.Included {
			included++
		}
	}
	if included != 2 {
		t.Fatalf("%d recordings in the export, want 2: %+v", included, rep.Record.Recordings)
	}
	_, evs := recorded(e, f.id)
	if last := evs[len(evs)-1]; last.Type != "record.exported" || last.Actor != "user:"+e.users["archivist"].ID {
		t.Fatalf("last audit event %s by %s, want record.exported by the archivist", last.Type, last.Actor)
	}
	e.must(e.do("GET", "/api/agreements/"+f.id+"/export", e.tokens["other"], nil), http.StatusForbidden)
}
