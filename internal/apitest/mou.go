package apitest

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/pdftest"
)

// MOU is the demo agreement of DESIGN.md, small: an MC and a signatory in Chuncheon, a
// signatory in Nanjing, two parties, Korean and Chinese documents.
type MOU struct {
	ID                  string
	Seoul, Nanjing      string            // venue ids
	Gangwon, NanjingGov string            // party ids
	Host, Kim, Wang     string            // participant ids
	Observer            string            // an observer at Nanjing (SetUpMOUWithObserver), else ""
	Witnesses           []string          // MOUOptions.Witnesses witnesses, alternately at each venue
	Tokens              map[string]string // invitation token by participant id
	URLs                map[string]string // invitation link by participant id
	TitleEn, TitleKo    string
	VenueKo, VenueZh    string
}

// JoinURL is a participant's invitation page in a language.
func (m *MOU) JoinURL(base, participant, lang string) string {
	return base + "/app/join.html?lang=" + lang + "#token=" + m.Tokens[participant]
}

type idOnly struct {
	ID string `json:"id"`
}

// SetUpMOU creates the agreement with the given signing order through the API as an
// organizer, fills it and schedules it; it checks that every participant got an invitation
// with its link. The ceremony is not started.
func SetUpMOU(t testing.TB, c *Client, order string) *MOU {
	t.Helper()
	return setUpMOU(t, c, order, MOUOptions{})
}

// MOUOptions vary the demo MOU.
type MOUOptions struct {
	Observer    bool      // add an observer (no media) at the Nanjing venue
	ScheduledAt time.Time // the planned start, if not zero
	Witnesses   int       // add this many witnesses (camera and microphone), alternately at each venue
	// TextDocuments uploads two-page Korean and Chinese texts of the MOU (MOUText) instead
	// of one-page placeholders, for the room's document view.
	TextDocuments bool
}

// MOUText is the text of the MOU's pages by language, for MOUOptions.TextDocuments.
var MOUText = map[string][][]string{
	"ko": {{"강원도-남경시 전자상거래 협력 양해각서", "제1조 목적"}, {"제2조 협력 분야", "양측은 국경 간 전자상거래에서 협력한다"}},
	"zh": {{"江原道-南京市跨境电商合作备忘录", "第一条 目的"}, {"第二条 合作领域", "双方在跨境电子商务领域开展合作"}},
}

// SetUpMOUWith is SetUpMOU with options.
func SetUpMOUWith(t testing.TB, c *Client, order string, o MOUOptions) *MOU {
	t.Helper()
	return setUpMOU(t, c, order, o)
}

// SetUpMOUWithObserver is SetUpMOU with an observer (no media) at the Nanjing venue.
func SetUpMOUWithObserver(t testing.TB, c *Client, order string) *MOU {
	t.Helper()
	return setUpMOU(t, c, order, MOUOptions{Observer: true})
}

