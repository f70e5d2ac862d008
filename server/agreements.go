package server

import (
	"net/http"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
)

// Retention bounds, in days.
const (
	DefaultRetentionDays = agreement.DefaultRetentionDays
	MinRetentionDays     = 365
	MaxRetentionDays     = 36500
)

type agreementRequest struct {
	Title         map[string]string `json:"title" validate:"required,min=1,max=20,dive,keys,bcp47_language_tag,endkeys,required,max=300"`
	Description   map[string]string `json:"description" validate:"multiline,max=20,dive,keys,bcp47_language_tag,endkeys,required,max=5000"`
	SigningOrder  string            `json:"signing_order" validate:"omitempty,oneof=parallel sequential"`
	RetentionDays int               `json:"retention_days" validate:"omitempty,min=365,max=36500"`
	ScheduledAt   *time.Time        `json:"scheduled_at"`
}

type agreementPatch struct {
	Title         map[string]string `json:"title" validate:"omitempty,min=1,max=20,dive,keys,bcp47_language_tag,endkeys,required,max=300"`
	Description   map[string]string `json:"description" validate:"omitempty,multiline,max=20,dive,keys,bcp47_language_tag,endkeys,required,max=5000"`
	SigningOrder  *string           `json:"signing_order" validate:"omitempty,oneof=parallel sequential"`
	RetentionDays *int              `json:"retention_days" validate:"omitempty,min=365,max=36500"`
	ScheduledAt   *time.Time        `json:"scheduled_at"`
}

func (s *Server) handleCreateAgreement(w http.ResponseWriter, r *http.Request) {
	var req agreementRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.checkSchedule(req.ScheduledAt); err != nil {
		s.fail(w, r, err)
		return
	}
	c := callerFrom(r.Context())
	a := &agreement.Agreement{ID: newID(), Owner: c.user.ID, Title: req.Title, Description: req.Description,
		State: agreement.StateDraft, SigningOrder: agreement.SigningOrder(req.SigningOrder), RetentionDays: req.RetentionDays}
	if a.SigningOrder == "" {
		a.SigningOrder = agreement.OrderParallel
	}
	if a.RetentionDays == 0 {
		a.RetentionDays = DefaultRetentionDays
	}
	if req.ScheduledAt != nil {
		a.ScheduledAt = req.ScheduledAt.UTC()
	}
	ev := agreement.AuditEntry{Type: "agreement.created", Actor: c.actor(), Data: map[string]any{"title": a.Title}}
	if err := s.cfg.Store.CreateAgreement(r.Context(), a, []agreement.AuditEntry{ev}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/agreements/"+a.ID)
	writeJSON(w, http.StatusCreated, agreementViewOf(a))
}

func (s *Server) handleGetAgreement(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, agreementViewOf(callerFrom(r.Context()).agr))
}

// handleListAgreements lists what the caller may read: their own agreements for an
// organizer, all for legal staff, sealed ones for archivists.
func (s *Server) handleListAgreements(w http.ResponseWriter, r *http.Request) {
	u := callerFrom(r.Context()).user
	var f agreement.ListFilter
	switch {
	case u.HasRole(auth.RoleLegal):
	case u.HasRole(auth.RoleOrganizer) && u.HasRole(auth.RoleArchivist):
		f.Owner = "" // filtered below: own ones and sealed ones
	case u.HasRole(auth.RoleOrganizer):
		f.Owner = u.ID
	default:
		f.States = []agreement.State{agreement.StateSealed}
	}
	all, err := s.cfg.Store.ListAgreements(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []agreementSummary{}
	for _, a := range all {
		if canAccess(u, a, false) {
			out = append(out, summaryOf(a))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreements": out})
}

// handleUpdateAgreement changes a draft's title, description, signing order, retention or
// planned time.
func (s *Server) handleUpdateAgreement(w http.ResponseWriter, r *http.Request) {
	var req agreementPatch
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.checkSchedule(req.ScheduledAt); err != nil {
		s.fail(w, r, err)
		return
	}
	s.editDraft(w, r, http.StatusOK, func(ed *agreement.Edit) (any, error) {
		a := ed.Agreement
		applyAgreementPatch(a, req)
		ed.Record("agreement.updated", callerFrom(r.Context()).actor(), req)
		return nil, nil
	})
}

// MaxScheduleAhead is how far ahead a ceremony may be planned; invitations stay valid until
// two days after the planned time, so this also caps how long an invitation can live.
const MaxScheduleAhead = 2 * 365 * 24 * time.Hour

// checkSchedule refuses a planned time more than MaxScheduleAhead from now.
func (s *Server) checkSchedule(t *time.Time) error {
	if t != nil && t.After(s.cfg.Now().Add(MaxScheduleAhead)) {
		return invalidField("scheduled_at", "scheduled_at must be within two years from now")
	}
	return nil
}

func applyAgreementPatch(a *agreement.Agreement, p agreementPatch) {
	if p.Title != nil {
		a.Title = p.Title
	}
	if p.Description != nil {
		a.Description = p.Description
	}
	if p.SigningOrder != nil {
		a.SigningOrder = agreement.SigningOrder(*p.SigningOrder)
	}
	if p.RetentionDays != nil {
		a.RetentionDays = *p.RetentionDays
	}
	if p.ScheduledAt != nil {
		a.ScheduledAt = p.ScheduledAt.UTC()
	}
}

// editDraft applies fn to the agreement {id} while it is a draft and answers with what fn
// returns, or the whole agreement when fn returns nil. It reports whether the change was
// saved.
func (s *Server) editDraft(w http.ResponseWriter, r *http.Request, status int, fn func(*agreement.Edit) (any, error)) bool {
	var out any
	a, err := s.cfg.Store.UpdateAgreement(r.Context(), r.PathValue("id"), func(ed *agreement.Edit) error {
		if !ed.Agreement.Editable() {
			return notDraft(ed.Agreement)
		}
		var err error
		out, err = fn(ed)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return false
	}
	if out == nil {
		out = agreementViewOf(a)
	}
	writeJSON(w, status, out)
	return true
}

func notDraft(a *agreement.Agreement) error {
	return &apiError{Status: http.StatusConflict, Code: "not_editable",
		Message: "agreement is " + string(a.State) + "; only drafts can change", State: string(a.State)}
}
