package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runCmd(t *testing.T, dir string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, envMap(map[string]string{"SIGNROOM_DATA_DIR": dir}), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, dir, "correct horse battery staple\n", "user", "add", "--role", "organizer,legal", "--name", "Kim", "--password-stdin", "kim")
	if code != 0 || !strings.Contains(out, "added kim") {
		t.Fatalf("user add = %d %q %q", code, out, errs)
	}
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"duplicate", "another long password\n", []string{"user", "add", "--role", "admin", "--password-stdin", "KIM"}, 1, "taken"},
		{"weak password", "short\n", []string{"user", "add", "--role", "admin", "--password-stdin", "lee"}, 1, "password"},
		{"unknown role", "another long password\n", []string{"user", "add", "--role", "king", "--password-stdin", "lee"}, 2, "--role"},
		{"no role", "another long password\n", []string{"user", "add", "--password-stdin", "lee"}, 2, "--role"},
		{"bad username", "another long password\n", []string{"user", "add", "--role", "admin", "--password-stdin", "../x"}, 2, "USERNAME"},
		{"no tty without stdin flag", "", []string{"user", "add", "--role", "admin", "lee"}, 2, "--password-stdin"},
		{"disable unknown", "", []string{"user", "disable", "nobody"}, 1, "nobody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCmd(t, dir, tt.stdin, tt.args...)
			if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) {
				t.Fatalf("%q = exit %d stderr %q, want %d mentioning %q", tt.args, code, errs, tt.wantCode, tt.wantErr)
			}
		})
	}
	if code, _, errs := runCmd(t, dir, "", "user", "disable", "kim"); code != 0 {
		t.Fatalf("disable kim = %d %s", code, errs)
	}
	_, out, _ = runCmd(t, dir, "", "user", "list")
	if !strings.Contains(out, "kim") || !strings.Contains(out, "disabled") || strings.Contains(out, "lee") {
		t.Fatalf("user list = %q, want kim disabled and no lee", out)
	}
}

func TestKeysCommands(t *testing.T) {
	dir := t.TempDir()
	_, before, _ := runCmd(t, dir, "", "keys", "list")
	code, kid, errs := runCmd(t, dir, "", "keys", "rotate")
	if code != 0 {
		t.Fatalf("keys rotate = %d %s", code, errs)
	}
	_, after, _ := runCmd(t, dir, "", "keys", "list")
	if !strings.Contains(after, "* "+strings.TrimSpace(kid)) || len(strings.Split(strings.TrimSpace(after), "\n")) != 2 {
		t.Fatalf("keys list after rotate = %q (before %q), want two keys with %s active", after, before, kid)
	}
	old := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(before), "*"))
	if code, _, errs := runCmd(t, dir, "", "keys", "retire", old); code != 0 {
		t.Fatalf("keys retire %s = %d %s", old, code, errs)
	}
	_, final, _ := runCmd(t, dir, "", "keys", "list")
	if strings.Contains(final, old) {
		t.Fatalf("retired key %s still listed: %q", old, final)
	}
}
