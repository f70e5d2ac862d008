package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
)

type loginRequest struct {
	Username string `json:"username" validate:"required,max=100"`
	Password string `json:"password" validate:"required,max=1024"`
}

type loginResponse struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresAt   time.Time `json:"expires_at"`
	Roles       []string  `json:"roles"`
}

// errBadLogin is the one answer for an unknown user, a wrong password and a disabled account.
var errBadLogin = &apiError{Status: http.StatusUnauthorized, Code: "bad_credentials", Message: "the username or password is wrong, or the account is disabled"}

// handleLogin checks a username and password and returns a staff access token. Failures
// count against the account and the client address; over the limit it answers 429.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	addr := s.clientAddr(r)
	account := strings.ToLower(req.Username) // usernames match case-insensitively; so do their limits
	if ok, wait := s.cfg.Limiter.Allow(account, addr); !ok {
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		s.fail(w, r, &apiError{Status: http.StatusTooManyRequests, Code: "too_many_attempts",
			Message: "too many failed logins; try again later"})
		return
	}
	u, err := s.checkLogin(r, req)
	if err != nil {
		if errors.Is(err, errBadLogin) {
			s.cfg.Limiter.Failure(account, addr)
			s.log.Info("login refused", "remote", addr)
		}
		s.fail(w, r, err)
		return
	}
	s.cfg.Limiter.Success(account, addr)
	tok, claims, err := s.cfg.Issuer.IssueStaff(u.ID, u.Roles, s.cfg.StaffTokenTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{AccessToken: tok, TokenType: "Bearer",
		ExpiresAt: claims.ExpiresAt.Time.UTC(), Roles: nonNilStrings(u.Roles)})
}

// checkLogin finds the account and checks its password, spending the same time on an unknown
// account (a check against a dummy hash) as on a known one.
func (s *Server) checkLogin(r *http.Request, req loginRequest) (agreement.User, error) {
	u, err := s.cfg.Store.UserByUsername(r.Context(), req.Username)
	if errors.Is(err, agreement.ErrNotFound) {
		err = s.passwords.do(r.Context(), func() error {
			_, _ = auth.CheckPassword(s.dummyHash, req.Password)
			return errBadLogin
		})
		return u, err
	}
	if err != nil {
		return u, err
	}
	var ok bool
	err = s.passwords.do(r.Context(), func() (err error) {
		ok, err = auth.CheckPassword(u.PasswordHash, req.Password)
		return err
	})
	if err != nil {
		return u, err
	}
	if !ok || u.Disabled {
		return u, errBadLogin
	}
	return u, nil
}

// handleLogout revokes the caller's access token.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context())
	if err := s.cfg.Store.RevokeToken(r.Context(), c.claims.ID, c.claims.ExpiresAt.Time); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleMe describes the caller's own account.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, userViewOf(*callerFrom(r.Context()).user))
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.cfg.Keys.JWKS())
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
