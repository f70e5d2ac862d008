package evidence

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// manifestName matches BagIt payload and tag manifest file names (RFC 8493 §2.1.3, §2.2.1).
var manifestName = regexp.MustCompile(`^(tag)?manifest-([a-z0-9]+)\.txt$`)

// bagHashes are the algorithms a bag's manifests may use. sha256 is required; any other
// manifest present is verified too, and one of an unknown algorithm fails.
var bagHashes = map[string]func() hash.Hash{"sha256": sha256.New, "sha512": sha512.New, "sha1": sha1.New, "md5": md5.New}

// manifests returns the bag's payload (tag=false) or tag manifests as algorithm -> file name.
func (v *bundleVerifier) manifests(tag bool) map[string]string {
	out := map[string]string{}
	for name := range v.bag.files {
		if m := manifestName.FindStringSubmatch(name); m != nil && (m[1] == "tag") == tag {
			out[m[2]] = name
		}
	}
	return out
}

// payloadManifests checks every payload manifest: "bag fixity: <path>" for each line of
// manifest-sha256.txt, "bag fixity: <manifest>" for each other manifest, and completeness.
func (v *bundleVerifier) payloadManifests() {
	mans := v.manifests(false)
	algs := slices.Sorted(maps.Keys(mans))
	listed := map[string]map[string]string{}
	var problems []string
	for _, alg := range algs {
		sums, err := v.checksums(mans[alg], alg)
		if err != nil {
			v.rep.fail(CheckFixity+": "+mans[alg], err.Error())
			continue
		}
		listed[alg] = sums
	}
	if listed["sha256"] == nil {
		return // reported above, or manifest-sha256.txt is missing (bag structure)
	}
	all := v.hashPayload(listed)
	for _, alg := range algs {
		if alg != "sha256" && listed[alg] != nil {
			v.rep.result(CheckFixity+": "+mans[alg], joinErr(compareSums(mans[alg], listed[alg], all[alg])), fmt.Sprintf("%d files match", len(listed[alg])))
		}
		for _, p := range v.payloadPaths() {
			if _, ok := listed[alg][p]; !ok && listed[alg] != nil {
				problems = append(problems, p+" not listed in "+mans[alg])
			}
		}
	}
	if len(listed["sha256"]) == 0 {
		problems = append(problems, "manifest-sha256.txt lists no files")
	}
	v.rep.result(CheckCompleteness, joinErr(problems), fmt.Sprintf("%d payload files listed and present", len(listed["sha256"])))
}

// checksums reads and parses one manifest, refusing an unknown algorithm.
func (v *bundleVerifier) checksums(name, alg string) (map[string]string, error) {
	newHash, ok := bagHashes[alg]
	if !ok {
		return nil, fmt.Errorf("%s: unknown algorithm %q, cannot be verified", name, alg)
	}
	data, err := v.bag.read(name)
	if err != nil {
		return nil, err
	}
	sums, _, err := parseChecksums(name, data, newHash().Size(), v.bag.lim.MaxEntries)
	return sums, err
}

// hashPayload hashes each file listed in any payload manifest once, with every algorithm in
// use, reporting "bag fixity: <path>" against manifest-sha256.txt. It returns alg -> path -> sum.
func (v *bundleVerifier) hashPayload(listed map[string]map[string]string) map[string]map[string]string {
	paths := map[string]bool{}
	for _, sums := range listed {
		for p := range sums {
			paths[p] = true
		}
	}
	all := map[string]map[string]string{}
	for alg := range listed {
		all[alg] = map[string]string{}
	}
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		v.fixityOf(p, listed, all)
	}
	return all
}

func (v *bundleVerifier) fixityOf(p string, listed, all map[string]map[string]string) {
	name := CheckFixity + ": " + p
	want, inSHA256 := listed["sha256"][p]
	fail := func(msg string) {
		if inSHA256 {
			v.rep.fail(name, msg)
		}
	}
	if !strings.HasPrefix(p, "data/") {
		v.rep.fail(name, p+" is listed in a payload manifest but is not under data/")
		return
	}
	if err := v.ctx.Err(); err != nil {
		fail(err.Error())
		return
	}
	sums, n, err := v.bag.hashes(p, listed)
	if err != nil {
		v.rep.fail(name, err.Error())
		return
	}
	for alg, sum := range sums {
		all[alg][p] = sum
	}
	v.actual[p] = fileSum{sums["sha256"], n}
	switch {
	case !inSHA256:
	case sums["sha256"] != want:
		fail(fmt.Sprintf("%s: sha256 %s, manifest-sha256.txt says %s", p, sums["sha256"], want))
	default:
		v.rep.pass(name, fmt.Sprintf("%d bytes", n))
	}
}

func compareSums(manifest string, want, got map[string]string) []string {
	var problems []string
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if got[p] != want[p] {
			problems = append(problems, fmt.Sprintf("%s: %s does not match %s", manifest, p, got[p]))
		}
	}
	return problems
}

// hashes streams one file once through every algorithm with a manifest.
func (b *bag) hashes(rel string, listed map[string]map[string]string) (map[string]string, int64, error) {
	rc, err := b.open(rel, b.lim.MaxFileSize)
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	hs := map[string]hash.Hash{}
	var ws []io.Writer
	for alg := range listed {
		hs[alg] = bagHashes[alg]()
		ws = append(ws, hs[alg])
	}
	n, err := io.Copy(io.MultiWriter(ws...), rc)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", rel, err)
	}
	out := map[string]string{}
	for alg, h := range hs {
		out[alg] = hex.EncodeToString(h.Sum(nil))
	}
	return out, n, nil
}

// tagManifests checks every tag manifest: "tag manifest: <name>". Each must list every tag
// file but the tag manifests, each matching; tagmanifest-sha256.txt is required.
func (v *bundleVerifier) tagManifests() {
	mans := v.manifests(true)
	for _, alg := range slices.Sorted(maps.Keys(mans)) {
		v.rep.result(CheckTagManifest+": "+mans[alg], v.tagManifest(mans[alg], alg), "every tag file listed and matching")
	}
}

func (v *bundleVerifier) tagManifest(name, alg string) error {
	sums, err := v.checksums(name, alg)
	if err != nil {
		return err
	}
	var problems []string
	for _, p := range slices.Sorted(maps.Keys(sums)) {
		if strings.HasPrefix(p, "data/") || manifestName.MatchString(p) && strings.HasPrefix(p, "tag") {
			problems = append(problems, name+" lists "+p+", which is not a tag file it may list")
			continue
		}
		got, err := v.bag.sum(p, bagHashes[alg])
		switch {
		case err != nil:
			problems = append(problems, name+": "+err.Error())
		case got != sums[p]:
			problems = append(problems, fmt.Sprintf("%s: %s has %s %s, listed %s", name, p, alg, got, sums[p]))
		}
	}
	for p := range v.bag.files {
		if _, ok := sums[p]; !ok && !strings.HasPrefix(p, "data/") && !strings.HasPrefix(p, "tagmanifest-") {
			problems = append(problems, "tag file "+p+" not listed in "+name)
		}
	}
	return joinErr(problems)
}

// sum returns the hex digest of one file with the given algorithm.
func (b *bag) sum(rel string, newHash func() hash.Hash) (string, error) {
	rc, err := b.open(rel, b.lim.MaxMemoryFile)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := newHash()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("%s: %w", rel, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (v *bundleVerifier) payloadPaths() []string {
	var out []string
	for p := range v.bag.files {
		if strings.HasPrefix(p, "data/") {
			out = append(out, p)
		}
	}
	return out
}
