package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary strings to VerifyStaff and VerifyJoin. Every
// refusal must be a token error with a known reason and no token text;
// every acceptance must carry a signature that verifies independently,
// the right audience and the required claims; no input passes both.
func FuzzVerify(f *testing.F) {
	e := newTokenEnv(f)
	staff, _, err := e.iss.IssueStaff("alice", []string{RoleAdmin}, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	join, _, err := e.iss.IssueJoin(JoinClaims{Participant: "p", Agreement: "a", Role: "signatory"}, t0.Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{staff, join, "", ".", "..", "a.b.c", staff + "x", strings.ToUpper(join)} {
		f.Add(s)
	}
	ver := NewVerifier(e.ring, testIssuer, nil, e.clock.Now)
	pub, _ := e.ring.publicKey(e.kid)
	generic := Reason(errors.New("other"))
	f.Fuzz(func(t *testing.T, tok string) {
		ctx := context.Background()
		sc, serr := ver.VerifyStaff(ctx, tok)
		jc, jerr := ver.VerifyJoin(ctx, tok)
		if serr == nil && jerr == nil {
			t.Fatal("token accepted as both staff and invitation")
		}
		for _, err := range []error{serr, jerr} {
			if err == nil {
				continue
			}
			if !errors.Is(err, ErrTokenInvalid) || Reason(err) == generic {
				t.Fatalf("refusal %v lacks a token sentinel", err)
			}
			if len(tok) >= 8 && strings.Contains(err.Error(), tok) {
				t.Fatalf("error %q contains the token", err)
			}
		}
		if serr == nil {
			checkAccepted(t, pub, tok, sc.Subject, sc.ID, sc.Audience, AudienceAPI)
		}
		if jerr == nil {
			checkAccepted(t, pub, tok, jc.Participant, jc.ID, jc.Audience, AudienceJoin)
		}
	})
}

func checkAccepted(t *testing.T, pub ed25519.PublicKey, tok, sub, jti string, aud []string, want string) {
	t.Helper()
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil || !ed25519.Verify(pub, []byte(tok[:i]), sig) {
		t.Fatalf("accepted a token whose signature does not verify")
	}
	if sub == "" || jti == "" || !slices.Contains(aud, want) {
		t.Fatalf("accepted claims sub=%q jti=%q aud=%v, want %s", sub, jti, aud, want)
	}
}
