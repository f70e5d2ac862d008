package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/signroom/signroom/signatures"

	"github.com/signroom/signroom/internal/pdftest"
	"github.com/signroom/signroom/qrsvg"
)

// mou holds the ids of the demo agreement: the Gangwon–Nanjing MOU of 2020-05-29.
type mou struct {
	id           string
	parties      []string
	venues       []string // Seoul, Shanghai
	participants []string // host first
	documents    []string // ko, zh
}

var mouParties = []struct {
	ko, zh, en, country string
}{
	{"강원도", "江原道", "Gangwon Province", "KR"},
	{"남경시", "南京市", "Nanjing Municipal Government", "CN"},
	{"남경시 전자상거래협회", "南京市电子商务协会", "Nanjing E-commerce Association", "CN"},
	{"가의현 그룹", "", "", "CN"},
	{"㈜강원수출", "", "Gangwon Export Co., Ltd.", "kr"},
	{"강원도 화장품협회", "", "Gangwon Cosmetics Association", "KR"},
}

func localized(ko, zh, en string) map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{"ko": ko, "zh": zh, "en": en} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// buildMOU creates the demo agreement as the owner: 6 parties, 2 venues, a host, 6
// signatories, 2 venue cameras and the ko and zh PDFs.
func buildMOU(e *env, order string) mou {
	e.t.Helper()
	tok := e.tokens["owner"]
	r := e.must(e.do("POST", "/api/agreements", tok, map[string]any{
		"title":         localized("강원도 상품 중국 수출 업무협약", "江原道商品对华跨境电商合作备忘录", "MOU on selling Gangwon products in China"),
		"signing_order": order,
	}), http.StatusCreated)
	m := mou{id: r.str("id")}
	base := "/api/agreements/" + m.id
	for _, p := range mouParties {
		r := e.must(e.do("POST", base+"/parties", tok, map[string]any{"name": localized(p.ko, p.zh, p.en), "country": p.country}), http.StatusCreated)
		m.parties = append(m.parties, r.str("id"))
	}
	for _, v := range []map[string]any{
		{"name": localized("스카이 컨벤션 2층 컨벤션홀", "", "Sky Convention, 2nd-floor convention hall"), "place": "Chuncheon, Gangwon", "time_zone": "Asia/Seoul"},
		{"name": localized("쑤닝 노보텔 중화청B", "苏宁诺富特酒店中华厅B", "Suning Novotel, Zhonghua Hall B"), "place": "Nanjing", "time_zone": "Asia/Shanghai"},
	} {
		r := e.must(e.do("POST", base+"/venues", tok, v), http.StatusCreated)
		m.venues = append(m.venues, r.str("id"))
	}
	add := func(p map[string]any) {
		r := e.must(e.do("POST", base+"/participants", tok, p), http.StatusCreated)
		m.participants = append(m.participants, r.str("id"))
	}
	add(map[string]any{"name": "사회자", "title": "MC", "venue_id": m.venues[0], "role": "host"})
	for i, pid := range m.parties {
		venue := m.venues[0]
		if mouParties[i].country != "KR" && mouParties[i].country != "kr" {
			venue = m.venues[1]
		}
		p := map[string]any{"name": fmt.Sprintf("대표 %d", i+1), "title": "대표", "party_id": pid, "venue_id": venue, "role": "signatory"}
		if order == "sequential" {
			p["order"] = i + 1
		}
		add(p)
	}
	add(map[string]any{"name": "Camera Chuncheon", "venue_id": m.venues[0], "role": "venue"})
	add(map[string]any{"name": "Camera Nanjing", "venue_id": m.venues[1], "role": "venue"})
	for _, lang := range []string{"ko", "zh"} {
		r := e.must(e.do("POST", base+"/documents?language="+lang+"&filename=mou-"+lang+".pdf", tok, pdftest.Minimal(2, "MOU "+lang)), http.StatusCreated)
		m.documents = append(m.documents, r.str("id"))
	}
	return m
}

