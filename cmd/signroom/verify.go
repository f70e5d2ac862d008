package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/signroom/signroom/evidence"
)

const verifyUsage = `Usage: signroom verify [--seal-cert FILE]... [--seal-fingerprint SHA256]... [--trust-url URL]
       [--tsa-roots FILE]... [--timestamp FILE] [--log-key KEY] [--json] FILE

Checks an evidence bundle (.zip) or a sealed PDF offline, with nothing but the file: bag fixity,
the manifest seal, every signature, every document hash, the audit chain, the PDF seal and the
recording hashes, and whether the seal is one you trust.

Trust is decided, not printed: give the seal certificates you trust, as PEM files or the
service's published list (--seal-cert), as SHA-256 fingerprints (--seal-fingerprint), or
the address of the service whose list to fetch once (--trust-url https://sign.example.org).
Without any of them every other check still runs, but the verdict is "seal unverified":
anyone can seal a forged record with a key of their own.

Trusted time: a record time-stamped by an RFC 3161 time-stamp authority (TSA) carries its
token; --tsa-roots names the PEM root certificates of the TSAs you trust, and the attested
time is printed beside the service's claimed sealed_at. Without --tsa-roots the token is
checked but not its TSA (the check says so); a record without a token says "time not
attested".
Transparency log: a bundle from a service with a log carries tlog-proof.txt, the proof that
its manifest is in the log's tree at a signed checkpoint. --log-key (the log's public key,
or a file holding it; GET URL/log/key) checks the checkpoint's signature; with it a bundle
that is not in the log fails "log inclusion" (a re-sealed record is not); without it the
proof is checked against its checkpoint, whose signature is not (the check says so). To see that the log itself is not forked or rewritten,
run "signroom log" (docs/evidence-format.md, section 10).

--timestamp gives a supplementary token (manifest.json.tsr, added after sealing when no TSA
answered) for a bundle that has none.

Prints each check with PASS/FAIL and the reason; --json prints the report as JSON.
Exit code: 0 valid (every check passed and the seal is trusted); 1 a check failed (or the
file could not be read); 2 usage error; 3 seal unverified (every check passed, but no
trusted seal certificate was given).
`

// Verification outcomes other than valid; each has its own exit code.
var (
	errVerifyFailed     = errors.New("verification failed")
	errVerifyUnverified = errors.New("seal unverified")
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("signroom verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var certs, fps listFlag
	fs.Var(&certs, "seal-cert", "trusted seal certificate(s): a PEM file or a published seal certificate list (repeatable)")
	fs.Var(&fps, "seal-fingerprint", "SHA-256 fingerprint (hex) of a trusted seal certificate (repeatable)")
	trustURL := fs.String("trust-url", "", "fetch the trusted seal certificates published by this Signroom service (https)")
	var tsaRoots listFlag
	fs.Var(&tsaRoots, "tsa-roots", "PEM file of trusted time-stamp authority root certificates (repeatable)")
	logKey := fs.String("log-key", "", "the transparency log's public key, or a file holding it")
	stampFile := fs.String("timestamp", "", "a supplementary manifest time-stamp token (manifest.json.tsr) for a bundle without one")
	recDir := fs.String("recordings", "", "directory holding the record's recording files (named as in the manifest): each is checked against its SHA-256 and size")
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{errors.New("verify: want one FILE")}
	}
	trust, err := loadTrust(ctx, certs, fps, *trustURL)
	if err != nil {
		return &configError{"verify", err.Error()}
	}
	opt := evidence.Options{Trust: trust}
	if opt.TSARoots, err = loadTSARoots(tsaRoots); err != nil {
		return &configError{"verify", err.Error()}
	}
	if *logKey != "" {
		if opt.LogKey, err = loadLogKey(*logKey); err != nil {
			return &configError{"verify", "--log-key: " + err.Error()}
		}
	}
	if *stampFile != "" {
		if opt.ManifestTimestamp, err = os.ReadFile(*stampFile); err != nil {
			return &configError{"verify", "--timestamp: " + err.Error()}
		}
	}
	if *recDir != "" {
		opt.OpenRecording = recordingsIn(*recDir)
	}
	rep, err := verifyPath(ctx, fs.Arg(0), opt)
	if err != nil {
		return err
	}
	if err := writeReport(stdout, fs.Arg(0), rep, *asJSON); err != nil {
		return err
	}
	switch rep.Verdict() {
	case evidence.VerdictValid:
		return nil
	case evidence.VerdictUnverified:
		return errVerifyUnverified
	}
	return errVerifyFailed
}

