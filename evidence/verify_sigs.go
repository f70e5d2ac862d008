package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/signroom/signroom/signatures"
)

// signatures checks every signature in the manifest and its binding, and
// that every signatory signed exactly once.
func (v *bundleVerifier) signatures(m Manifest, chain map[string]bool) {
	seen := map[string]bool{}
	for _, s := range m.Signatures {
		st, err := v.signature(s)
		v.rep.result(CheckSignature+": "+s.ParticipantID, err, "ES256, key thumbprint "+s.Thumbprint)
		if err == nil && seen[s.ParticipantID] {
			err = errors.New("participant signed more than once")
		}
		if err == nil {
			err = bindStatement(m, s, st, chain)
		}
		if err == nil {
			err = v.signatureFiles(s, st)
		}
		seen[s.ParticipantID] = true
		v.rep.result(CheckBinding+": "+s.ParticipantID, err, "statement matches agreement, participant, documents and audit chain")
	}
	var unsigned []string
	for _, p := range m.Participants {
		if p.Role == RoleSignatory && !seen[p.ID] {
			unsigned = append(unsigned, "signatory "+p.ID+" has no signature")
		}
	}
	v.rep.result("signatories complete", joinErr(unsigned), fmt.Sprintf("%d signatures", len(m.Signatures)))
}

// signature verifies the JWS with the JWK in the manifest and checks the
// copies in data/signatures/.
func (v *bundleVerifier) signature(s Signature) (signatures.Statement, error) {
	if err := s.JWK.Validate(); err != nil {
		return signatures.Statement{}, err
	}
	if s.JWK.Thumbprint() != s.Thumbprint {
		return signatures.Statement{}, fmt.Errorf("thumbprint %s, JWK's is %s", s.Thumbprint, s.JWK.Thumbprint())
	}
	st, err := signatures.Verify(s.JWS, s.JWK)
	if err != nil {
		return signatures.Statement{}, err
	}
	jws, err := v.src.read(signatureJWSPath(s.ParticipantID))
	if err != nil {
		return st, err
	}
	if string(jws) != s.JWS {
		return st, fmt.Errorf("%s differs from the manifest's JWS", signatureJWSPath(s.ParticipantID))
	}
	raw, err := v.src.read(signatureJWKPath(s.ParticipantID))
	if err != nil {
		return st, err
	}
	if !bytes.Equal(raw, jwkFile(s.JWK)) {
		return st, fmt.Errorf("%s differs from the manifest's JWK", signatureJWKPath(s.ParticipantID))
	}
	return st, nil
}

// bindStatement checks the signed statement against the manifest.
func bindStatement(m Manifest, s Signature, st signatures.Statement, chain map[string]bool) error {
	p := findParticipant(m, s.ParticipantID)
	switch {
	case st.ParticipantID != s.ParticipantID:
		return fmt.Errorf("statement is by participant %q, filed under %q", st.ParticipantID, s.ParticipantID)
	case p == nil:
		return fmt.Errorf("participant %q is not in the manifest", s.ParticipantID)
	case st.AgreementID != m.Agreement.ID:
		return fmt.Errorf("statement is for agreement %q, not %q", st.AgreementID, m.Agreement.ID)
	case st.PartyID != p.PartyID:
		return fmt.Errorf("statement party %q, participant's party %q", st.PartyID, p.PartyID)
	case st.SignerName != p.Name:
		return fmt.Errorf("statement signer %q, participant %q", st.SignerName, p.Name)
	case st.SignerTitle != p.Title:
		return fmt.Errorf("statement signer title %q, participant's title %q", st.SignerTitle, p.Title)
	case !maps.Equal(st.PartyNames, signatures.PartyNamesFor(manifestPartyNames(m, p.PartyID), m.Agreement.Languages)):
		return fmt.Errorf("statement party names %v, the manifest's party %q in the agreement's languages %v",
			st.PartyNames, p.PartyID, signatures.PartyNamesFor(manifestPartyNames(m, p.PartyID), m.Agreement.Languages))
	case !st.SignedAt().Equal(s.SignedAt):
		return fmt.Errorf("statement iat %s, manifest signed_at %s", st.SignedAt(), s.SignedAt)
	case s.SignedAt.After(m.SealedAt):
		return fmt.Errorf("signed at %s, after sealing at %s", s.SignedAt, m.SealedAt)
	case chain == nil:
		return errors.New("audit chain did not verify, chain head cannot be checked")
	case !chain[st.ChainHead]:
		return fmt.Errorf("chain head %s is not an event of the audit chain", st.ChainHead)
	}
	return bindDocuments(m.Documents, st.Documents)
}

func bindDocuments(docs []Document, signed []signatures.Document) error {
	if len(signed) != len(docs) {
		return fmt.Errorf("statement covers %d documents, manifest has %d", len(signed), len(docs))
	}
	for _, d := range docs {
		i := slices.IndexFunc(signed, func(sd signatures.Document) bool { return sd.ID == d.ID })
		if i < 0 {
			return fmt.Errorf("document %s not in the statement", d.ID)
		}
		sd := signed[i]
		if sd.SHA256 != d.SHA256 || sd.Language != d.Language || sd.Pages != d.Pages || sd.Filename != d.Filename {
			return fmt.Errorf("document %s: statement has sha256 %s, manifest %s", d.ID, sd.SHA256, d.SHA256)
		}
	}
	return nil
}

// signatureFiles checks still and drawing hashes: statement, manifest, file.
func (v *bundleVerifier) signatureFiles(s Signature, st signatures.Statement) error {
	for _, f := range []struct {
		what   string
		signed string
		ref    *FileRef
	}{{"still", st.StillSHA256, s.Still}, {"drawing", st.DrawingSHA256, s.Drawing}} {
		switch {
		case f.signed == "" && f.ref == nil:
		case f.ref == nil || f.signed != f.ref.SHA256:
			return fmt.Errorf("%s: signed sha256 %q does not match the manifest", f.what, f.signed)
		default:
			if err := v.fileMatches(*f.ref); err != nil {
				return fmt.Errorf("%s: %w", f.what, err)
			}
		}
	}
	return nil
}

func findParticipant(m Manifest, id string) *Participant {
	for i := range m.Participants {
		if m.Participants[i].ID == id {
			return &m.Participants[i]
		}
	}
	return nil
}

// manifestPartyNames returns the manifest's names of party id, nil if it has none.
func manifestPartyNames(m Manifest, id string) map[string]string {
	if i := slices.IndexFunc(m.Parties, func(p Party) bool { return p.ID == id }); i >= 0 {
		return m.Parties[i].Names
	}
	return nil
}
