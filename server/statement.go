package server

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signatures"
)

// statementTemplate is the signing statement text in lang (English for a language without
// one). The verbs fill in the signer's name, title, party and the agreement's title.
func statementTemplate(lang string) string {
	switch lang {
	case "ko":
		return "본인 %[1]s(%[2]s)%[5]s %[3]s%[6]s 대표하여, 이 서명 진술에 지문(SHA-256)이 기재된 모든 문서 버전으로 된 「%[4]s」에 서명합니다."
	case "zh":
		return "本人%[1]s（%[2]s）代表%[3]s，签署《%[4]s》，其全部文本版本及其SHA-256指纹列于本签署声明中。"
	}
	return "I, %[1]s, %[2]s, on behalf of %[3]s, sign \"%[4]s\" in every document version whose SHA-256 fingerprint is listed in this signing statement."
}

// koParticle picks the Korean particle for word: withFinal after a syllable that ends in a
// consonant (받침), withoutFinal after one that ends in a vowel, and the conventional
// "withFinal(withoutFinal)" after anything that is not a Hangul syllable (Latin names).
func koParticle(word, withFinal, withoutFinal string) string {
	runes := []rune(strings.TrimSpace(word))
	if len(runes) == 0 {
		return withFinal + "(" + withoutFinal + ")"
	}
	last := runes[len(runes)-1]
	if last < 0xAC00 || last > 0xD7A3 {
		return withFinal + "(" + withoutFinal + ")"
	}
	if (last-0xAC00)%28 == 0 {
		return withoutFinal
	}
	return withFinal
}

// statementText is the statement in every agreement language (English for a language with
// no template).
func statementText(a *agreement.Agreement, p agreement.Participant, party agreement.Party) map[string]string {
	langs := a.Languages()
	out := make(map[string]string, len(langs))
	for _, lang := range langs {
		tpl := statementTemplate(lang)
		title := p.Title
		if title == "" {
			title = "-"
		}
		partyName := party.Name.Pick(lang, langs)
		out[lang] = fmt.Sprintf(tpl, p.Name, title, partyName, a.Title.Pick(lang, langs),
			koParticle(p.Name, "은", "는"), koParticle(partyName, "을", "를"))
	}
	return out
}

// partyOf returns the participant's party; signing needs one.
func partyOf(a *agreement.Agreement, p agreement.Participant) (agreement.Party, error) {
	for _, pt := range a.Parties {
		if pt.ID == p.PartyID && p.PartyID != "" {
			return pt, nil
		}
	}
	return agreement.Party{}, &apiError{Status: 409, Code: "no_party",
		Message: "participant " + p.ID + " represents no party and cannot sign"}
}

// expectedStatement is the statement participant p must sign, without nonce, iat, chain
// head and the optional still and drawing hashes.
func expectedStatement(a *agreement.Agreement, p agreement.Participant) (signatures.Statement, error) {
	party, err := partyOf(a, p)
	if err != nil {
		return signatures.Statement{}, err
	}
	langs := a.Languages()
	st := signatures.Statement{Issuer: p.ID, Subject: p.ID, Audience: signatures.Audience,
		AgreementID: a.ID, ParticipantID: p.ID, PartyID: party.ID, PartyNames: signatures.PartyNamesFor(party.Name, langs),
		SignerName: p.Name, SignerTitle: p.Title, Text: statementText(a, p, party)}
	for _, d := range a.Documents {
		st.Documents = append(st.Documents, signatures.Document{ID: d.ID, Language: d.Language, Filename: d.Filename, SHA256: d.SHA256, Pages: d.Pages})
	}
	return st, nil
}

func firstOr(xs []string, def string) string {
	if len(xs) > 0 {
		return xs[0]
	}
	return def
}

// compareStatement names the first claim of got that differs from want (whose nonce, iat,
// chain head and optional hashes are not compared), or returns "".
func compareStatement(got, want signatures.Statement) string {
	pairs := []struct{ name, got, want string }{
		{"agreement_id", got.AgreementID, want.AgreementID}, {"participant_id", got.ParticipantID, want.ParticipantID},
		{"iss", got.Issuer, want.Issuer}, {"sub", got.Subject, want.Subject}, {"aud", got.Audience, want.Audience},
		{"party_id", got.PartyID, want.PartyID},
		{"signer_name", got.SignerName, want.SignerName}, {"signer_title", got.SignerTitle, want.SignerTitle},
	}
	for _, p := range pairs {
		if p.got != p.want {
			return fmt.Sprintf("%s is %q, expected %q", p.name, p.got, p.want)
		}
	}
	if !maps.Equal(got.PartyNames, want.PartyNames) {
		return fmt.Sprintf("party_names is %v, expected %v", got.PartyNames, want.PartyNames)
	}
	if msg := compareDocuments(got.Documents, want.Documents); msg != "" {
		return msg
	}
	if len(got.Text) != len(want.Text) {
		return fmt.Sprintf("statement has %d languages, expected %s", len(got.Text), strings.Join(slices.Sorted(maps.Keys(want.Text)), ", "))
	}
	for lang, text := range want.Text {
		if got.Text[lang] != text {
			return "statement text in " + lang + " differs from the agreement's statement"
		}
	}
	return ""
}

func compareDocuments(got, want []signatures.Document) string {
	if len(got) != len(want) {
		return fmt.Sprintf("documents lists %d documents, the agreement has %d", len(got), len(want))
	}
	for _, w := range want {
		i := slices.IndexFunc(got, func(d signatures.Document) bool { return d.ID == w.ID })
		if i < 0 {
			return "document " + w.ID + " is missing"
		}
		if got[i] != w {
			return fmt.Sprintf("document %s: signed sha256 %s (%s, %d pages, %q), frozen sha256 %s", w.ID,
				got[i].SHA256, got[i].Language, got[i].Pages, got[i].Filename, w.SHA256)
		}
	}
	return ""
}