func setUpMOU(t testing.TB, c *Client, order string, o MOUOptions) *MOU {
	t.Helper()
	m := &MOU{Tokens: map[string]string{}, URLs: map[string]string{},
		TitleEn: "Gangwon–Nanjing cross-border e-commerce MOU", TitleKo: "강원도-남경시 전자상거래 협력 MOU",
		VenueKo: "쑤닝 노보텔 중화청B", VenueZh: "苏宁诺富特中华厅B"}
	var ag idOnly
	body := map[string]any{
		"title":         map[string]string{"ko": m.TitleKo, "zh": "江原道-南京市跨境电商合作备忘录", "en": m.TitleEn},
		"description":   map[string]string{"ko": "강원 상품의 중국 역직구 판매 협력", "zh": "江原道产品跨境电商对华销售合作", "en": "Selling Gangwon products in China through cross-border e-commerce"},
		"signing_order": order,
	}
	if !o.ScheduledAt.IsZero() {
		body["scheduled_at"] = o.ScheduledAt.UTC().Format(time.RFC3339)
	}
	c.Post("/api/agreements", body, http.StatusCreated, &ag)
	m.ID = ag.ID
	base := "/api/agreements/" + m.ID
	m.Seoul = add(c, base+"/venues", map[string]any{"name": map[string]string{"ko": "스카이 컨벤션 2층 컨벤션홀", "en": "Sky Convention, 2nd-floor hall"}, "place": "Chuncheon", "time_zone": "Asia/Seoul"})
	m.Nanjing = add(c, base+"/venues", map[string]any{"name": map[string]string{"ko": m.VenueKo, "zh": m.VenueZh, "en": "Suning Novotel, Zhonghua Hall B"}, "place": "Nanjing", "time_zone": "Asia/Shanghai"})
	m.Gangwon = add(c, base+"/parties", map[string]any{"name": map[string]string{"ko": "강원도", "zh": "江原道", "en": "Gangwon Province"}, "country": "KR"})
	m.NanjingGov = add(c, base+"/parties", map[string]any{"name": map[string]string{"ko": "남경시", "zh": "南京市", "en": "Nanjing Municipal Government"}, "country": "CN"})
	m.Host = add(c, base+"/participants", map[string]any{"name": "MC Park", "role": "host", "venue_id": m.Seoul})
	m.Kim = add(c, base+"/participants", map[string]any{"name": "Kim", "title": "Governor", "party_id": m.Gangwon, "venue_id": m.Seoul, "role": "signatory", "order": 1})
	m.Wang = add(c, base+"/participants", map[string]any{"name": "Wang", "title": "Mayor", "party_id": m.NanjingGov, "venue_id": m.Nanjing, "role": "signatory", "order": 2})
	if o.Observer {
		m.Observer = add(c, base+"/participants", map[string]any{"name": "Observer Liu", "title": "Consul", "venue_id": m.Nanjing, "role": "observer"})
	}
	for i := range o.Witnesses {
		venue := []string{m.Seoul, m.Nanjing}[i%2]
		m.Witnesses = append(m.Witnesses, add(c, base+"/participants", map[string]any{"name": "Witness " + strconv.Itoa(i+1), "venue_id": venue, "role": "witness"}))
	}
	for _, lang := range []string{"ko", "zh"} {
		pdf := pdftest.Minimal(1, "MOU "+lang)
		if o.TextDocuments {
			pdf = pdftest.Text(MOUText[lang])
		}
		c.Do("POST", base+"/documents?language="+lang, bytes.NewReader(pdf), "application/pdf", http.StatusCreated, nil)
	}
	m.schedule(t, c)
	return m
}

func add(c *Client, path string, body map[string]any) string {
	c.T.Helper()
	var v idOnly
	c.Post(path, body, http.StatusCreated, &v)
	return v.ID
}

func (m *MOU) schedule(t testing.TB, c *Client) {
	t.Helper()
	var sched struct {
		Invitations []struct {
			ParticipantID string `json:"participant_id"`
			Token         string `json:"token"`
			URL           string `json:"url"`
		} `json:"invitations"`
	}
	c.Post("/api/agreements/"+m.ID+"/schedule", nil, http.StatusOK, &sched)
	port := c.Base[strings.LastIndex(c.Base, ":"):] // the public URL may say localhost for 127.0.0.1
	for _, inv := range sched.Invitations {
		if want := port + "/app/join.html#token=" + inv.Token; inv.Token == "" || !strings.HasSuffix(inv.URL, want) {
			t.Fatalf("invitation link = %q, want one ending %q", inv.URL, want)
		}
		m.Tokens[inv.ParticipantID], m.URLs[inv.ParticipantID] = inv.Token, inv.URL
	}
	want := 3 + len(m.Witnesses)
	if m.Observer != "" {
		want++
	}
	if len(m.Tokens) != want {
		t.Fatalf("schedule issued %d invitations, want %d", len(m.Tokens), want)
	}
}
