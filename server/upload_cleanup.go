package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/docpages"
)

// SweepUploads removes what a crash can leave of uploads: temporary files of PDF checks and
// verifications in the temporary directory, and uploaded documents in the working store
// that no agreement references (stored, then the process died before the agreement recorded
// them), with their page images. Call it at start, before serving: the temporary directory
// is the server's own.
func (s *Server) SweepUploads(ctx context.Context) (int, error) {
	n := 0
	for _, pattern := range []string{"signroom-pdf-*", "signroom-verify-*"} {
		files, _ := filepath.Glob(filepath.Join(s.cfg.TempDir, pattern))
		for _, f := range files {
			if os.Remove(f) == nil {
				n++
			}
		}
	}
	objs, err := s.cfg.Blobs.List(ctx, "agreements/")
	if err != nil {
		return n, fmt.Errorf("sweep uploads: %w", err)
	}
	refs := map[string]map[string]bool{} // agreement -> referenced document keys
	for _, o := range objs {
		parts := strings.SplitN(o.Key, "/", 4)
		if len(parts) < 4 || parts[2] != "documents" {
			continue
		}
		keys, ok := refs[parts[1]]
		if !ok {
			if keys, err = s.documentKeys(ctx, parts[1]); err != nil {
				return n, err
			}
			refs[parts[1]] = keys
		}
		if keys[o.Key] || keys[pagesPrefixOf(o.Key)] {
			continue
		}
		if err := s.cfg.Blobs.Delete(ctx, o.Key); err != nil {
			return n, fmt.Errorf("sweep uploads: %w", err)
		}
		s.log.Info("removed unreferenced upload", "key", o.Key)
		n++
	}
	return n, nil
}

// documentKeys returns the object keys of an agreement's documents (none if it is unknown).
func (s *Server) documentKeys(ctx context.Context, id string) (map[string]bool, error) {
	keys := map[string]bool{}
	a, err := s.cfg.Store.Agreement(ctx, id)
	if errors.Is(err, agreement.ErrNotFound) {
		return keys, nil
	}
	if err != nil {
		return nil, err
	}
	for _, d := range a.Documents {
		keys[d.ObjectKey] = true
		keys[docpages.Prefix(a.ID, d.ID)] = true
	}
	return keys, nil
}

// pagesPrefixOf is the docpages prefix of a page object's key
// (agreements/{id}/documents/{doc}/...), or "" for any other key.
func pagesPrefixOf(key string) string {
	parts := strings.SplitN(key, "/", 5)
	if len(parts) < 5 || parts[2] != "documents" {
		return ""
	}
	return strings.Join(parts[:4], "/") + "/"
}
