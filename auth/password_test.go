package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// cheap keeps argon2id fast in tests.
var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1}

func TestPasswordRoundTrip(t *testing.T) {
	tests := []struct {
		name, pw string
	}{
		{"ascii", "correct horse battery"},
		{"korean", "강원도와남경시의양해각서"},
		{"chinese", "江原道南京市电子商务协会"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash, err := HashPasswordWith(tt.pw, cheap)
			if err != nil {
				t.Fatalf("HashPasswordWith: %v", err)
			}
			if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
				t.Errorf("hash %q lacks the PHC prefix", hash)
			}
			if ok, err := CheckPassword(hash, tt.pw); !ok || err != nil {
				t.Errorf("CheckPassword(right) = %v, %v; want true", ok, err)
			}
			if ok, err := CheckPassword(hash, tt.pw+"!"); ok || err != nil {
				t.Errorf("CheckPassword(wrong) = %v, %v; want false", ok, err)
			}
			again, _ := HashPasswordWith(tt.pw, cheap)
			if again == hash {
				t.Error("two hashes of one password are equal: salt is not random")
			}
		})
	}
}

func TestHashPasswordDefaults(t *testing.T) {
	hash, err := HashPassword("a default-cost password")
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=65536,t=1,p=2$"; !strings.HasPrefix(hash, want) {
		t.Errorf("hash %q, want prefix %q", hash, want)
	}
	if ok, err := CheckPassword(hash, "a default-cost password"); !ok || err != nil {
		t.Errorf("CheckPassword = %v, %v; want true", ok, err)
	}
	if NeedsRehash(hash, DefaultArgon2Params()) {
		t.Error("NeedsRehash(default hash, defaults) = true")
	}
	cheapHash, _ := HashPasswordWith("a default-cost password", cheap)
	if !NeedsRehash(cheapHash, DefaultArgon2Params()) {
		t.Error("NeedsRehash(cheap hash, defaults) = false")
	}
}

// TestCheckPasswordKnownVector checks against a test vector of the argon2
// reference implementation (phc-winner-argon2 src/test.c): password
// "password", salt "somesalt", argon2id, t=2, m=64 MiB, p=1.
func TestCheckPasswordKnownVector(t *testing.T) {
	const hash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	ok, err := CheckPassword(hash, "password")
	if err != nil || !ok {
		t.Errorf("CheckPassword(reference vector) = %v, %v; want true", ok, err)
	}
	if ok, _ := CheckPassword(hash, "passwore"); ok {
		t.Error("CheckPassword(reference vector, wrong password) = true")
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		name, pw string
		want     error
	}{
		{"empty", "", ErrWeakPassword},
		{"eleven characters", "abcdefghijk", ErrWeakPassword},
		{"twelve characters", "abcdefghijkl", nil},
		{"twelve Hangul syllables", "가나다라마바사아자차카타", nil},
		{"four Hangul syllables (12 bytes)", "가나다라", ErrWeakPassword},
		{"too long", strings.Repeat("x", MaxPasswordBytes+1), ErrPasswordTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := HashPasswordWith(tt.pw, cheap)
			if !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckPasswordMalformedHash(t *testing.T) {
	good, err := HashPasswordWith("a valid password", cheap)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := map[string]string{
		"empty":              "",
		"bcrypt":             "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":            "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"old version":        "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"missing part":       "$argon2id$v=19$m=64,t=1,p=1$" + salt,
		"bad params":         "$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"params with junk":   "$argon2id$v=19$m=64,t=1,p=1x$" + salt + "$" + key,
		"zero time":          "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"huge memory":        fmt.Sprintf("$argon2id$v=19$m=%d,t=1,p=1$%s$%s", 4<<20, salt, key),
		"huge time":          "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"salt not base64":    "$argon2id$v=19$m=64,t=1,p=1$!!!$" + key,
		"short hash":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA",
		"padded hash base64": "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "=",
	}
	for name, hash := range tests {
		t.Run(name, func(t *testing.T) {
			ok, err := CheckPassword(hash, "a valid password")
			if ok || !errors.Is(err, ErrPasswordHash) {
				t.Errorf("CheckPassword = %v, %v; want false, ErrPasswordHash", ok, err)
			}
		})
	}
}
