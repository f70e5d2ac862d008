package server

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/signatures"
)

// TestBilingualEvidence is issue 9's finding through the real server: in a ko/zh agreement
// every party's signed statement binds its names in both languages (the Chinese party's
// statement named it only in Korean), and the manifest carries every name each party and
// venue was given (venues kept only their English name), as does the verified record.
func TestBilingualEvidence(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 3, "parallel")
	for _, s := range f.signers {
		e.must(f.register(e, s), http.StatusCreated)
	}
	f.openSigning(e)
	for _, s := range f.signers {
		e.must(f.sign(e, s, nil), http.StatusCreated)
	}
	e.must(f.closeCeremony(e), http.StatusOK)
	bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
	rep := e.verify(bundle)
	if !rep.OK() {
		t.Fatalf("bundle does not verify: %+v", rep.Failed())
	}
	var m evidence.Manifest
	if err := json.Unmarshal(zipEntry(t, bundle, evidence.PathManifest), &m); err != nil {
		t.Fatal(err)
	}

	for i, p := range m.Parties {
		want := localized(mouParties[i].ko, mouParties[i].zh, mouParties[i].en)
		if !maps.Equal(p.Names, want) {
			t.Errorf("manifest party %d names %v, want %v", i, p.Names, want)
		}
	}
	wantVenues := []map[string]string{localized("스카이 컨벤션", "", "Sky Convention"), localized("", "苏宁诺富特酒店", "Suning Novotel")}
	for i, v := range m.Venues {
		if !maps.Equal(v.Names, wantVenues[i]) {
			t.Errorf("manifest venue %d names %v, want %v", i, v.Names, wantVenues[i])
		}
	}
	for _, s := range m.Signatures {
		st, err := signatures.Verify(s.JWS, s.JWK)
		if err != nil {
			t.Fatal(err)
		}
		var party evidence.Party
		for _, p := range m.Parties {
			if p.ID == st.PartyID {
				party = p
			}
		}
		if st.PartyNames["ko"] == "" || st.PartyNames["zh"] == "" || st.PartyNames["ko"] != party.Names["ko"] || st.PartyNames["zh"] != party.Names["zh"] {
			t.Errorf("%s signed party_names %v; the party is %v", st.ParticipantID, st.PartyNames, party.Names)
		}
		if _, ok := st.PartyNames["en"]; ok {
			t.Errorf("%s signed party_names %v: English is not a language of this agreement", st.ParticipantID, st.PartyNames)
		}
	}
	for _, s := range rep.Record.Signers {
		if len(s.VenueNames) != 2 || len(s.PartyNames) != 3 {
			t.Errorf("record signer %s: venue %v, party %v; want every name", s.ParticipantID, s.VenueNames, s.PartyNames)
		}
	}
}

func zipEntry(t *testing.T, zipped []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/"+name) { // under the bag directory
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s not in the bundle", name)
	return nil
}
