package signatures

import (
	"encoding/json"
	"testing"
	"time"
)

// TestDocumentedExample keeps docs/evidence-format.md honest: the worked
// example there must be what this code computes. The values were also
// checked independently with Python's hashlib and json.dumps(sort_keys=True).
func TestDocumentedExample(t *testing.T) {
	// RFC 7515 appendix A.3's P-256 key.
	k := JWK{Kty: "EC", Crv: "P-256", X: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", Y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	const thumb = "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"
	if got := k.Thumbprint(); got != thumb {
		t.Errorf("thumbprint = %s, want %s", got, thumb)
	}
	e1, err := NextEvent(nil, "ag-2020-0529", "agreement.created", "user:organizer",
		time.Date(2020, 5, 29, 15, 0, 0, 0, time.FixedZone("KST", 9*3600)), json.RawMessage(`{"title":"MOU","parties":6}`))
	if err != nil {
		t.Fatal(err)
	}
	e2, err := NextEvent(&e1, "ag-2020-0529", "signature.recorded", "p-1",
		time.Date(2020, 5, 29, 6, 10, 0, 123456789, time.UTC), map[string]any{"thumbprint": thumb, "note": "서명 <ok>"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		e               Event
		canonical, hash string
	}{
		{e1, `{"actor":"user:organizer","agreement_id":"ag-2020-0529","at":"2020-05-29T06:00:00Z","data":{"parties":6,"title":"MOU"},"prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"type":"agreement.created"}`,
			"cc559cb49d2013e2c1f3be90bc77265fba2dda7e060e8e31a8be3022fcbd8160"},
		{e2, `{"actor":"p-1","agreement_id":"ag-2020-0529","at":"2020-05-29T06:10:00.123456Z","data":{"note":"서명 <ok>","thumbprint":"oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"},"prev":"cc559cb49d2013e2c1f3be90bc77265fba2dda7e060e8e31a8be3022fcbd8160","seq":2,"type":"signature.recorded"}`,
			"84569c57d53865c0c3b7209fafdbd60f6cb5ba0351d95cd4bd1a2c7adce0a51e"},
	}
	for _, tt := range tests {
		c, err := tt.e.CanonicalBytes()
		if err != nil {
			t.Fatal(err)
		}
		if string(c) != tt.canonical {
			t.Errorf("canonical =\n%s\nwant\n%s", c, tt.canonical)
		}
		if tt.e.Hash != tt.hash {
			t.Errorf("hash = %s, want %s", tt.e.Hash, tt.hash)
		}
	}
}
