package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length limits, in characters (runes) and bytes.
const (
	MinPasswordLength   = 12
	MaxPasswordBytes    = 1024
	passwordSaltBytes   = 16
	passwordKeyBytes    = 32
	maxArgon2MemoryKiB  = 1 << 20 // 1 GiB: refuse stored hashes asking for more
	maxArgon2Iterations = 16
)

// Password errors.
var (
	// ErrWeakPassword is returned for a password shorter than MinPasswordLength.
	ErrWeakPassword = errors.New("password is too short")
	// ErrPasswordTooLong is returned for a password over MaxPasswordBytes.
	ErrPasswordTooLong = errors.New("password is too long")
	// ErrPasswordHash is returned for a stored hash that cannot be read.
	ErrPasswordHash = errors.New("malformed password hash")
)

// Argon2Params are the argon2id cost parameters of a password hash.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultArgon2Params returns the parameters HashPassword uses:
// 64 MiB, one pass, two lanes (about 50-100 ms on a server core).
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{Memory: 64 << 10, Time: 1, Threads: 2}
}

// HashPassword hashes pw with argon2id and DefaultArgon2Params. It refuses
// passwords shorter than MinPasswordLength characters.
func HashPassword(pw string) (string, error) {
	return HashPasswordWith(pw, DefaultArgon2Params())
}

// HashPasswordWith is HashPassword with explicit parameters; tests use it
// with cheap ones. The result is a PHC string:
// $argon2id$v=19$m=MEMORY,t=TIME,p=THREADS$SALT$HASH.
func HashPasswordWith(pw string, p Argon2Params) (string, error) {
	if err := checkPasswordPolicy(pw); err != nil {
		return "", err
	}
	if p.Memory < 8*uint32(p.Threads) || p.Time < 1 || p.Threads < 1 {
		return "", fmt.Errorf("argon2 parameters m=%d t=%d p=%d: %w", p.Memory, p.Time, p.Threads, ErrPasswordHash)
	}
	salt := make([]byte, passwordSaltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, passwordKeyBytes)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

func checkPasswordPolicy(pw string) error {
	if len(pw) > MaxPasswordBytes {
		return fmt.Errorf("password of %d bytes, limit %d: %w", len(pw), MaxPasswordBytes, ErrPasswordTooLong)
	}
	if n := utf8.RuneCountInString(pw); n < MinPasswordLength {
		return fmt.Errorf("password of %d characters, minimum %d: %w", n, MinPasswordLength, ErrWeakPassword)
	}
	distinct := map[rune]bool{}
	for _, r := range strings.ToLower(pw) {
		distinct[r] = true
	}
	switch {
	case strings.TrimSpace(pw) == "":
		return fmt.Errorf("password of spaces only: %w", ErrWeakPassword)
	case len(distinct) < minDistinctRunes:
		return fmt.Errorf("password with %d different characters, minimum %d: %w", len(distinct), minDistinctRunes, ErrWeakPassword)
	case slices.Contains(commonPasswords, strings.ToLower(pw)):
		return fmt.Errorf("password is one of the most common ones: %w", ErrWeakPassword)
	}
	return nil
}

// minDistinctRunes is the fewest different characters a password may have ("aaaaaaaaaaaa",
// "abcabcabcabc" and "121212121212" are refused).
const minDistinctRunes = 5

// commonPasswords are the commonest passwords of 12 characters or more, refused outright.
var commonPasswords = []string{"password1234", "123456789012", "1234567890123", "qwertyuiop12",
	"1q2w3e4r5t6y", "passwordpassword", "qwertyuiopasdfgh", "iloveyou1234", "password123!", "changeme1234",
	"administrator", "letmein12345", "welcome12345"}

// CheckPasswordPolicy is the one password rule for every way an account gets a password (the
// API, the CLI): at least MinPasswordLength characters, at most MaxPasswordBytes, not only
// spaces, at least five different characters, not one of the commonest passwords, and not
// the username (in any case, with or without surrounding spaces). Refusals wrap
// ErrWeakPassword or ErrPasswordTooLong and say why.
func CheckPasswordPolicy(username, pw string) error {
	if err := checkPasswordPolicy(pw); err != nil {
		return err
	}
	u, p := strings.ToLower(strings.TrimSpace(username)), strings.ToLower(strings.TrimSpace(pw))
	if u != "" && (p == u || (len(u) >= 5 && strings.Contains(p, u))) {
		return fmt.Errorf("password is or contains the username: %w", ErrWeakPassword)
	}
	return nil
}

// CheckPassword reports whether pw matches hash, comparing in constant
// time. It returns ErrPasswordHash for a hash it cannot read. To keep
// timing equal for unknown accounts, check against a fixed dummy hash.
func CheckPassword(hash, pw string) (bool, error) {
	ph, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPasswordBytes {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), ph.salt, ph.params.Time, ph.params.Memory, ph.params.Threads, uint32(len(ph.key)))
	return subtle.ConstantTimeCompare(got, ph.key) == 1, nil
}

// NeedsRehash reports whether hash was made with parameters other than p,
// so it should be replaced after the next successful login.
func NeedsRehash(hash string, p Argon2Params) bool {
	ph, err := parsePHC(hash)
	return err != nil || ph.params != p
}

type phc struct {
	params    Argon2Params
	salt, key []byte
}

// parsePHC reads an argon2id PHC string, bounding its costs.
func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return phc{}, fmt.Errorf("not an argon2id v=19 PHC string: %w", ErrPasswordHash)
	}
	var ph phc
	var m, t, p uint64
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) != parts[3] {
		return phc{}, fmt.Errorf("parameters: %w", ErrPasswordHash)
	}
	if t < 1 || t > maxArgon2Iterations || p < 1 || p > 255 || m < 8*p || m > maxArgon2MemoryKiB {
		return phc{}, fmt.Errorf("parameters out of range: %w", ErrPasswordHash)
	}
	ph.params = Argon2Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(p)}
	var err error
	if ph.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(ph.salt) < 8 {
		return phc{}, fmt.Errorf("salt: %w", ErrPasswordHash)
	}
	if ph.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(ph.key) < 16 || len(ph.key) > 64 {
		return phc{}, fmt.Errorf("hash: %w", ErrPasswordHash)
	}
	return ph, nil
}
