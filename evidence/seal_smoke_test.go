package evidence

import (
	"context"
	"os"
	"testing"
)

func TestSealSmoke(t *testing.T) {
	s, err := NewSelfSignedSealer("Signroom test seal", ceremonyTime)
	if err != nil {
		t.Fatal(err)
	}
	docs := []DocumentPDF{{"doc-ko", "ko", "mou-ko.pdf", testDocument("ko", 2)}, {"doc-zh", "zh", "mou-zh.pdf", testDocument("zh", 2)}}
	page := SignaturePage{AgreementID: "ag-1", Titles: map[string]string{"ko": "강원도 협약", "zh": "江原道 协议", "en": "MOU"}, SealedAt: ceremonyTime,
		Signers: []PageSigner{{PartyName: "강원도", PartyNameLatin: "Gangwon Province", Name: "최문순", NameLatin: "Choi Moon-soon", Title: "Governor",
			Venue: "Sky Convention (스카이 컨벤션)", TimeZone: "Asia/Seoul", SignedAt: ceremonyTime, Thumbprint: "abc", Drawing: testPNG(t), Still: testJPEG(t)}}}
	out, err := SealPDF(context.Background(), docs, page, s)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/sealed.pdf", out, 0o644)
}
