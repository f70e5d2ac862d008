package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/storage/sqlite"
)

// runReindex rebuilds the metadata database's sealed records from the archive bucket alone
// (serve's flags and environment name both); records already in the database are kept.
func runReindex(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServeConfig(args, env, stderr)
	if err != nil {
		var ce *configError
		if errors.As(err, &ce) || errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	db, err := sqlite.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	m := &Main{Config: cfg, Logger: newLogger(cfg, stderr), DB: db}
	if err := m.openBlobs(ctx); err != nil {
		return err
	}
	restored, present, err := archive.Reindex(ctx, m.Blobs.Archive, db)
	fmt.Fprintf(stdout, "reindex: %d records restored from the archive, %d already in the database\n", restored, present)
	return err
}
