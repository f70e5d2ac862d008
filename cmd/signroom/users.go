package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/storage/sqlite"
)

const userUsage = `Usage:
  signroom user add --role ROLE[,ROLE] [--name "Display Name"] [--password-stdin] USERNAME
  signroom user list
  signroom user disable USERNAME
  signroom user enable USERNAME

Manages staff accounts in the metadata database. Roles: admin, organizer, legal, archivist.
The password is read from the terminal (asked twice), or from the first line of standard
input with --password-stdin; never from an argument. Common flags: --data-dir, --database.
`

type userCmd struct {
	dataDir, database, name, roles string
	passwordStdin                  bool
}

func runUser(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return usageError{errors.New("user: missing subcommand")}
	}
	sub := args[0]
	var c userCmd
	fs := flag.NewFlagSet("signroom user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, userUsage) }
	dataDir := dataDirFlag(fs, env)
	fs.StringVar(&c.database, "database", env("SIGNROOM_DATABASE"), "database file (default DATA-DIR/signroom.db) ($SIGNROOM_DATABASE)")
	if sub == "add" {
		fs.StringVar(&c.roles, "role", "", "comma-separated roles: admin, organizer, legal, archivist")
		fs.StringVar(&c.name, "name", "", "display name")
		fs.BoolVar(&c.passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	c.dataDir = *dataDir
	if c.database == "" {
		c.database = filepath.Join(c.dataDir, "signroom.db")
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	db, err := sqlite.Open(ctx, c.database)
	if err != nil {
		return err
	}
	defer db.Close()
	return c.dispatch(ctx, db, sub, fs.Args(), stdin, stdout, stderr)
}

func (c *userCmd) dispatch(ctx context.Context, db *sqlite.DB, sub string, rest []string, stdin io.Reader, stdout, stderr io.Writer) error {
	switch {
	case sub == "add" && len(rest) == 1:
		return c.add(ctx, db, rest[0], stdin, stdout, stderr)
	case sub == "list" && len(rest) == 0:
		return listUsers(ctx, db, stdout)
	case (sub == "disable" || sub == "enable") && len(rest) == 1:
		if err := db.SetUserDisabled(ctx, rest[0], sub == "disable"); err != nil {
			return fmt.Errorf("%s user %s: %w", sub, rest[0], err)
		}
		fmt.Fprintf(stdout, "%sd %s\n", sub, rest[0])
		return nil
	}
	fmt.Fprint(stderr, userUsage)
	return usageError{fmt.Errorf("user: bad arguments")}
}

func (c *userCmd) add(ctx context.Context, db *sqlite.DB, username string, stdin io.Reader, stdout, stderr io.Writer) error {
	if agreement.ValidUsername(username) != nil {
		return &configError{"USERNAME", agreement.UsernameRule}
	}
	roles := splitList(c.roles)
	if len(roles) == 0 {
		return &configError{"--role", "at least one role is required"}
	}
	for _, r := range roles {
		if !auth.ValidRole(r) {
			return &configError{"--role", fmt.Sprintf("unknown role %q (admin, organizer, legal, archivist)", r)}
		}
	}
	pw, err := readPassword(c.passwordStdin, stdin, stderr)
	if err != nil {
		return err
	}
	if err := auth.CheckPasswordPolicy(username, pw); err != nil {
		return fmt.Errorf("password: %w", err)
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return fmt.Errorf("password: %w", err)
	}
	u, err := db.CreateUser(ctx, agreement.User{Username: username, DisplayName: c.name, Roles: roles, PasswordHash: hash})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s (%s) with roles %s\n", u.Username, u.ID, strings.Join(u.Roles, ","))
	return nil
}

// readPassword reads a password from the terminal (twice, without echo) or from stdin.
func readPassword(fromStdin bool, stdin io.Reader, stderr io.Writer) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", &configError{"--password-stdin", "standard input is not a terminal; pipe the password with --password-stdin"}
	}
	fmt.Fprint(stderr, "Password: ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(stderr, "Again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(a) != string(b) {
		return "", errors.New("passwords do not match")
	}
	return string(a), nil
}

func listUsers(ctx context.Context, db *sqlite.DB, stdout io.Writer) error {
	users, err := db.ListUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLES\tSTATUS\tNAME\tCREATED")
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, strings.Join(u.Roles, ","), status, u.DisplayName, u.CreatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}
