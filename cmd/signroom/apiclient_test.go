package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/signroom/signroom/internal/pdftest"
)

// api is a small test client of the Signroom HTTP API.
type api struct {
	t     *testing.T
	base  string
	token string
}

// do sends a request and decodes a JSON response into out, failing the test unless the
// status is want.
func (c *api) do(method, path string, body io.Reader, contentType string, want int, out any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

func (c *api) post(path string, in any, want int, out any) {
	c.t.Helper()
	b, _ := json.Marshal(in)
	c.do("POST", path, bytes.NewReader(b), "application/json", want, out)
}

type idOnly struct {
	ID string `json:"id"`
}

type invitation struct {
	ParticipantID string `json:"participant_id"`
	Role          string `json:"role"`
	TokenID       string `json:"token_id"`
	Token         string `json:"token"`
	URL           string `json:"url"`
}

// mou is the demo agreement of DESIGN.md, small: two governments signing in two venues.
type mou struct {
	id                  string
	seoul, nanjing      string
	gangwon, nanjingGov string
	host, kim, wang     string
	invitations         map[string]invitation // by participant id
}

// setUpMOU creates, fills and schedules the agreement through the API as an organizer.
func setUpMOU(t *testing.T, c *api, order string) *mou {
	t.Helper()
	m := &mou{invitations: map[string]invitation{}}
	var ag idOnly
	c.post("/api/agreements", map[string]any{
		"title":         map[string]string{"ko": "강원도-남경시 전자상거래 협력 MOU", "zh": "江原道-南京市跨境电商合作备忘录", "en": "Gangwon–Nanjing cross-border e-commerce MOU"},
		"signing_order": order,
	}, http.StatusCreated, &ag)
	m.id = ag.ID
	base := "/api/agreements/" + m.id
	var v idOnly
	c.post(base+"/venues", map[string]any{"name": map[string]string{"ko": "스카이 컨벤션 2층 컨벤션홀", "en": "Sky Convention hall"}, "place": "Chuncheon", "time_zone": "Asia/Seoul"}, http.StatusCreated, &v)
	m.seoul = v.ID
	c.post(base+"/venues", map[string]any{"name": map[string]string{"ko": "쑤닝 노보텔 중화청B", "zh": "苏宁诺富特中华厅B"}, "place": "Nanjing", "time_zone": "Asia/Shanghai"}, http.StatusCreated, &v)
	m.nanjing = v.ID
	var p idOnly
	c.post(base+"/parties", map[string]any{"name": map[string]string{"ko": "강원도", "zh": "江原道"}, "country": "KR"}, http.StatusCreated, &p)
	m.gangwon = p.ID
	c.post(base+"/parties", map[string]any{"name": map[string]string{"ko": "남경시", "zh": "南京市"}, "country": "CN"}, http.StatusCreated, &p)
	m.nanjingGov = p.ID
	c.post(base+"/participants", map[string]any{"name": "MC Park", "role": "host", "venue_id": m.seoul}, http.StatusCreated, &p)
	m.host = p.ID
	c.post(base+"/participants", map[string]any{"name": "Kim", "title": "Governor", "party_id": m.gangwon, "venue_id": m.seoul, "role": "signatory", "order": 1}, http.StatusCreated, &p)
	m.kim = p.ID
	c.post(base+"/participants", map[string]any{"name": "Wang", "title": "Mayor", "party_id": m.nanjingGov, "venue_id": m.nanjing, "role": "signatory", "order": 2}, http.StatusCreated, &p)
	m.wang = p.ID
	for _, lang := range []string{"ko", "zh"} {
		c.do("POST", base+"/documents?language="+lang, bytes.NewReader(pdftest.Minimal(3, "MOU "+lang)), "application/pdf", http.StatusCreated, nil)
	}
	var sched struct {
		Invitations []invitation `json:"invitations"`
	}
	c.post(base+"/schedule", nil, http.StatusOK, &sched)
	for _, inv := range sched.Invitations {
		port := c.base[strings.LastIndex(c.base, ":"):] // the public URL says localhost for 127.0.0.1
		if want := port + "/app/join.html#token=" + inv.Token; inv.Token == "" || !strings.HasSuffix(inv.URL, want) {
			t.Fatalf("invitation link = %q, want one ending %q", inv.URL, want)
		}
		m.invitations[inv.ParticipantID] = inv
	}
	if len(m.invitations) != 3 {
		t.Fatalf("schedule issued %d invitations, want 3", len(m.invitations))
	}
	return m
}

// organizer creates an organizer account with the CLI and logs in through the API.
func organizer(t *testing.T, base, dataDir string) *api {
	t.Helper()
	code, _, errs := runCmd(t, dataDir, "a long enough password\n", "user", "add", "--role", "organizer", "--password-stdin", "organizer")
	if code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	c := &api{t: t, base: base}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	c.post("/api/login", map[string]string{"username": "organizer", "password": "a long enough password"}, http.StatusOK, &tok)
	c.token = tok.AccessToken
	return c
}
