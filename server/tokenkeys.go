package server

import (
	"net/http"
)

type tokenKeyView struct {
	KID    string `json:"kid"`
	Active bool   `json:"active"` // signs new tokens; the others still verify until retired
}

// handleListTokenKeys lists the token-signing keys (admins).
func (s *Server) handleListTokenKeys(w http.ResponseWriter, r *http.Request) {
	active := s.cfg.Keys.ActiveKID()
	out := []tokenKeyView{}
	for _, kid := range s.cfg.Keys.KIDs() {
		out = append(out, tokenKeyView{KID: kid, Active: kid == active})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out, "rotatable": s.cfg.KeyDir != ""})
}

// handleRotateTokenKey makes a new active token-signing key in KeyDir (admins); tokens signed
// with older keys keep verifying until those are retired (signroom keys retire).
func (s *Server) handleRotateTokenKey(w http.ResponseWriter, r *http.Request) {
	if s.cfg.KeyDir == "" {
		s.fail(w, r, &apiError{Status: http.StatusConflict, Code: "keys_from_environment",
			Message: "the token keys come from $SIGNROOM_TOKEN_KEYS; rotate them there and restart"})
		return
	}
	kid, err := s.cfg.Keys.Rotate(s.cfg.KeyDir)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("token key rotated", "kid", kid, "by", callerFrom(r.Context()).actor())
	writeJSON(w, http.StatusOK, tokenKeyView{KID: kid, Active: true})
}
