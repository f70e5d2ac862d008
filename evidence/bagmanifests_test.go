package evidence

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

func sha512Hex(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

// relistTags rewrites every tag manifest present to list every other tag file correctly.
func relistTags(f map[string][]byte) {
	for _, tm := range []struct {
		name string
		sum  func([]byte) string
	}{{"tagmanifest-sha256.txt", sha256Hex}, {"tagmanifest-sha512.txt", sha512Hex}} {
		if _, ok := f[tm.name]; !ok {
			continue
		}
		var lines []manifestLine
		for _, p := range slices.Sorted(maps.Keys(f)) {
			if !strings.HasPrefix(p, "data/") && !strings.HasPrefix(p, "tagmanifest-") {
				lines = append(lines, manifestLine{tm.sum(f[p]), p})
			}
		}
		f[tm.name] = manifestText(lines)
	}
}

// sha512Manifest is a correct manifest-sha512.txt for the payload in f.
func sha512Manifest(f map[string][]byte) []byte {
	var lines []manifestLine
	for p, data := range f {
		if strings.HasPrefix(p, "data/") {
			lines = append(lines, manifestLine{sha512Hex(data), p})
		}
	}
	return manifestText(lines)
}

func TestEveryBagManifestIsVerified(t *testing.T) {
	orig := newCeremony(t, testSealer, 1, 1).bundle(t)
	tests := []struct {
		name      string
		edit      func(f map[string][]byte)
		wantCheck string // "" = must verify
	}{
		{"sha512 manifests, correct", func(f map[string][]byte) {
			f["manifest-sha512.txt"] = sha512Manifest(f)
			f["tagmanifest-sha512.txt"] = nil
			relistTags(f)
		}, ""},
		{"manifest-sha512.txt with a wrong digest", func(f map[string][]byte) {
			m := sha512Manifest(f)
			m[0] ^= 1
			f["manifest-sha512.txt"] = m
			relistTags(f)
		}, CheckFixity + ": manifest-sha512.txt"},
		{"manifest-sha512.txt missing a file", func(f map[string][]byte) {
			f["manifest-sha512.txt"] = []byte(strings.SplitN(string(sha512Manifest(f)), "\n", 2)[1])
			relistTags(f)
		}, CheckCompleteness},
		{"tagmanifest-sha512.txt with a wrong digest", func(f map[string][]byte) {
			f["tagmanifest-sha512.txt"] = nil
			relistTags(f)
			f["tagmanifest-sha512.txt"][3] ^= 1
		}, CheckTagManifest + ": tagmanifest-sha512.txt"},
		{"manifest of an unknown algorithm", func(f map[string][]byte) {
			f["manifest-sha3.txt"] = []byte(fmt.Sprintf("%064x  data/manifest.json\n", 0))
			relistTags(f)
		}, CheckFixity + ": manifest-sha3.txt"},
		{"bagit.txt with CRLF", func(f map[string][]byte) {
			f["bagit.txt"] = []byte(strings.ReplaceAll(bagitTxt, "\n", "\r\n"))
			relistTags(f)
		}, CheckBagStructure},
		{"fetch.txt", func(f map[string][]byte) {
			f["fetch.txt"] = []byte("https://example.org/x 3 data/x\n")
			relistTags(f)
		}, CheckBagStructure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := verifyBytes(rezip(t, orig, tt.edit, false))
			switch {
			case tt.wantCheck == "" && !rep.OK():
				t.Errorf("did not verify: %+v", rep.Failed())
			case tt.wantCheck != "" && !failed(rep, tt.wantCheck):
				t.Errorf("check %q did not fail; failed %+v", tt.wantCheck, rep.Failed())
			}
		})
	}
}
