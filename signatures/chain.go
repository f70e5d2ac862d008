package signatures

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GenesisPrev is the Prev of the first event of every chain: 64 zeros.
var GenesisPrev = strings.Repeat("0", 64)

// Event is one entry of an agreement's append-only audit chain. Seq starts
// at 1 and increases by one; Prev is the Hash of the event before (GenesisPrev
// for the first); Hash is ComputeHash of the event itself.
type Event struct {
	Seq         int64           `json:"seq"`
	AgreementID string          `json:"agreement_id"`
	Type        string          `json:"type"`
	Actor       string          `json:"actor"`
	At          time.Time       `json:"at"`
	Data        json.RawMessage `json:"data"`
	Prev        string          `json:"prev"`
	Hash        string          `json:"hash"`
}

// CanonicalBytes returns the bytes the event hash is taken over: the RFC
// 8785 canonical JSON of the object
//
//	{"actor":A,"agreement_id":G,"at":T,"data":D,"prev":P,"seq":N,"type":Y}
//
// where T is At in UTC formatted with time.RFC3339Nano (trailing zero
// fraction digits dropped, "Z" suffix), D is the canonical form of Data
// (null when Data is empty) and N is a JSON integer. Hash is excluded.
func (e Event) CanonicalBytes() ([]byte, error) {
	data := []byte("null")
	if len(bytes.TrimSpace(e.Data)) > 0 {
		c, err := Canonicalize(e.Data)
		if err != nil {
			return nil, fmt.Errorf("event %d data: %w", e.Seq, err)
		}
		data = c
	}
	if e.Seq < 0 || e.Seq > maxSafeInteger {
		return nil, fmt.Errorf("event seq %d: %w", e.Seq, ErrCanonical)
	}
	var b bytes.Buffer
	field := func(name string) { writeJCSString(&b, name); b.WriteByte(':') }
	b.WriteByte('{')
	field("actor")
	writeJCSString(&b, e.Actor)
	b.WriteByte(',')
	field("agreement_id")
	writeJCSString(&b, e.AgreementID)
	b.WriteByte(',')
	field("at")
	writeJCSString(&b, e.At.UTC().Format(time.RFC3339Nano))
	b.WriteByte(',')
	field("data")
	b.Write(data)
	b.WriteByte(',')
	field("prev")
	writeJCSString(&b, e.Prev)
	b.WriteByte(',')
	field("seq")
	b.WriteString(strconv.FormatInt(e.Seq, 10))
	b.WriteByte(',')
	field("type")
	writeJCSString(&b, e.Type)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ComputeHash returns the lowercase hex SHA-256 of CanonicalBytes, or ""
// when Data cannot be canonicalised (which then never matches Hash).
func (e Event) ComputeHash() string {
	c, err := e.CanonicalBytes()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:])
}

// NextEvent builds the event that follows prev (nil for the first event of
// a chain), with At truncated to whole microseconds so that it survives
// storage in SQL databases unchanged, and data marshalled to JSON (nil data
// gives null). The returned event has Prev and Hash set.
func NextEvent(prev *Event, agreementID, typ, actor string, at time.Time, data any) (Event, error) {
	e := Event{Seq: 1, AgreementID: agreementID, Type: typ, Actor: actor,
		At: at.UTC().Truncate(time.Microsecond), Prev: GenesisPrev}
	if prev != nil {
		if prev.AgreementID != agreementID {
			return Event{}, fmt.Errorf("next event: %w: agreement %q after %q", ErrChain, agreementID, prev.AgreementID)
		}
		e.Seq, e.Prev = prev.Seq+1, prev.Hash
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("next event: %w: %v", ErrCanonical, err)
	}
	if e.Data, err = Canonicalize(raw); err != nil {
		return Event{}, fmt.Errorf("next event: %w", err)
	}
	e.Hash = e.ComputeHash()
	return e, nil
}

// ChainError names the first event at which a chain fails to verify.
type ChainError struct {
	Seq    int64  // sequence number expected or found at the failure
	Reason string // what is wrong there
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit chain broken at seq %d: %s", e.Seq, e.Reason)
}

// Unwrap makes errors.Is(err, ErrChain) true.
func (e *ChainError) Unwrap() error { return ErrChain }

// VerifyChain checks a whole chain in order: sequence numbers 1, 2, 3...,
// one agreement id, genesis Prev, each Prev equal to the previous Hash and
// each Hash equal to ComputeHash. It returns a *ChainError naming the first
// bad sequence number, or nil. An empty chain is an error. VerifyChain alone
// cannot notice events cut off the end; compare Head with an anchored head.
func VerifyChain(events []Event) error {
	if len(events) == 0 {
		return &ChainError{Seq: 1, Reason: "no events"}
	}
	prev := GenesisPrev
	for i, e := range events {
		want := int64(i + 1)
		if err := checkEvent(e, want, prev, events[0].AgreementID); err != nil {
			return err
		}
		prev = e.Hash
	}
	return nil
}

func checkEvent(e Event, seq int64, prev, agreementID string) error {
	switch {
	case e.Seq != seq:
		return &ChainError{Seq: seq, Reason: fmt.Sprintf("missing or reordered: found seq %d", e.Seq)}
	case e.AgreementID != agreementID:
		return &ChainError{Seq: seq, Reason: "agreement id differs"}
	case e.Prev != prev:
		return &ChainError{Seq: seq, Reason: "prev does not match the hash of the previous event"}
	case e.ComputeHash() == "":
		return &ChainError{Seq: seq, Reason: "data is not canonicalisable JSON"}
	case e.ComputeHash() != e.Hash:
		return &ChainError{Seq: seq, Reason: "hash does not match the event content"}
	}
	return nil
}

// Head returns the Hash of the last event, or GenesisPrev for no events.
func Head(events []Event) string {
	if len(events) == 0 {
		return GenesisPrev
	}
	return events[len(events)-1].Hash
}
