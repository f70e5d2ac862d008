package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/storage/sqlite"
)

// errFixityFailed: the run found archived objects that differ from their seal (listed on
// stdout).
var errFixityFailed = errors.New("fixity: archived objects differ from their seal")

// fixity returns the archive's fixity checker, counting mismatches in the metric.
func (m *Main) fixity() *archive.Fixity {
	var c archive.Counter
	if m.fixityMismatches != nil {
		c = m.fixityMismatches
	}
	return &archive.Fixity{Store: m.DB, Archive: m.Blobs.Archive, Mismatches: c, Log: m.Logger, Now: time.Now}
}

// runFixity re-hashes the archive once with serve's configuration (flags and environment),
// prints the run and each problem, and fails when there is one.
func runFixity(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServeConfig(args, env, stderr)
	if err != nil {
		var ce *configError
		if errors.As(err, &ce) || errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	m := &Main{Config: cfg, Logger: newLogger(cfg, stderr), Registry: prometheus.NewRegistry()}
	db, err := sqlite.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	m.DB = db
	if err := m.openBlobs(ctx); err != nil {
		return err
	}
	run, err := m.fixity().Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fixity run %d: %d records, %d objects, %d bytes, %d problems\n",
		run.ID, run.Records, run.Objects, run.Bytes, len(run.Problems))
	for _, p := range run.Problems {
		fmt.Fprintf(stdout, "MISMATCH %s %s sealed %s got %s %s\n", p.AgreementID, p.Key, p.Want, p.Got, p.Error)
	}
	if len(run.Problems) > 0 {
		return errFixityFailed
	}
	return nil
}
