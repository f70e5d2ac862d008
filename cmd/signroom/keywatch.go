package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/signroom/signroom/internal/periodic"
)

// keyWatchInterval is how often serve looks at DATA-DIR/keys for a rotation or retirement
// done by `signroom keys`; the change is in force within this time.
const keyWatchInterval = 2 * time.Second

// watchKeys reloads the token-signing keys whenever DATA-DIR/keys changes, until ctx ends:
// a rotated key signs at once, a retired key stops verifying and leaves the JWKS. Keys from
// $SIGNROOM_TOKEN_KEYS are not watched (restart to change them).
func (m *Main) watchKeys(ctx context.Context) {
	if m.Config.TokenKeysPEM != "" {
		return
	}
	dir := filepath.Join(m.Config.DataDir, "keys")
	last := keysFingerprint(dir)
	periodic.Run(ctx, keyWatchInterval, false, func(context.Context) {
		fp := keysFingerprint(dir)
		if fp == last {
			return
		}
		if err := m.Keys.Reload(m.Config.DataDir); err != nil {
			m.Logger.Error("reload token keys; the keys in use are kept", "err", err)
			return // try again at the next change
		}
		last = fp
		m.Logger.Info("token keys reloaded", "active", m.Keys.ActiveKID(), "keys", m.Keys.KIDs())
	})
}

// keysFingerprint summarises the names, sizes and times of the files in dir.
func keysFingerprint(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "error: " + err.Error()
	}
	var lines []string
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			lines = append(lines, fmt.Sprintf("%s %d %d", e.Name(), info.Size(), info.ModTime().UnixNano()))
		}
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return string(sum[:])
}