func TestLifecycleScenario(t *testing.T) {
	e := newEnv(t)
	m := buildMOU(e, "sequential")
	tok := e.tokens["owner"]
	base := "/api/agreements/" + m.id

	// Illegal transitions from draft answer 409 with the current state.
	for _, step := range []string{"start", "open-signing"} {
		r := e.must(e.do("POST", base+"/"+step, tok, nil), http.StatusConflict)
		if got := r.body["error"].(map[string]any)["state"]; got != "draft" {
			t.Fatalf("%s: error state = %v, want draft", step, got)
		}
	}

	r := e.must(e.do("POST", base+"/schedule", tok, nil), http.StatusOK)
	invs := r.body["invitations"].([]any)
	if len(invs) != len(m.participants) {
		t.Fatalf("schedule issued %d invitations, want %d", len(invs), len(m.participants))
	}
	tokens := map[string]string{}
	for _, v := range invs {
		inv := v.(map[string]any)
		tokens[inv["participant_id"].(string)] = inv["token"].(string)
		// The link's QR code comes with the link, drawn here: nothing else sees the token.
		if want, _ := qrsvg.DataURL(inv["url"].(string)); inv["qr"] != want {
			t.Fatalf("invitation qr = %.60v, want the link's QR code %.60s", inv["qr"], want)
		}
	}

	// Frozen: no more uploads, deletes or edits.
	e.must(e.do("POST", base+"/documents?language=en", tok, pdftest.Minimal(1, "en")), http.StatusConflict)
	e.must(e.do("DELETE", base+"/documents/"+m.documents[0], tok, nil), http.StatusConflict)
	e.must(e.do("PATCH", base, tok, map[string]any{"title": map[string]string{"en": "changed"}}), http.StatusConflict)
	e.must(e.do("POST", base+"/schedule", tok, nil), http.StatusConflict)

	// An invitation holder sees their own agreement and can fetch its documents with Range.
	signer := m.participants[1]
	j := e.must(e.do("GET", "/api/join", tokens[signer], nil), http.StatusOK)
	if got := j.body["participant"].(map[string]any)["id"]; got != signer {
		t.Fatalf("join participant = %v, want %s", got, signer)
	}
	d := e.must(e.do("GET", "/api/join/documents/"+m.documents[1], tokens[signer], nil, "Range", "bytes=0-4"), http.StatusPartialContent)
	if string(d.raw) != "%PDF-" {
		t.Fatalf("ranged download = %q, want %%PDF-", d.raw)
	}
	e.must(e.do("GET", "/api/join/documents/"+m.documents[1], tokens[signer], nil), http.StatusOK)
	evs, _ := e.db.AuditEvents(context.Background(), m.id)
	if last := evs[len(evs)-1]; last.Type != "document.downloaded" || last.Actor != "participant:"+signer {
		t.Fatalf("last audit event = %s by %s, want document.downloaded by the signatory", last.Type, last.Actor)
	}

	// Invitations listed without tokens; revoke, then the old token is refused.
	l := e.must(e.do("GET", base+"/invitations", tok, nil), http.StatusOK)
	for _, v := range l.body["invitations"].([]any) {
		for _, secret := range []string{"token", "url", "qr"} {
			if _, ok := v.(map[string]any)[secret]; ok {
				t.Fatalf("invitation listing shows a %s: %v", secret, v)
			}
		}
	}
	e.must(e.do("POST", base+"/invitations/"+signer+"/revoke", tok, nil), http.StatusOK)
	if r := e.must(e.do("GET", "/api/join", tokens[signer], nil), http.StatusUnauthorized); r.errMessage() == "" {
		t.Fatalf("revoked token refused without a reason: %s", r.raw)
	}
	if len(e.hub.revokedIDs()) != 1 {
		t.Fatalf("hub told of %d revocations, want 1", len(e.hub.revokedIDs()))
	}
	e.must(e.do("POST", base+"/invitations/"+signer+"/revoke", tok, nil), http.StatusConflict)
	re := e.must(e.do("POST", base+"/invitations/"+signer+"/reissue", tok, nil), http.StatusOK)
	if want, _ := qrsvg.DataURL(re.str("url")); re.str("qr") != want || want == "" {
		t.Fatalf("reissued invitation: qr = %.60s, want the new link's QR code", re.str("qr"))
	}
	e.must(e.do("GET", "/api/join", re.str("token"), nil), http.StatusOK)
	e.must(e.do("POST", base+"/invitations/nobody/reissue", tok, nil), http.StatusNotFound)

	e.must(e.do("POST", base+"/start", tok, nil), http.StatusOK)
	e.must(e.do("POST", base+"/cancel", tok, nil), http.StatusConflict)
	e.must(e.do("POST", base+"/open-signing", tok, nil), http.StatusOK)
	if r := e.must(e.do("POST", base+"/start", tok, nil), http.StatusConflict); r.body["error"].(map[string]any)["state"] != "signing" {
		t.Fatalf("409 body = %s, want state signing", r.raw)
	}

	checkAuditChain(e, m.id, tok)
	e.hub.mu.Lock()
	got := e.hub.broadcasts
	e.hub.mu.Unlock()
	want := []string{m.id + ":{scheduled draft}", m.id + ":{live scheduled}", m.id + ":{signing live}"}
	if !slices.Equal(got, want) {
		t.Fatalf("hub broadcasts = %v, want %v", got, want)
	}
}

