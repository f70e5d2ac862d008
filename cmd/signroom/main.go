// Command signroom runs the Signroom service and its administration tools.
//
// Output rules for every subcommand: results go to stdout, diagnostics and errors to stderr
// (one line, starting "signroom:"); exit code 0 on success, 1 on failure, 2 on a usage or
// configuration error, and for verify 3 when the record is intact but its seal unverified
// (no trusted seal certificate given); for log 1 also when the log is inconsistent (a fork);
// for fixity 1 also when an archived object differs from its seal.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Usage: signroom <command> [flags]

Commands:
  serve     run the service (signroom serve --help lists every option)
  verify    check an evidence bundle or sealed PDF offline
  fixity    re-hash every archived object against its seal, once (serve does it periodically)
  reindex   rebuild the database's sealed records from the archive bucket alone
  log       check the transparency log of sealed records for consistency (forks, rewrites)
  user      add, list, disable or enable staff accounts
  keys      list, rotate or retire the token-signing keys
  version   print the version

Run "signroom <command> --help" for a command's flags.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], env, stdout, stderr)
	case "verify":
		err = runVerify(ctx, args[1:], stdout, stderr)
	case "log":
		err = runLog(ctx, args[1:], stdout, stderr)
	case "fixity":
		err = runFixity(ctx, args[1:], env, stdout, stderr)
	case "reindex":
		err = runReindex(ctx, args[1:], env, stdout, stderr)
	case "user":
		err = runUser(ctx, args[1:], env, stdin, stdout, stderr)
	case "keys":
		err = runKeys(ctx, args[1:], env, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "signroom", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "signroom: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return exitCode(err, stderr)
}

func exitCode(err error, stderr io.Writer) int {
	var ce *configError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errVerifyFailed), errors.Is(err, errLogInconsistent), errors.Is(err, errFixityFailed):
		return 1 // the report on stdout names the failing checks
	case errors.Is(err, errVerifyUnverified):
		return 3 // intact, but nobody said which seal to trust
	case errors.As(err, &ce):
		fmt.Fprintln(stderr, "signroom:", err)
		return 2
	case isUsage(err):
		return 2 // the flag package already printed the problem and the usage
	default:
		fmt.Fprintln(stderr, "signroom:", err)
		return 1
	}
}

// usageError marks errors the flag package has already reported.
type usageError struct{ error }

func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}
