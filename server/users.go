package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
)

type userView struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Roles       []string  `json:"roles"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func userViewOf(u agreement.User) userView {
	return userView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: nonNilStrings(u.Roles),
		Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type createUserRequest struct {
	Username    string   `json:"username" validate:"required,username"`
	DisplayName string   `json:"display_name" validate:"max=200"`
	Password    string   `json:"password" validate:"required,min=12,max=1024"`
	Roles       []string `json:"roles" validate:"required,min=1,max=4,unique,dive,staff_role"`
}

type updateUserRequest struct {
	DisplayName *string  `json:"display_name" validate:"omitempty,max=200"`
	Roles       []string `json:"roles" validate:"omitempty,min=1,max=4,unique,dive,staff_role"`
	Disabled    *bool    `json:"disabled"`
	Password    *string  `json:"password" validate:"omitempty,min=12,max=1024"`
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	users, err := s.cfg.Store.ListUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]userView, 0, len(users))
	for _, u := range users {
		out = append(out, userViewOf(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	hash, err := s.hashPassword(r.Context(), req.Username, req.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.cfg.Store.CreateUser(r.Context(), agreement.User{Username: req.Username,
		DisplayName: req.DisplayName, Roles: req.Roles, PasswordHash: hash})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("user created", "user", u.ID, "by", callerFrom(r.Context()).actor())
	writeJSON(w, http.StatusCreated, userViewOf(u))
}

// hashPassword checks pw against the password rule (auth.CheckPasswordPolicy) for the
// account username and hashes it.
func (s *Server) hashPassword(ctx context.Context, username, pw string) (string, error) {
	var hash string
	err := auth.CheckPasswordPolicy(username, pw)
	if err == nil {
		hash, err = s.hashChecked(ctx, pw)
	}
	var busy *apiError
	if errors.As(err, &busy) {
		return "", err
	}
	if err != nil {
		msg := "password " + err.Error()
		return "", &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: msg,
			Fields: []fieldError{{Field: "password", Message: msg}}}
	}
	return hash, nil
}

// hashChecked hashes a password that passed the rule, within the password gate.
func (s *Server) hashChecked(ctx context.Context, pw string) (string, error) {
	var hash string
	var err error
	if gateErr := s.passwords.do(ctx, func() error {
		hash, err = auth.HashPasswordWith(pw, *s.cfg.PasswordParams)
		return nil
	}); gateErr != nil {
		return "", gateErr
	}
	return hash, err
}

// handleUpdateUser changes an account's display name, roles, password or disabled flag.
// An admin cannot disable their own account or drop their own admin role.
func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) {
	var req updateUserRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	var hash string
	if req.Password != nil {
		target, err := s.cfg.Store.UserByID(r.Context(), r.PathValue("id"))
		if err == nil {
			hash, err = s.hashPassword(r.Context(), target.Username, *req.Password)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	self := callerFrom(r.Context()).user.ID == r.PathValue("id")
	u, err := s.cfg.Store.UpdateUser(r.Context(), r.PathValue("id"), func(u *agreement.User) error {
		applyUserUpdate(u, req, hash)
		if self && (u.Disabled || !u.HasRole(auth.RoleAdmin)) {
			return &apiError{Status: http.StatusConflict, Code: "conflict", Message: "you cannot disable yourself or drop your own admin role"}
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userViewOf(u))
}

func applyUserUpdate(u *agreement.User, req updateUserRequest, hash string) {
	if req.DisplayName != nil {
		u.DisplayName = *req.DisplayName
	}
	if req.Roles != nil {
		u.Roles = req.Roles
	}
	if req.Disabled != nil {
		u.Disabled = *req.Disabled
	}
	if hash != "" {
		u.PasswordHash = hash
	}
}