func verifyPath(ctx context.Context, name string, opt evidence.Options) (evidence.Report, error) {
	f, err := os.Open(name)
	if err != nil {
		return evidence.Report{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return evidence.Report{}, err
	}
	return evidence.VerifyFileWith(ctx, f, st.Size(), opt), nil
}

// loadTrust gathers the trusted seal certificates from files, fingerprints and a URL.
func loadTrust(ctx context.Context, certs, fps []string, url string) (evidence.Trust, error) {
	var trust evidence.Trust
	for _, name := range certs {
		data, err := os.ReadFile(name)
		if err != nil {
			return trust, fmt.Errorf("--seal-cert: %w", err)
		}
		t, err := evidence.ParseTrust(name, data)
		if err != nil {
			return trust, fmt.Errorf("--seal-cert: %w", err)
		}
		trust.Add(t)
	}
	for _, fp := range fps {
		t, err := evidence.TrustFingerprint("--seal-fingerprint", fp)
		if err != nil {
			return trust, fmt.Errorf("--seal-fingerprint: %w", err)
		}
		trust.Add(t)
	}
	if url != "" {
		t, err := fetchTrust(ctx, url)
		if err != nil {
			return trust, fmt.Errorf("--trust-url: %w", err)
		}
		trust.Add(t)
	}
	return trust, nil
}

func writeReport(w io.Writer, name string, rep evidence.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(w, name, rep)
	return nil
}

func printReport(w io.Writer, name string, rep evidence.Report) {
	fmt.Fprintf(w, "%s (%s)\n", name, rep.Kind)
	for _, c := range rep.Checks {
		mark := "PASS"
		switch {
		case c.Unverified:
			mark = "UNVERIFIED"
		case !c.OK:
			mark = "FAIL"
		}
		if c.Detail != "" {
			fmt.Fprintf(w, "  %s  %s: %s\n", mark, c.Name, c.Detail)
		} else {
			fmt.Fprintf(w, "  %s  %s\n", mark, c.Name)
		}
	}
	failed := 0
	for _, c := range rep.Failed() {
		if !c.Unverified {
			failed++
		}
	}
	switch rep.Verdict() {
	case evidence.VerdictValid:
		fmt.Fprintf(w, "VALID: all %d checks passed, sealed by a trusted seal certificate\n", len(rep.Checks))
	case evidence.VerdictUnverified:
		fmt.Fprintf(w, "SEAL UNVERIFIED: the record is intact, but nothing says who sealed it; "+
			"verify again with --seal-cert, --seal-fingerprint or --trust-url\n")
	default:
		fmt.Fprintf(w, "INVALID: %d of %d checks failed\n", failed, len(rep.Checks))
	}
}

// recordingsIn opens a record's recordings from dir by their manifest file names (reduced to
// safe names, so a manifest cannot point outside dir).
func recordingsIn(dir string) func(evidence.Recording) (io.ReadCloser, error) {
	return func(r evidence.Recording) (io.ReadCloser, error) {
		return os.Open(filepath.Join(dir, evidence.SafeName(r.Filename)))
	}
}

// loadTSARoots reads the trusted TSA roots; none given: nil.
func loadTSARoots(files []string) (*x509.CertPool, error) {
	if len(files) == 0 {
		return nil, nil
	}
	var pem []byte
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--tsa-roots: %w", err)
		}
		pem = append(append(pem, data...), '\n')
	}
	pool, err := evidence.ParseTSARoots(strings.Join(files, ","), pem)
	if err != nil {
		return nil, fmt.Errorf("--tsa-roots: %w", err)
	}
	return pool, nil
}
