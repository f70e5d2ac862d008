package protocol

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
		want     Message
	}{
		{"join", `{"type":"join","token":"abc"}`, true, Message{Type: TypeJoin, Token: "abc"}},
		{"join without token", `{"type":"join"}`, false, Message{}},
		{"offer", `{"type":"offer","sdp":"v=0","sources":{"t1":"screen"}}`, true,
			Message{Type: TypeOffer, SDP: "v=0", Sources: map[string]string{"t1": "screen"}}},
		{"offer with bad source", `{"type":"offer","sdp":"v=0","sources":{"t1":"radio"}}`, false, Message{}},
		{"candidate", `{"type":"candidate","target":"subscriber","candidate":{"candidate":"c"}}`, true, Message{}},
		{"candidate without target", `{"type":"candidate","candidate":{"candidate":"c"}}`, false, Message{}},
		{"candidate with newline", `{"type":"candidate","target":"publisher","candidate":{"candidate":"a\r\nb"}}`, false, Message{}},
		{"mute", `{"type":"mute","source":"camera","muted":true}`, true, Message{}},
		{"mute without muted", `{"type":"mute","source":"camera"}`, false, Message{}},
		{"host mute defaults to microphone", `{"type":"mute_participant","participant":"p"}`, true,
			Message{Type: TypeMuteParticipant, Participant: "p", Source: SourceMicrophone}},
		{"restart_ice", `{"type":"restart_ice"}`, true, Message{Type: TypeRestartICE}},
		{"unknown type", `{"type":"nope"}`, false, Message{}},
		{"missing type", `{}`, false, Message{}},
		{"array", `[]`, false, Message{}},
		{"trailing data", `{"type":"ping"} {}`, false, Message{}},
		{"wrong type", `{"type":"answer","sdp":1}`, false, Message{}},
		{"not utf-8", "{\"type\":\"ping\",\"x\":\"\xff\"}", false, Message{}},
		{"too large", `{"type":"ping","x":"` + strings.Repeat("a", MaxMessageSize) + `"}`, false, Message{}},
		{"token too long", `{"type":"join","token":"` + strings.Repeat("a", maxTokenLen+1) + `"}`, false, Message{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("Decode error = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if tt.want.Type != "" && !equal(got, tt.want) {
				t.Errorf("Decode = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func equal(a, b Message) bool {
	if a.Type != b.Type || a.Token != b.Token || a.SDP != b.SDP || a.Participant != b.Participant ||
		a.Source != b.Source || len(a.Sources) != len(b.Sources) {
		return false
	}
	for k, v := range a.Sources {
		if b.Sources[k] != v {
			return false
		}
	}
	return true
}

func TestErrorDoesNotEchoInput(t *testing.T) {
	_, err := Decode([]byte(`{"type":"secret-token-value-that-is-long-enough-to-be-hidden"}`))
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v echoes the input", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"type":"join","token":"t"}`, `{"type":"offer","sdp":"v=0","sources":{"a":"camera"}}`,
		`{"type":"candidate","target":"publisher","candidate":{"candidate":"c","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"mute","source":"microphone","muted":false}`, `{"type":"remove_participant","participant":"x"}`,
		`{`, `null`, `{"type":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if _, ok := validators[m.Type]; !ok {
			t.Fatalf("accepted unknown type %q", m.Type)
		}
		if len(m.Token) > maxTokenLen || len(m.SDP) > maxSDPLen || len(m.Participant) > maxIDLen {
			t.Fatalf("accepted an over-long field")
		}
		if m.Type == TypeCandidate && (m.Candidate == nil || (m.Target != TargetPublisher && m.Target != TargetSubscriber)) {
			t.Fatalf("accepted a candidate without target or candidate")
		}
	})
}
