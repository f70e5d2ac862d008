package archive

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
)

// PlaybackTTL is how long a playback's media URLs are valid.
const PlaybackTTL = 10 * time.Minute

// ErrMediaToken is returned by MediaSigner.Check for a token that is malformed, altered,
// for another recording or expired.
var ErrMediaToken = errors.New("invalid or expired media token")

// MediaSigner signs and checks the tokens of media URLs: a <video> element cannot send an
// Authorization header, so the URL itself carries the right to read one recording until an
// expiry. A token is "{expiry unix seconds}.{base64url HMAC-SHA256}" over the agreement id,
// the recording id and the expiry, with a key derived from the service's URL-signing secret.
type MediaSigner struct {
	key []byte
	now func() time.Time
}

// NewMediaSigner derives the media key from secret (the service's URL-signing secret), so
// the media tokens cannot be confused with any other URL it signs.
func NewMediaSigner(secret []byte, now func() time.Time) *MediaSigner {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("signroom media url v1"))
	return &MediaSigner{key: mac.Sum(nil), now: now}
}

// Token signs access to one recording until exp.
func (m *MediaSigner) Token(agreementID, recordingID string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return e + "." + base64.RawURLEncoding.EncodeToString(m.mac(agreementID, recordingID, e))
}

func (m *MediaSigner) mac(agreementID, recordingID, exp string) []byte {
	mac := hmac.New(sha256.New, m.key)
	for _, s := range []string{agreementID, recordingID, exp} {
		mac.Write([]byte(s))
		mac.Write([]byte{0})
	}
	return mac.Sum(nil)
}

// Check accepts a token Token made for this agreement and recording that has not expired.
func (m *MediaSigner) Check(agreementID, recordingID, token string) error {
	e, sig, ok := strings.Cut(token, ".")
	exp, err := strconv.ParseInt(e, 10, 64)
	if !ok || err != nil {
		return ErrMediaToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, m.mac(agreementID, recordingID, e)) {
		return ErrMediaToken
	}
	if !m.now().Before(time.Unix(exp, 0)) {
		return fmt.Errorf("%w: expired at %s", ErrMediaToken, time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

// Playback is a synchronized playback of a record's recordings.
type Playback struct {
	ExpiresAt time.Time      `json:"expires_at"`
	Items     []PlaybackItem `json:"items"`
	Marks     []Mark         `json:"marks"`
}

// PlaybackItem is one recording with the path of its signed media URL.
type PlaybackItem struct {
	RecordingID   string   `json:"recording_id"`
	URL           string   `json:"url"`
	StartOffsetMS int64    `json:"start_offset_ms"`
	DurationMS    int64    `json:"duration_ms"`
	ParticipantID string   `json:"participant_id"`
	Source        string   `json:"source"`
	Kinds         []string `json:"kinds"`
}

// Mark is a signature on the playback timeline.
type Mark struct {
	ParticipantID string    `json:"participant_id"`
	OffsetMS      int64     `json:"offset_ms"`
	SignedAt      time.Time `json:"signed_at"`
}

// MediaPath is the path of a recording's media URL, without its token.
func MediaPath(agreementID, recordingID string) string {
	return "/api/media/" + agreementID + "/recordings/" + recordingID
}

// Playback issues signed media URLs for every archived recording of a, valid PlaybackTTL,
// with the signatures' marks on the same timeline, and audits "recording.playback" by actor
// with the recording ids.
func (rs *Records) Playback(ctx context.Context, a *agreement.Agreement, signer *MediaSigner, actor string) (Playback, error) {
	rec, err := rs.read(ctx, a, false)
	if err != nil {
		return Playback{}, fmt.Errorf("playback %s: %w", a.ID, err)
	}
	pb := Playback{ExpiresAt: signer.now().Add(PlaybackTTL).UTC().Truncate(time.Second), Items: []PlaybackItem{}, Marks: []Mark{}}
	ids := []string{}
	for _, r := range rec.Recordings {
		url := MediaPath(a.ID, r.ID) + "?token=" + signer.Token(a.ID, r.ID, pb.ExpiresAt)
		pb.Items = append(pb.Items, PlaybackItem{RecordingID: r.ID, URL: url, StartOffsetMS: r.StartOffsetMS, DurationMS: r.DurationMS,
			ParticipantID: r.ParticipantID, Source: r.Source, Kinds: r.Kinds})
		ids = append(ids, r.ID)
	}
	for _, s := range rec.Signatories {
		if s.SignedAt != nil && s.OffsetMS != nil {
			pb.Marks = append(pb.Marks, Mark{ParticipantID: s.ParticipantID, OffsetMS: *s.OffsetMS, SignedAt: *s.SignedAt})
		} else if s.SignedAt != nil && rec.TimelineStart != nil {
			pb.Marks = append(pb.Marks, Mark{ParticipantID: s.ParticipantID, OffsetMS: s.SignedAt.Sub(*rec.TimelineStart).Milliseconds(), SignedAt: *s.SignedAt})
		}
	}
	ev := agreement.AuditEntry{Type: EventRecordingPlayback, Actor: actor, Data: map[string]any{"recordings": ids}}
	if _, err := rs.Store.AppendAudit(ctx, a.ID, ev); err != nil {
		return Playback{}, fmt.Errorf("playback %s: %w", a.ID, err)
	}
	return pb, nil
}

// ArchivedRecording returns the archived recording recordingID of agreementID: its archive
// key, pinned version, size and SHA-256. One not archived gives agreement.ErrNotFound.
func (rs *Records) ArchivedRecording(ctx context.Context, agreementID, recordingID string) (agreement.Recording, error) {
	all, err := rs.Store.Recordings(ctx, agreementID)
	if err != nil {
		return agreement.Recording{}, err
	}
	for _, r := range all {
		if r.ID == recordingID && r.State == agreement.RecordingArchived && r.ArchiveKey != "" {
			return r, nil
		}
	}
	return agreement.Recording{}, fmt.Errorf("recording %s of %s: %w", recordingID, agreementID, agreement.ErrNotFound)
}
