package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
)

// caller is who is making a request: a staff user or an invitation holder.
type caller struct {
	user   *agreement.User   // staff: the account as stored now (roles, disabled)
	claims *auth.StaffClaims // staff: the access token's claims
	join   *auth.JoinClaims  // invitation holder: the invitation token's claims
	agr    *agreement.Agreement
}

// actor names the caller in audit events.
func (c *caller) actor() string {
	switch {
	case c == nil:
		return "system"
	case c.user != nil:
		return "user:" + c.user.ID
	case c.join != nil:
		return "participant:" + c.join.Participant
	}
	return "anonymous"
}

type callerKey struct{}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	return c
}

// guard checks the caller's token and rights for a route before calling h.
func (s *Server) guard(a access, h http.HandlerFunc) http.Handler {
	if a == public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r, a == joiners)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.authorize(r, a, c); err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

func unauthorized(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: msg}
}

func forbidden(msg string) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: msg}
}

func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", unauthorized("a bearer token is required")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", unauthorized("the Authorization header must be \"Bearer <token>\"")
	}
	return strings.TrimSpace(tok), nil
}

// authenticate verifies the bearer token as a staff token, or as an invitation when join.
func (s *Server) authenticate(r *http.Request, join bool) (*caller, error) {
	tok, err := bearer(r)
	if err != nil {
		return nil, err
	}
	if join {
		return s.authenticateJoin(r.Context(), tok)
	}
	claims, err := s.cfg.Verifier.VerifyStaff(r.Context(), tok)
	if err != nil {
		return nil, tokenError(err)
	}
	u, err := s.cfg.Store.UserByID(r.Context(), claims.Subject)
	if errors.Is(err, agreement.ErrNotFound) {
		return nil, unauthorized("the token's account does not exist")
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, unauthorized("the account is disabled")
	}
	return &caller{user: &u, claims: &claims}, nil
}

// authenticateJoin verifies an invitation token and checks that the store knows it: a token
// whose invitation was never recorded is refused even if its signature verifies.
func (s *Server) authenticateJoin(ctx context.Context, tok string) (*caller, error) {
	claims, err := s.cfg.Verifier.VerifyJoin(ctx, tok)
	if errors.Is(err, auth.ErrTokenRevoked) {
		inv, ierr := s.cfg.Store.Invitation(ctx, claims.ID)
		if ierr != nil {
			return nil, joinTokenError(err)
		}
		return nil, s.invitationRefused(ctx, inv, true, err)
	}
	if err != nil {
		return nil, joinTokenError(err)
	}
	inv, err := s.cfg.Store.Invitation(ctx, claims.ID)
	found := !errors.Is(err, agreement.ErrNotFound)
	if err != nil && found {
		return nil, err
	}
	if err := agreement.InvitationAccepts(inv, found, claims.Agreement, claims.Participant); err != nil {
		return nil, s.invitationRefused(ctx, inv, found, err)
	}
	return &caller{join: &claims}, nil
}

// joinTokenError is tokenError for invitation links, with the two cases a person can act on
// named: an expired link (ask the organizer for a new one) and a damaged one (copy it whole).
func joinTokenError(err error) error {
	switch {
	case errors.Is(err, auth.ErrTokenExpired):
		return &apiError{Status: http.StatusUnauthorized, Code: "invitation_expired", Message: "the invitation has expired; ask the organizer for a new one"}
	case errors.Is(err, auth.ErrTokenMalformed), errors.Is(err, auth.ErrTokenSignature), errors.Is(err, auth.ErrTokenClaimMissing):
		return &apiError{Status: http.StatusUnauthorized, Code: "invitation_damaged", Message: "the invitation link is incomplete or altered; open the whole link from the invitation"}
	}
	return tokenError(err)
}

