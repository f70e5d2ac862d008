package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/sealing"
)

// apiError is the one error shape every endpoint returns:
// {"error":{"code":...,"message":...,"fields":[...]}}.
type apiError struct {
	Status  int          `json:"-"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []fieldError `json:"fields,omitempty"`
	State   string       `json:"state,omitempty"` // current state, on lifecycle conflicts
}

// fieldError names one invalid input field in plain words, with the rule it broke (the
// validator's tag, such as "required", "max" or "iana_tz", and its parameter) so that a
// client can say it in the user's language beside the field.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Rule    string `json:"rule,omitempty"`
	Param   string `json:"param,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

// errorFor maps any error to the API error it should be shown as. Domain errors map by kind;
// anything unknown is an internal error whose details stay in the log.
func errorFor(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var te *agreement.TransitionError
	var se *sealing.StateError
	switch {
	case errors.As(err, &se):
		return &apiError{Status: http.StatusConflict, Code: "wrong_state", State: string(se.State), Message: err.Error()}
	case errors.Is(err, sealing.ErrUnavailable):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "sealing_unavailable", Message: err.Error()}
	case errors.Is(err, sealing.ErrRecordingsPending):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "recordings_pending", Message: sealing.ErrRecordingsPending.Error()}
	case errors.Is(err, sealing.ErrSignaturesMissing):
		return &apiError{Status: http.StatusConflict, Code: "signatures_missing", Message: err.Error()}
	case errors.Is(err, archive.ErrRetained):
		return &apiError{Status: http.StatusConflict, Code: "retained", Message: err.Error()}
	case errors.As(err, &te):
		return &apiError{Status: http.StatusConflict, Code: "illegal_transition", Message: err.Error(), State: string(te.From)}
	case errors.Is(err, agreement.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	case errors.Is(err, agreement.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	case errors.Is(err, agreement.ErrInvalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: err.Error()}
	case errors.Is(err, agreement.ErrForbidden):
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: err.Error()}
	case errors.Is(err, agreement.ErrUnauthorized):
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: err.Error()}
	case errors.Is(err, agreement.ErrTooLarge):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: err.Error()}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
}

// fail writes err as the API error body, logging internal errors (never their inputs).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ae := errorFor(err)
	if ae.Status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, ae)
}

func writeError(w http.ResponseWriter, ae *apiError) {
	if ae.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="signroom"`)
	}
	writeJSON(w, ae.Status, struct {
		Error *apiError `json:"error"`
	}{ae})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
