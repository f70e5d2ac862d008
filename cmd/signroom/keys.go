package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/signroom/signroom/auth"
)

const keysUsage = `Usage: signroom keys <list|rotate|retire KID> [--data-dir DIR]

Manages the service's Ed25519 token-signing keys in DATA-DIR/keys.
  list     print every key id; the active one is marked with *
  rotate   create a new active key; older keys still verify tokens until retired
  retire   remove a key: tokens signed with it stop verifying

A running server (serve with keys in DATA-DIR/keys) applies a rotation or retirement within
2 seconds: the new key signs, a retired key's tokens stop verifying and it leaves the JWKS.
Keys given in $SIGNROOM_TOKEN_KEYS take a restart.
`

func runKeys(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return usageError{fmt.Errorf("keys: missing subcommand")}
	}
	sub := args[0]
	fs := flag.NewFlagSet("signroom keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := dataDirFlag(fs, env)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage) }
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	ring, err := auth.LoadOrCreateKeyRing(*dataDir)
	if err != nil {
		return fmt.Errorf("load keys from %s: %w", filepath.Join(*dataDir, "keys"), err)
	}
	switch {
	case sub == "list" && fs.NArg() == 0:
		for _, kid := range ring.KIDs() {
			mark := " "
			if kid == ring.ActiveKID() {
				mark = "*"
			}
			fmt.Fprintln(stdout, mark, kid)
		}
		return nil
	case sub == "rotate" && fs.NArg() == 0:
		kid, err := ring.Rotate(*dataDir)
		if err != nil {
			return fmt.Errorf("rotate keys: %w", err)
		}
		fmt.Fprintln(stdout, kid)
		fmt.Fprintln(stderr, "a running signroom serve on this data directory signs with it within 2 seconds")
		return nil
	case sub == "retire" && fs.NArg() == 1:
		if err := ring.Retire(*dataDir, fs.Arg(0)); err != nil {
			return fmt.Errorf("retire key: %w", err)
		}
		fmt.Fprintln(stderr, "retired; a running signroom serve on this data directory stops accepting its tokens within 2 seconds")
		return nil
	}
	fmt.Fprint(stderr, keysUsage)
	return usageError{fmt.Errorf("keys: bad arguments")}
}

// dataDirFlag registers --data-dir with its SIGNROOM_DATA_DIR default.
func dataDirFlag(fs *flag.FlagSet, env func(string) string) *string {
	def := env("SIGNROOM_DATA_DIR")
	if def == "" {
		def = "data"
	}
	return fs.String("data-dir", def, "data directory ($SIGNROOM_DATA_DIR)")
}

// flagErr passes --help through and marks other flag errors as already reported.
func flagErr(err error) error {
	if err == flag.ErrHelp {
		return err
	}
	return usageError{err}
}
