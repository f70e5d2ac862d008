package server

import (
	"strings"
	"testing"

	"github.com/signroom/signroom/agreement"
)

func TestKoreanParticles(t *testing.T) {
	tests := []struct {
		word, with, without, want string
	}{
		{"강원도", "을", "를", "를"}, // ends in a vowel
		{"남경시 전자상거래협회", "을", "를", "를"},
		{"강원도 화장품협회", "을", "를", "를"},
		{"가의현 그룹", "을", "를", "을"}, // 룹 ends in ㅂ
		{"㈜강원수출", "을", "를", "을"},  // 출 ends in ㄹ
		{"김진태", "은", "는", "는"},
		{"Kim", "은", "는", "은(는)"},
		{"", "을", "를", "을(를)"},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := koParticle(tt.word, tt.with, tt.without); got != tt.want {
				t.Fatalf("koParticle(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestStatementTextPerLanguage(t *testing.T) {
	a := &agreement.Agreement{
		Title:     agreement.Localized{"ko": "업무협약", "zh": "合作备忘录"},
		Documents: []agreement.Document{{Language: "ko"}, {Language: "zh"}, {Language: "en"}},
	}
	p := agreement.Participant{Name: "김진태", Title: "도지사"}
	party := agreement.Party{Name: agreement.Localized{"ko": "강원도", "zh": "江原道", "en": "Gangwon Province"}}
	got := statementText(a, p, party)
	want := map[string]string{
		"ko": "본인 김진태(도지사)는 강원도를 대표하여",
		"zh": "本人김진태（도지사）代表江原道，签署《合作备忘录》",
		"en": "I, 김진태, 도지사, on behalf of Gangwon Province, sign \"업무협약\"",
	}
	for lang, prefix := range want {
		if !strings.HasPrefix(got[lang], prefix) || strings.Contains(got[lang], "%!") {
			t.Errorf("statement[%s] = %q, want it to start %q", lang, got[lang], prefix)
		}
	}
}
