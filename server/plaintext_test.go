package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestTextIsPlainAndNFC is issue 8 item 10 through the real server: names and titles with
// bidi overrides or control characters are refused with the field named; a name sent
// decomposed (NFD) is stored, and put in the signing statement, composed (NFC).
func TestTextIsPlainAndNFC(t *testing.T) {
	e := newEnv(t)
	f := draftAgreement(e)
	tok, base := e.tokens["owner"], "/api/agreements/"+f.id
	bad := map[string]string{
		"right-to-left override": "Kim \u202egnaG",
		"NUL":                    "Kim\x00",
		"ESC":                    "Kim \x1b[31mLee",
		"newline":                "Kim\nSigned: nobody",
		"isolate":                "Kim \u2067x\u2069",
		"C1":                     "Kim\u0085",
	}
	for name, value := range bad {
		t.Run(name, func(t *testing.T) {
			r := e.do("POST", base+"/participants", tok, map[string]any{"name": value, "party_id": f.party, "venue_id": f.venue, "role": "signatory"})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.raw), `"field":"name"`) {
				t.Errorf("participant name %q: %d %s; want 422 naming the field", value, r.status, r.raw)
			}
			r = e.do("PATCH", base, tok, map[string]any{"title": map[string]string{"ko": value}})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.raw), "title[ko]") {
				t.Errorf("title %q: %d %s; want 422 naming title[ko]", value, r.status, r.raw)
			}
		})
	}
	e.must(e.do("PATCH", base, tok, map[string]any{"description": map[string]string{"en": "Line one.\nLine two."}}), http.StatusOK)

	nfd, nfc := "\u1112\u1161\u11ab \u1100\u1161\u11bc", "한 강"
	id := e.must(e.do("POST", base+"/participants", tok, map[string]any{"name": nfd, "title": nfd, "party_id": f.party, "venue_id": f.venue, "role": "signatory"}), http.StatusCreated).str("id")
	a, err := e.db.Agreement(context.Background(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := a.Participant(id)
	if p.Name != nfc || p.Title != nfc {
		t.Fatalf("stored name %q title %q, want NFC %q", p.Name, p.Title, nfc)
	}
	st, err := expectedStatement(a, p)
	if err != nil {
		t.Fatal(err)
	}
	for lang, text := range st.Text {
		if !strings.Contains(text, nfc) || strings.Contains(text, nfd) {
			t.Errorf("statement text [%s] %q does not hold the NFC name", lang, text)
		}
	}
	if st.SignerName != nfc {
		t.Errorf("statement signer name %q, want %q", st.SignerName, nfc)
	}
}
