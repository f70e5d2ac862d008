package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/signroom/signroom/evidence"
)

const verifyUsage = `Usage: signroom verify [--json] FILE

Checks an evidence bundle (.zip) or a sealed PDF offline, with nothing but the file: bag fixity,
the manifest seal, every signature, every document hash, the audit chain, the PDF seal and the
recording hashes. Prints each check with pass/fail and the reason; --json prints the report as
JSON. Exit code 0 only when every check passes, 1 when any fails, 2 on a usage error.
`

// errVerifyFailed is returned when the file was read but a check failed; the report has
// already said which.
var errVerifyFailed = errors.New("verification failed")

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("signroom verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{errors.New("verify: want one FILE")}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rep := evidence.VerifyFile(ctx, f, st.Size())
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(stdout, fs.Arg(0), rep)
	}
	if !rep.OK() {
		return errVerifyFailed
	}
	return nil
}

func printReport(w io.Writer, name string, rep evidence.Report) {
	fmt.Fprintf(w, "%s (%s)\n", name, rep.Kind)
	for _, c := range rep.Checks {
		mark := "PASS"
		if !c.OK {
			mark = "FAIL"
		}
		if c.Detail != "" {
			fmt.Fprintf(w, "  %s  %s: %s\n", mark, c.Name, c.Detail)
		} else {
			fmt.Fprintf(w, "  %s  %s\n", mark, c.Name)
		}
	}
	failed := len(rep.Failed())
	if failed == 0 {
		fmt.Fprintf(w, "all %d checks passed\n", len(rep.Checks))
		return
	}
	fmt.Fprintf(w, "%d of %d checks failed\n", failed, len(rep.Checks))
}