func checkAuditChain(e *env, id, tok string) {
	e.t.Helper()
	r := e.must(e.do("GET", "/api/agreements/"+id+"/audit", tok, nil), http.StatusOK)
	var out struct {
		Events []signatures.Event `json:"events"`
		Head   string             `json:"head"`
	}
	if err := json.Unmarshal(r.raw, &out); err != nil {
		e.t.Fatal(err)
	}
	if err := signatures.VerifyChain(out.Events); err != nil {
		e.t.Fatalf("VerifyChain over the API: %v", err)
	}
	if out.Head != signatures.Head(out.Events) {
		e.t.Fatalf("head = %s, want %s", out.Head, signatures.Head(out.Events))
	}
	var types []string
	for _, ev := range out.Events {
		types = append(types, ev.Type)
	}
	for _, want := range []string{"agreement.created", "party.added", "venue.added", "participant.added",
		"document.uploaded", "agreement.scheduled", "documents.frozen", "invitation.issued",
		"invitation.revoked", "agreement.live", "agreement.signing"} {
		if !slices.Contains(types, want) {
			e.t.Errorf("audit chain lacks %s; has %v", want, types)
		}
	}
	stored, err := e.db.AuditEvents(context.Background(), id)
	if err != nil || len(stored) != len(out.Events) {
		e.t.Fatalf("stored events = %d (%v), API showed %d", len(stored), err, len(out.Events))
	}
	for _, ev := range out.Events {
		if ev.Type != "document.downloaded" && ev.Actor != "user:"+e.users["owner"].ID {
			e.t.Fatalf("event %d %s actor = %s, want the owner", ev.Seq, ev.Type, ev.Actor)
		}
	}
}

func TestCancelRevokesInvitations(t *testing.T) {
	e := newEnv(t)
	m := buildMOU(e, "parallel")
	base := "/api/agreements/" + m.id
	r := e.must(e.do("POST", base+"/schedule", e.tokens["owner"], nil), http.StatusOK)
	first := r.body["invitations"].([]any)[0].(map[string]any)["token"].(string)
	e.must(e.do("GET", "/api/join", first, nil), http.StatusOK)
	e.must(e.do("POST", base+"/cancel", e.tokens["owner"], nil), http.StatusOK)
	e.must(e.do("GET", "/api/join", first, nil), http.StatusUnauthorized)
	if got := len(e.hub.revokedIDs()); got != len(m.participants) {
		t.Fatalf("hub told of %d revocations, want %d", got, len(m.participants))
	}
	e.must(e.do("POST", base+"/schedule", e.tokens["owner"], nil), http.StatusConflict)
}

func TestScheduleRefusesIncomplete(t *testing.T) {
	e := newEnv(t)
	tok := e.tokens["owner"]
	r := e.must(e.do("POST", "/api/agreements", tok, map[string]any{"title": map[string]string{"en": "x"}}), http.StatusCreated)
	e.must(e.do("POST", "/api/agreements/"+r.str("id")+"/schedule", tok, nil), http.StatusUnprocessableEntity)
	m := buildMOU(e, "sequential")
	// A sequential agreement whose signatories share an order cannot be scheduled.
	base := "/api/agreements/" + m.id
	e.must(e.do("PUT", base+"/participants/"+m.participants[2], tok, map[string]any{
		"name": "대표 2", "party_id": m.parties[1], "venue_id": m.venues[1], "role": "signatory", "order": 1}), http.StatusOK)
	if r := e.must(e.do("POST", base+"/schedule", tok, nil), http.StatusUnprocessableEntity); r.errMessage() == "" {
		t.Fatalf("no reason given: %s", r.raw)
	}
	if n, _ := e.db.Invitations(context.Background(), m.id); len(n) != 0 {
		t.Fatalf("refused schedule left %d invitations", len(n))
	}
}

func TestInvitationsOutliveAFarCeremony(t *testing.T) {
	e := newEnv(t)
	f := draftAgreement(e)
	day := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	e.must(e.do("PATCH", "/api/agreements/"+f.id, e.tokens["owner"], map[string]any{"scheduled_at": day}), http.StatusOK)
	r := e.must(e.do("POST", "/api/agreements/"+f.id+"/schedule", e.tokens["owner"], nil), http.StatusOK)
	for _, v := range r.body["invitations"].([]any) {
		exp, err := time.Parse(time.RFC3339, v.(map[string]any)["expires_at"].(string))
		if err != nil || !exp.Equal(day.Add(48*time.Hour)) {
			t.Fatalf("invitation expires %v (%v), want two days after the ceremony %v", exp, err, day)
		}
	}
}
