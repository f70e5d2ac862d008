package server

import (
	"net/http"

	"github.com/signroom/signroom/evidence"
)

// access says who may call a route.
type access int

const (
	public        access = iota // anyone
	anyStaff                    // any valid staff token
	admins                      // staff with the admin role
	listers                     // organizers, legal staff and archivists (each sees what they may read)
	creators                    // organizers
	readers                     // the agreement {id}: its owner, legal staff, archivists once sealed
	managers                    // the agreement {id}: its owner, while an organizer
	joiners                     // a valid invitation token, for its own agreement only
	verifiers                   // legal staff
	searchers                   // legal staff, archivists and administrators (the archive)
	keepers                     // archivists and administrators (legal holds, disposal)
	recordReaders               // the agreement {id}: its readers, and administrators once sealed
)

// route is one entry of the route table that both the mux and the OpenAPI test walk.
type route struct {
	method  string
	path    string
	access  access
	handler http.HandlerFunc
}

func (r route) pattern() string { return r.method + " " + r.path }

// routeTable lists every API route. Mounts from Config are added beside it.
func (s *Server) routeTable() []route {
	return []route{
		{"GET", "/healthz", public, s.handleHealth},
		{"GET", "/readyz", public, s.handleReady},
		{"GET", "/metrics", public, s.handleMetrics},
		{"GET", "/.well-known/jwks.json", public, s.handleJWKS},
		{"GET", evidence.SealListPath, public, s.handleSealCerts},
		{"GET", "/api/openapi.yaml", public, s.handleOpenAPI},
		{"POST", "/api/login", public, s.handleLogin},
		{"POST", "/api/logout", anyStaff, s.handleLogout},
		{"GET", "/api/me", anyStaff, s.handleMe},

		{"GET", "/api/users", admins, s.handleListUsers},
		{"POST", "/api/users", admins, s.handleCreateUser},
		{"PATCH", "/api/users/{id}", admins, s.handleUpdateUser},
		{"GET", "/api/admin/token-keys", admins, s.handleListTokenKeys},
		{"POST", "/api/admin/token-keys/rotate", admins, s.handleRotateTokenKey},

		{"GET", "/api/agreements", listers, s.handleListAgreements},
		{"POST", "/api/agreements", creators, s.handleCreateAgreement},
		{"GET", "/api/agreements/{id}", readers, s.handleGetAgreement},
		{"PATCH", "/api/agreements/{id}", managers, s.handleUpdateAgreement},

		{"POST", "/api/agreements/{id}/parties", managers, s.handleAddParty},
		{"PUT", "/api/agreements/{id}/parties/{partyID}", managers, s.handlePutParty},
		{"DELETE", "/api/agreements/{id}/parties/{partyID}", managers, s.handleDeleteParty},
		{"POST", "/api/agreements/{id}/venues", managers, s.handleAddVenue},
		{"PUT", "/api/agreements/{id}/venues/{venueID}", managers, s.handlePutVenue},
		{"DELETE", "/api/agreements/{id}/venues/{venueID}", managers, s.handleDeleteVenue},
		{"POST", "/api/agreements/{id}/participants", managers, s.handleAddParticipant},
		{"PUT", "/api/agreements/{id}/participants/{participantID}", managers, s.handlePutParticipant},
		{"DELETE", "/api/agreements/{id}/participants/{participantID}", managers, s.handleDeleteParticipant},

		{"POST", "/api/agreements/{id}/documents", managers, s.handleUploadDocument},
		{"GET", "/api/agreements/{id}/documents/{docID}", readers, s.handleDownloadDocument},
		{"DELETE", "/api/agreements/{id}/documents/{docID}", managers, s.handleDeleteDocument},
		{"GET", "/api/agreements/{id}/documents/{docID}/pages", readers, s.pagesRoute(staffAgreement, s.servePageList)},
		{"GET", "/api/agreements/{id}/documents/{docID}/pages/{page}/image", readers, s.pagesRoute(staffAgreement, s.servePageImage)},
		{"GET", "/api/agreements/{id}/documents/{docID}/pages/{page}/thumb", readers, s.pagesRoute(staffAgreement, s.servePageThumb)},
		{"GET", "/api/agreements/{id}/documents/{docID}/pages/{page}/text", readers, s.pagesRoute(staffAgreement, s.servePageText)},

		{"POST", "/api/agreements/{id}/schedule", managers, s.handleSchedule},
		{"POST", "/api/agreements/{id}/start", managers, s.handleStart},
		{"POST", "/api/agreements/{id}/open-signing", managers, s.handleOpenSigning},
		{"POST", "/api/agreements/{id}/cancel", managers, s.handleCancel},

		{"GET", "/api/agreements/{id}/invitations", managers, s.handleListInvitations},
		{"POST", "/api/agreements/{id}/invitations/{participantID}/revoke", managers, s.handleRevokeInvitation},
		{"POST", "/api/agreements/{id}/invitations/{participantID}/reissue", managers, s.handleReissueInvitation},
		{"GET", "/api/agreements/{id}/audit", readers, s.handleAudit},
		{"GET", "/api/agreements/{id}/readiness", readers, s.handleReadiness},
		{"POST", "/api/agreements/{id}/participants/{participantID}/key/reset", managers, s.handleResetKey},
		{"POST", "/api/agreements/{id}/seal", managers, s.handleClose},
		{"POST", "/api/agreements/{id}/close", managers, s.handleClose},
		{"PUT", "/api/agreements/{id}/recording", managers, s.handleSetRecording},
		{"GET", "/api/agreements/{id}/evidence", readers, s.handleEvidenceBundle},
		{"GET", "/api/agreements/{id}/sealed.pdf", readers, s.handleSealedPDF},
		{"GET", "/api/agreements/{id}/evidence/manifest.json.tsr", readers, s.handleManifestTimestamp},
		{"POST", "/api/verify", verifiers, s.handleVerify},
		{"GET", "/api/archive/search", searchers, s.handleSearch},
		{"POST", "/api/agreements/{id}/legal-hold", keepers, s.handlePlaceHold},
		{"POST", "/api/agreements/{id}/legal-hold/lift", keepers, s.handleLiftHold},
		{"DELETE", "/api/agreements/{id}/archive", keepers, s.handleDispose},
		{"GET", "/api/agreements/{id}/fixity", readers, s.handleFixity},
		{"GET", "/api/agreements/{id}/record", recordReaders, s.handleRecord},
		{"POST", "/api/agreements/{id}/recordings/playback", recordReaders, s.handlePlayback},
		{"GET", "/api/agreements/{id}/export", recordReaders, s.handleExport},
		{"GET", "/api/media/{id}/recordings/{recordingID}", public, s.handleMedia},

		{"GET", "/api/join", joiners, s.handleJoin},
		{"GET", "/api/join/documents/{docID}", joiners, s.handleJoinDocument},
		{"GET", "/api/join/documents/{docID}/pages", joiners, s.pagesRoute(s.joinAgreement, s.servePageList)},
		{"GET", "/api/join/documents/{docID}/pages/{page}/image", joiners, s.pagesRoute(s.joinAgreement, s.servePageImage)},
		{"GET", "/api/join/documents/{docID}/pages/{page}/thumb", joiners, s.pagesRoute(s.joinAgreement, s.servePageThumb)},
		{"GET", "/api/join/documents/{docID}/pages/{page}/text", joiners, s.pagesRoute(s.joinAgreement, s.servePageText)},
		{"GET", "/api/join/sealed-pdf", joiners, s.handleJoinSealedPDF},
		{"POST", "/api/join/key", joiners, s.handleRegisterKey},
		{"GET", "/api/join/statement", joiners, s.handleStatement},
		{"POST", "/api/join/nonce", joiners, s.handleNonce},
		{"POST", "/api/join/signature", joiners, s.handleSignature},
		{"POST", "/api/join/start", joiners, s.handleHostStart},
		{"POST", "/api/join/open-signing", joiners, s.handleHostOpenSigning},
		{"POST", "/api/join/close", joiners, s.handleHostClose},
	}
}

func (s *Server) registerRoutes() {
	for _, rt := range s.routeTable() {
		s.mux.Handle(rt.pattern(), s.guard(rt.access, rt.handler))
	}
	for pattern, h := range s.cfg.Mounts {
		s.mux.Handle(pattern, h)
	}
}

// jsonErrors answers requests the mux has no route for (404, 405) with the standard error
// body instead of the mux's plain text.
func (s *Server) jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &headerProbe{header: http.Header{}}
		mux.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		switch probe.status {
		case http.StatusMethodNotAllowed:
			writeError(w, &apiError{Status: probe.status, Code: "method_not_allowed", Message: "method " + r.Method + " is not allowed here"})
		case http.StatusNotFound, 0:
			writeError(w, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such route: " + r.URL.Path})
		default: // redirects for cleaned paths and the like
			for k, v := range probe.header {
				w.Header()[k] = v
			}
			w.WriteHeader(probe.status)
		}
	})
}

// headerProbe records what the mux would answer, discarding the body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }
func (p *headerProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *headerProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
