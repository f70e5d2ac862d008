package signatures

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

func buildChain(t *testing.T, n int) []Event {
	t.Helper()
	var events []Event
	at := time.Date(2020, 5, 29, 6, 0, 0, 123456789, time.UTC)
	for i := range n {
		var prev *Event
		if i > 0 {
			prev = &events[i-1]
		}
		e, err := NextEvent(prev, "ag-1", "test.event", "p-1", at.Add(time.Duration(i)*time.Second), map[string]any{"i": i, "b": "<&>"})
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	return events
}

func TestCanonicalBytesExact(t *testing.T) {
	e := Event{Seq: 1, AgreementID: "ag-1", Type: "agreement.created", Actor: "user:alice",
		At:   time.Date(2020, 5, 29, 15, 0, 0, 500000000, time.FixedZone("KST", 9*3600)),
		Data: json.RawMessage(`{ "title": "MOU", "parties": 6 }`), Prev: GenesisPrev}
	want := `{"actor":"user:alice","agreement_id":"ag-1","at":"2020-05-29T06:00:00.5Z",` +
		`"data":{"parties":6,"title":"MOU"},"prev":"` + GenesisPrev + `","seq":1,"type":"agreement.created"}`
	got, err := e.CanonicalBytes()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("CanonicalBytes =\n%s\nwant\n%s", got, want)
	}
	sum := sha256.Sum256([]byte(want))
	if h := e.ComputeHash(); h != hex.EncodeToString(sum[:]) {
		t.Errorf("ComputeHash = %s, want %x", h, sum)
	}
}

func TestNextEventTruncatesAndLinks(t *testing.T) {
	events := buildChain(t, 3)
	if events[0].Prev != GenesisPrev || events[1].Prev != events[0].Hash || events[2].Seq != 3 {
		t.Errorf("chain not linked: %+v", events)
	}
	if ns := events[0].At.Nanosecond(); ns != 123456000 {
		t.Errorf("At nanoseconds = %d, want 123456000", ns)
	}
	if _, err := NextEvent(&events[2], "ag-2", "x", "y", time.Now(), nil); !errors.Is(err, ErrChain) {
		t.Errorf("NextEvent across agreements err = %v, want ErrChain", err)
	}
}

func TestChainSurvivesJSONRoundTrip(t *testing.T) {
	events := buildChain(t, 4)
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	var back []Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := VerifyChain(back); err != nil {
		t.Errorf("VerifyChain after JSON round trip = %v", err)
	}
}

func TestVerifyChainDetects(t *testing.T) {
	tests := []struct {
		name    string
		edit    func([]Event) []Event
		wantSeq int64
	}{
		{"drop middle", func(e []Event) []Event { return slices.Delete(e, 2, 3) }, 3},
		{"drop first", func(e []Event) []Event { return e[1:] }, 1},
		{"swap", func(e []Event) []Event { e[1], e[2] = e[2], e[1]; return e }, 2},
		{"alter data", func(e []Event) []Event { e[3].Data = json.RawMessage(`{"i":99}`); return e }, 4},
		{"alter time", func(e []Event) []Event { e[1].At = e[1].At.Add(time.Nanosecond); return e }, 2},
		{"alter type rehash", func(e []Event) []Event { e[1].Type = "forged"; e[1].Hash = e[1].ComputeHash(); return e }, 3},
		{"alter agreement", func(e []Event) []Event { e[4].AgreementID = "ag-2"; return e }, 5},
		{"bad data", func(e []Event) []Event { e[0].Data = json.RawMessage(`{"x":1.5}`); return e }, 1},
		{"empty", func(e []Event) []Event { return nil }, 1},
	}
	if err := VerifyChain(buildChain(t, 5)); err != nil {
		t.Fatalf("intact chain: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyChain(tt.edit(buildChain(t, 5)))
			var ce *ChainError
			if !errors.As(err, &ce) || !errors.Is(err, ErrChain) {
				t.Fatalf("VerifyChain err = %v, want *ChainError", err)
			}
			if ce.Seq != tt.wantSeq {
				t.Errorf("failing seq = %d (%s), want %d", ce.Seq, ce.Reason, tt.wantSeq)
			}
		})
	}
}

func TestHead(t *testing.T) {
	events := buildChain(t, 2)
	if Head(events) != events[1].Hash || Head(nil) != GenesisPrev {
		t.Error("Head returns the wrong hash")
	}
}