// invitationRefused says why a verified invitation token is no longer accepted: the
// ceremony was sealed or cancelled, a newer invitation replaced it, or the organizer revoked
// it; each has its own code so the page can say what to do.
func (s *Server) invitationRefused(ctx context.Context, inv agreement.Invitation, found bool, cause error) error {
	if !found || inv.RevokedAt.IsZero() {
		if errors.Is(cause, auth.ErrTokenInvalid) {
			return tokenError(cause)
		}
		return unauthorized(strings.TrimSuffix(cause.Error(), ": "+agreement.ErrUnauthorized.Error()))
	}
	refuse := func(code, msg string) error {
		return &apiError{Status: http.StatusUnauthorized, Code: code, Message: msg}
	}
	if a, err := s.cfg.Store.Agreement(ctx, inv.AgreementID); err == nil {
		switch a.State {
		case agreement.StateSealed:
			return refuse("invitation_sealed", "the ceremony has ended and its record is sealed; the organizer can send you a copy")
		case agreement.StateCancelled:
			return refuse("invitation_cancelled", "the ceremony was cancelled")
		}
	}
	if invs, err := s.cfg.Store.Invitations(ctx, inv.AgreementID); err == nil {
		for _, other := range invs {
			if other.ParticipantID == inv.ParticipantID && other.JTI != inv.JTI && other.RevokedAt.IsZero() {
				return refuse("invitation_reissued", "a newer invitation replaced this one; use the newest link you were sent")
			}
		}
	}
	return refuse("invitation_revoked", "the organizer revoked this invitation")
}

// tokenError turns a verification failure into a 401 with auth.Reason; a failing
// revocation store is an internal error.
func tokenError(err error) error {
	if errors.Is(err, auth.ErrTokenInvalid) {
		return &apiError{Status: http.StatusUnauthorized, Code: "invalid_token", Message: auth.Reason(err)}
	}
	return err
}

// authorize checks the caller's rights for a route, loading the agreement {id} where the
// route names one.
func (s *Server) authorize(r *http.Request, a access, c *caller) error {
	switch a {
	case anyStaff, joiners:
		return nil
	case admins:
		return needRole(c, auth.RoleAdmin)
	case creators:
		return needRole(c, auth.RoleOrganizer)
	case verifiers:
		return needRole(c, auth.RoleLegal)
	case listers:
		return needRole(c, auth.RoleOrganizer, auth.RoleLegal, auth.RoleArchivist)
	case searchers:
		return needRole(c, auth.RoleLegal, auth.RoleArchivist, auth.RoleAdmin)
	case keepers:
		return needRole(c, auth.RoleArchivist, auth.RoleAdmin)
	case readers, managers, recordReaders:
		return s.authorizeAgreement(r, a, c)
	}
	return forbidden("no access")
}

func needRole(c *caller, roles ...string) error {
	for _, role := range roles {
		if c.user.HasRole(role) {
			return nil
		}
	}
	return forbidden("this needs the role " + strings.Join(roles, " or "))
}

func (s *Server) authorizeAgreement(r *http.Request, a access, c *caller) error {
	roles := []string{auth.RoleOrganizer}
	switch a {
	case readers:
		roles = append(roles, auth.RoleLegal, auth.RoleArchivist)
	case recordReaders:
		roles = append(roles, auth.RoleLegal, auth.RoleArchivist, auth.RoleAdmin)
	}
	if err := needRole(c, roles...); err != nil {
		return err
	}
	agr, err := s.cfg.Store.Agreement(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !canAccess(c.user, agr, a == managers) && !(a == recordReaders && canReadRecord(c.user, agr)) {
		return forbidden("you may not access this agreement")
	}
	c.agr = agr
	return nil
}

// canReadRecord: administrators read sealed records (the archive), as archivists do.
func canReadRecord(u *agreement.User, a *agreement.Agreement) bool {
	return u.HasRole(auth.RoleAdmin) && a.State == agreement.StateSealed
}

// canAccess is the agreement access policy: organizers manage and read their own agreements,
// legal staff read every agreement, archivists read sealed ones.
func canAccess(u *agreement.User, a *agreement.Agreement, manage bool) bool {
	owner := u.HasRole(auth.RoleOrganizer) && a.Owner == u.ID
	if manage {
		return owner
	}
	return owner || u.HasRole(auth.RoleLegal) ||
		(u.HasRole(auth.RoleArchivist) && a.State == agreement.StateSealed)
}
