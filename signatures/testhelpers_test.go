package signatures

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"
)

func newKey(t testing.TB) (*ecdsa.PrivateKey, JWK) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := JWKFromPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return priv, jwk
}

func sampleStatement() Statement {
	return Statement{
		Issuer: "p-1", Subject: "p-1", Audience: Audience,
		IssuedAt:      time.Date(2020, 5, 29, 6, 30, 0, 0, time.UTC).Unix(),
		AgreementID:   "ag-1",
		ParticipantID: "p-1",
		PartyID:       "party-gangwon",
		PartyNames:    map[string]string{"ko": "강원도", "zh": "江原道"},
		SignerName:    "Choi Moon-soon",
		SignerTitle:   "Governor",
		Documents: []Document{
			{ID: "doc-ko", Language: "ko", Filename: "mou-ko.pdf", SHA256: strings.Repeat("ab", 32), Pages: 3},
			{ID: "doc-zh", Language: "zh", Filename: "mou-zh.pdf", SHA256: strings.Repeat("cd", 32), Pages: 3},
		},
		Text:      map[string]string{"ko": "본인은 위 문서에 서명합니다.", "zh": "本人签署上述文件。"},
		Nonce:     "n-0123456789",
		ChainHead: strings.Repeat("1f", 32),
	}
}
