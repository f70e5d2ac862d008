package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// ceremony is the demo MOU of DESIGN.md, live: an MC and a signatory in Chuncheon, a
// signatory in Nanjing.
type ceremony struct {
	id               string
	seoul, nanjing   string
	host, kim, wang  string
	tokens           map[string]string // invitation token by participant id
	titleEn, titleKo string
	venueKo, venueZh string
}

type idOnly struct {
	ID string `json:"id"`
}

// setUpCeremony creates, fills, schedules and starts the agreement through the API.
func setUpCeremony(t *testing.T, c *api) *ceremony {
	t.Helper()
	m := &ceremony{tokens: map[string]string{}, titleEn: "Gangwon–Nanjing cross-border e-commerce MOU",
		titleKo: "강원도-남경시 전자상거래 협력 MOU", venueKo: "쑤닝 노보텔 중화청B", venueZh: "苏宁诺富特中华厅B"}
	var ag idOnly
	c.post("/api/agreements", map[string]any{
		"title":         map[string]string{"ko": m.titleKo, "zh": "江原道-南京市跨境电商合作备忘录", "en": m.titleEn},
		"description":   map[string]string{"ko": "강원 상품의 중국 역직구 판매 협력", "zh": "江原道产品跨境电商对华销售合作", "en": "Selling Gangwon products in China through cross-border e-commerce"},
		"signing_order": "sequential",
	}, http.StatusCreated, &ag)
	m.id = ag.ID
	base := "/api/agreements/" + m.id
	var v idOnly
	c.post(base+"/venues", map[string]any{"name": map[string]string{"ko": "스카이 컨벤션 2층 컨벤션홀", "en": "Sky Convention, 2nd-floor hall"}, "place": "Chuncheon", "time_zone": "Asia/Seoul"}, http.StatusCreated, &v)
	m.seoul = v.ID
	c.post(base+"/venues", map[string]any{"name": map[string]string{"ko": m.venueKo, "zh": m.venueZh, "en": "Suning Novotel, Zhonghua Hall B"}, "place": "Nanjing", "time_zone": "Asia/Shanghai"}, http.StatusCreated, &v)
	m.nanjing = v.ID
	var gangwon, nanjing idOnly
	c.post(base+"/parties", map[string]any{"name": map[string]string{"ko": "강원도", "zh": "江原道", "en": "Gangwon Province"}, "country": "KR"}, http.StatusCreated, &gangwon)
	c.post(base+"/parties", map[string]any{"name": map[string]string{"ko": "남경시", "zh": "南京市", "en": "Nanjing Municipal Government"}, "country": "CN"}, http.StatusCreated, &nanjing)
	var p idOnly
	c.post(base+"/participants", map[string]any{"name": "MC Park", "role": "host", "venue_id": m.seoul}, http.StatusCreated, &p)
	m.host = p.ID
	c.post(base+"/participants", map[string]any{"name": "Kim", "title": "Governor", "party_id": gangwon.ID, "venue_id": m.seoul, "role": "signatory", "order": 1}, http.StatusCreated, &p)
	m.kim = p.ID
	c.post(base+"/participants", map[string]any{"name": "Wang", "title": "Mayor", "party_id": nanjing.ID, "venue_id": m.nanjing, "role": "signatory", "order": 2}, http.StatusCreated, &p)
	m.wang = p.ID
	for _, lang := range []string{"ko", "zh"} {
		c.do("POST", base+"/documents?language="+lang, bytes.NewReader(onePagePDF("MOU "+lang)), "application/pdf", http.StatusCreated, nil)
	}
	var sched struct {
		Invitations []struct {
			ParticipantID string `json:"participant_id"`
			Token         string `json:"token"`
		} `json:"invitations"`
	}
	c.post(base+"/schedule", nil, http.StatusOK, &sched)
	for _, inv := range sched.Invitations {
		m.tokens[inv.ParticipantID] = inv.Token
	}
	if len(m.tokens) != 3 {
		t.Fatalf("schedule issued %d invitations, want 3", len(m.tokens))
	}
	c.post(base+"/start", nil, http.StatusOK, nil)
	return m
}

// joinURL is the invitation link of a participant: the token in the fragment.
func (m *ceremony) joinURL(base, participant, lang string) string {
	return base + "/app/join.html?lang=" + lang + "#token=" + m.tokens[participant]
}

// onePagePDF writes a minimal valid one-page PDF.
func onePagePDF(text string) []byte {
	var b bytes.Buffer
	var offsets []int
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (%s) Tj ET", strings.NewReplacer("(", "", ")", "").Replace(text))
	objects = append(objects, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	b.WriteString("%PDF-1.4\n")
	for i, o := range objects {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
