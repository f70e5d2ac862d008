package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/translog"
)

const logUsage = `Usage: signroom log --log-key KEY --checkpoint FILE URL

Monitors the transparency log of the Signroom service at URL (https, or http on loopback):
fetches its latest checkpoint (URL/log/checkpoint), checks its signature with the log's
public key (--log-key: the key itself, "<origin>+<hash>+<key>", or a file holding it), and
checks that it is consistent with the checkpoint in FILE, the last one you saw:

  - same size: the same root, else the log is forked (two different checkpoints of one size);
  - larger: a consistency proof, built from the log's tiles, shows the old tree is a prefix
    of the new one, else the log was rewritten;
  - smaller: the log was rolled back.

FILE may also be a bundle's tlog-proof.txt: its checkpoint is then the one compared (the
log must still contain the history your record was proven in). A FILE that does not exist
yet is created with the fetched checkpoint; after a consistent check a checkpoint FILE is
updated to the newer one, so run it periodically with the same FILE.

Results go to stdout. Exit code: 0 consistent; 1 inconsistent (fork, rewrite, rollback) or
the log could not be read; 2 usage error.
`

// errLogInconsistent is a log that is not consistent with a checkpoint seen before.
var errLogInconsistent = errors.New("transparency log inconsistent")

func runLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("signroom log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyArg := fs.String("log-key", "", "the log's public key, or a file holding it")
	file := fs.String("checkpoint", "", "file with the last checkpoint seen (or a bundle's tlog-proof.txt); created if missing, updated when consistent")
	fs.Usage = func() { fmt.Fprint(stderr, logUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() != 1 || *keyArg == "" || *file == "" {
		fs.Usage()
		return usageError{errors.New("log: want --log-key, --checkpoint and one URL")}
	}
	key, err := loadLogKey(*keyArg)
	if err != nil {
		return &configError{"--log-key", err.Error()}
	}
	root, err := logURL(fs.Arg(0))
	if err != nil {
		return &configError{"log", err.Error()}
	}
	return monitorLog(ctx, key, root, *file, stdout)
}

// loadLogKey reads a note verifier key given inline or in a file.
func loadLogKey(arg string) (note.Verifier, error) {
	if data, err := os.ReadFile(arg); err == nil {
		arg = string(data)
	} else if !strings.Contains(arg, "+") {
		return nil, err
	}
	return evidence.ParseLogKey(arg)
}

// logURL is the tlog-tiles prefix of the service at raw: https, or http on loopback.
func logURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
		return nil, fmt.Errorf("%q: fetch the log over https", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + translog.PublicPath
	return u, nil
}

func monitorLog(ctx context.Context, key note.Verifier, root *url.URL, file string, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	f, err := client.NewHTTPFetcher(root, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	latest, err := f.ReadCheckpoint(ctx)
	if err != nil {
		return fmt.Errorf("fetch %scheckpoint: %w", root, err)
	}
	cp, err := evidence.OpenCheckpoint(latest, key)
	if err != nil {
		return fmt.Errorf("%scheckpoint: %w", root, err)
	}
	old, fromProof, err := readCheckpointFile(file)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "FIRST CHECKPOINT: log %q, size %d, root %x; saved to %s\n", cp.Origin, cp.Size, cp.Hash, file)
		return os.WriteFile(file, latest, 0o644)
	}
	if err != nil {
		return err
	}
	c, err := translog.Consistent(ctx, key, old, latest, f.ReadTile)
	if errors.Is(err, translog.ErrFork) {
		fmt.Fprintf(stdout, "FORK: log %q is not consistent with %s: %v\n", cp.Origin, file, err)
		return errLogInconsistent
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "CONSISTENT: log %q grew from %d to %d entries (root %x)\n", c.New.Origin, c.Old.Size, c.New.Size, c.New.Hash)
	if fromProof {
		return nil
	}
	return os.WriteFile(file, latest, 0o644)
}

// readCheckpointFile reads a signed checkpoint, or the checkpoint of a tlog-proof.
func readCheckpointFile(file string) (cp []byte, fromProof bool, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, false, err
	}
	if bytes.HasPrefix(data, []byte(evidence.LogProofHeader+"\n")) {
		p, err := evidence.ParseLogProof(data)
		return p.Checkpoint, true, err
	}
	return data, false, nil
}
