package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/storage/blob"
)

// LegalHold is a legal hold placed on a record: while it stands, none of the record's archived
// objects can be deleted or overwritten, whatever their retention date.
type LegalHold struct {
	AgreementID string
	PlacedAt    time.Time
	PlacedBy    string // the staff user's id
	Reason      string
}

// ErrRetained is wrapped by Dispose's refusal of a record whose objects are still retained
// or held; the message says which and until when.
var ErrRetained = errors.New("the record is retained")

// HoldStore keeps legal holds; storage/sqlite.DB implements it. PlaceHold gives
// agreement.ErrConflict on a record already held, LiftHold and Hold agreement.ErrNotFound on
// one that is not.
type HoldStore interface {
	Agreement(ctx context.Context, id string) (*agreement.Agreement, error)
	PlaceHold(ctx context.Context, h LegalHold, ev agreement.AuditEntry) error
	LiftHold(ctx context.Context, agreementID string, ev agreement.AuditEntry) error
	Hold(ctx context.Context, agreementID string) (LegalHold, error)
}

// Holds places and lifts legal holds on the objects of sealed records in the archive store.
type Holds struct {
	Store   HoldStore
	Archive blob.Store // must be a blob.LegalHolder
	Now     func() time.Time
}

// RecordPrefix is the archive key prefix of every object of a record.
func RecordPrefix(agreementID string) string { return "agreements/" + agreementID + "/" }

// Place puts a legal hold on every archived object of the sealed record agreementID, then
// records the hold and the audit event "legal_hold.placed". A record not sealed gives
// agreement.ErrConflict, one already held agreement.ErrConflict.
func (h *Holds) Place(ctx context.Context, agreementID, userID, reason string) (LegalHold, error) {
	keys, err := h.recordObjects(ctx, agreementID)
	if err != nil {
		return LegalHold{}, err
	}
	if err := h.setAll(ctx, keys, true); err != nil {
		return LegalHold{}, err
	}
	lh := LegalHold{AgreementID: agreementID, PlacedAt: h.Now().UTC(), PlacedBy: userID, Reason: reason}
	ev := agreement.AuditEntry{Type: "legal_hold.placed", Actor: "user:" + userID,
		Data: map[string]any{"reason": reason, "objects": len(keys)}}
	if err := h.Store.PlaceHold(ctx, lh, ev); err != nil {
		return LegalHold{}, err
	}
	return lh, nil
}

// Lift removes the legal hold from every archived object of the record, then its record,
// with the audit event "legal_hold.lifted". A record not held gives agreement.ErrNotFound.
func (h *Holds) Lift(ctx context.Context, agreementID, userID, reason string) error {
	if _, err := h.Store.Hold(ctx, agreementID); err != nil {
		return err
	}
	keys, err := h.recordObjects(ctx, agreementID)
	if err != nil {
		return err
	}
	if err := h.setAll(ctx, keys, false); err != nil {
		return err
	}
	ev := agreement.AuditEntry{Type: "legal_hold.lifted", Actor: "user:" + userID,
		Data: map[string]any{"reason": reason, "objects": len(keys)}}
	return h.Store.LiftHold(ctx, agreementID, ev)
}

// recordObjects lists the archived objects of a sealed record.
func (h *Holds) recordObjects(ctx context.Context, agreementID string) ([]string, error) {
	a, err := h.Store.Agreement(ctx, agreementID)
	if err != nil {
		return nil, err
	}
	if a.State != agreement.StateSealed {
		return nil, fmt.Errorf("record %s is not sealed (%s): %w", agreementID, a.State, agreement.ErrConflict)
	}
	objs, err := h.Archive.List(ctx, RecordPrefix(agreementID))
	if err != nil {
		return nil, fmt.Errorf("list archived objects of %s: %w", agreementID, err)
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return keys, nil
}

func (h *Holds) setAll(ctx context.Context, keys []string, on bool) error {
	holder, ok := h.Archive.(blob.LegalHolder)
	if !ok {
		return fmt.Errorf("legal hold: %w", blob.ErrRetentionUnsupported)
	}
	for _, k := range keys {
		if err := holder.SetLegalHold(ctx, k, on); err != nil {
			return err
		}
	}
	return nil
}

// Dispose deletes every archived object of a record, refusing with ErrRetained (saying why)
// when any is under legal hold or its retention has not expired; the store refuses such a
// delete on its own as well. Nothing is deleted when anything is refused beforehand.
func (h *Holds) Dispose(ctx context.Context, agreementID string) error {
	keys, err := h.recordObjects(ctx, agreementID)
	if err != nil {
		return err
	}
	if err := h.checkDisposable(ctx, agreementID, keys); err != nil {
		return err
	}
	for _, k := range keys {
		if err := h.Archive.Delete(ctx, k); err != nil {
			return refusal(agreementID, err)
		}
	}
	return nil
}

func (h *Holds) checkDisposable(ctx context.Context, agreementID string, keys []string) error {
	if lh, err := h.Store.Hold(ctx, agreementID); err == nil {
		return fmt.Errorf("%w: under legal hold since %s", ErrRetained, lh.PlacedAt.Format(time.DateOnly))
	}
	for _, k := range keys {
		info, err := h.Archive.Stat(ctx, k)
		if err != nil {
			return err
		}
		if h.Now().Before(info.RetainUntil) {
			return fmt.Errorf("%w: retained until %s", ErrRetained, info.RetainUntil.Format(time.DateOnly))
		}
	}
	return nil
}

// refusal turns the store's refusal to delete into ErrRetained.
func refusal(agreementID string, err error) error {
	switch {
	case errors.Is(err, blob.ErrHeld):
		return fmt.Errorf("%w: the archive store holds it under legal hold: %w", ErrRetained, err)
	case errors.Is(err, blob.ErrRetained):
		return fmt.Errorf("%w: the archive store refused: %w", ErrRetained, err)
	}
	return fmt.Errorf("dispose of %s: %w", agreementID, err)
}
