package evidence

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// testLog is a small in-memory log signed with its own note key, for proofs in tests (the
// service's log is package translog's).
type testLog struct {
	origin   string
	signer   note.Signer
	verifier note.Verifier
	leaves   [][]byte // leaf hashes
}

func newTestLog(t testing.TB, origin string) *testLog {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseLogKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return &testLog{origin: origin, signer: s, verifier: v}
}

// add appends an entry and returns its index.
func (l *testLog) add(entry []byte) uint64 {
	l.leaves = append(l.leaves, rfc6962.DefaultHasher.HashLeaf(entry))
	return uint64(len(l.leaves) - 1)
}

// root is RFC 6962's MTH over leaves.
func root(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := split(len(leaves))
	return rfc6962.DefaultHasher.HashChildren(root(leaves[:k]), root(leaves[k:]))
}

// auditPath is RFC 6962's PATH(m, leaves).
func auditPath(m int, leaves [][]byte) [][]byte {
	if len(leaves) <= 1 {
		return nil
	}
	k := split(len(leaves))
	if m < k {
		return append(auditPath(m, leaves[:k]), root(leaves[k:]))
	}
	return append(auditPath(m-k, leaves[k:]), root(leaves[:k]))
}

// split is the largest power of two smaller than n.
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

func (l *testLog) checkpoint(t testing.TB) []byte {
	t.Helper()
	body := log.Checkpoint{Origin: l.origin, Size: uint64(len(l.leaves)), Hash: root(l.leaves)}.Marshal()
	signed, err := note.Sign(&note.Note{Text: string(body)}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// proof proves the entry at index in the log as it is now.
func (l *testLog) proof(t testing.TB, index uint64) []byte {
	return LogProof{Index: index, Hashes: auditPath(int(index), l.leaves), Checkpoint: l.checkpoint(t)}.Marshal()
}

// loggedCeremony is a ceremony whose manifest is logged between two other entries.
func loggedCeremony(t *testing.T, l *testLog) *ceremony {
	c := newCeremony(t, testSealer, 1, 1)
	c.logProof = func(digest []byte) []byte {
		l.add([]byte("an earlier record's manifest hash"))
		i := l.add(digest)
		l.add([]byte("a later record's manifest hash"))
		return l.proof(t, i)
	}
	return c
}

func verifyLogged(bundle []byte, key note.Verifier) Report {
	opt := testTrust()
	opt.LogKey = key
	return VerifyBundle(context.Background(), bytes.NewReader(bundle), int64(len(bundle)), opt)
}

// TestLoggedRecordVerifies: the inclusion proof in tlog-proof.txt proves the manifest in a
// checkpoint signed by the log key; without the key it passes saying the signature was not
// checked; with another log's key it fails.
func TestLoggedRecordVerifies(t *testing.T) {
	l := newTestLog(t, "sign.example.org/log")
	bundle := loggedCeremony(t, l).bundle(t)
	rep := verifyLogged(bundle, l.verifier)
	if c := findCheck(rep, CheckLogInclusion); !rep.OK() || !strings.Contains(c.Detail, "is entry 1 of log \"sign.example.org/log\"") {
		t.Fatalf("verdict %s, log inclusion %+v, failed %+v", rep.Verdict(), c, rep.Failed())
	}
	if r := rep.Record.Log; r == nil || r.Index != 1 || r.Size != 3 || !r.Signed {
		t.Errorf("record's log place = %+v", r)
	}
	if c := findCheck(verifyLogged(bundle, nil), CheckLogInclusion); !c.OK || !strings.Contains(c.Detail, "signature was not checked") {
		t.Errorf("without the log key: %+v", c)
	}
	other := newTestLog(t, "sign.example.org/log")
	if c := findCheck(verifyLogged(bundle, other.verifier), CheckLogInclusion); c.OK || c.Unverified {
		t.Errorf("another log's key: %+v, want failed", c)
	}
}

// TestResealedRecordAbsentFromLog: an insider with the seal key changes one byte of a
// logged record (a party's name) and re-seals it, keeping the genuine inclusion proof: the
// new manifest is not in the log, and the verifier says so even though the seal is trusted.
func TestResealedRecordAbsentFromLog(t *testing.T) {
	l := newTestLog(t, "sign.example.org/log")
	c := loggedCeremony(t, l)
	genuine := c.bundle(t)
	proof := bagFile(t, genuine, TagLogProof)
	c.manifest.Parties[0].Names["en"] += "."
	c.logProof = func([]byte) []byte { return proof }
	resealed := c.bundle(t)
	rep := verifyLogged(resealed, l.verifier)
	ck := findCheck(rep, CheckLogInclusion)
	if ck.OK || !strings.Contains(ck.Detail, "is not the entry at index 1") || rep.Verdict() != VerdictInvalid {
		t.Fatalf("re-sealed record: verdict %s, log inclusion %+v", rep.Verdict(), ck)
	}
	if !findCheck(rep, CheckSealTrust).OK || !findCheck(rep, CheckManifestSeal).OK {
		t.Errorf("the re-seal itself should pass the seal checks: only the log tells")
	}
	c.logProof = nil
	if ck := findCheck(verifyLogged(c.bundle(t), l.verifier), CheckLogInclusion); ck.OK || !strings.Contains(ck.Detail, "not in the transparency log") {
		t.Errorf("re-sealed without a proof, log key given: %+v", ck)
	}
	if ck := findCheck(verifyBytes(c.bundle(t)), CheckLogInclusion); !ck.OK || !strings.HasPrefix(ck.Detail, "not logged") {
		t.Errorf("no proof, no log key: %+v, want passed as not logged", ck)
	}
}

func TestParseLogProof(t *testing.T) {
	l := newTestLog(t, "log.example")
	for i := range 5 {
		l.add([]byte{byte(i)})
	}
	good := l.proof(t, 3)
	p, err := ParseLogProof(good)
	if err != nil || p.Index != 3 || len(p.Hashes) != 3 || !bytes.Equal(p.Marshal(), good) {
		t.Fatalf("round trip: %+v, %v", p, err)
	}
	cp, err := OpenCheckpoint(p.Checkpoint, l.verifier)
	if err != nil {
		t.Fatal(err)
	}
	entry := []byte{3}
	if err := p.VerifyInclusion(entry, cp); err != nil {
		t.Errorf("entry 3: %v", err)
	}
	if err := p.VerifyInclusion([]byte{4}, cp); !errors.Is(err, ErrLogProof) {
		t.Errorf("entry 4 proven at index 3: %v", err)
	}
	bad := map[string]string{
		"no checkpoint": "c2sp.org/tlog-proof@v1\nindex 3\n",
		"wrong header":  strings.Replace(string(good), "tlog-proof@v1", "tlog-proof@v2", 1),
		"bad index":     strings.Replace(string(good), "index 3", "index three", 1),
		"extra line":    strings.Replace(string(good), "index 3", "extra AAAA\nindex 3", 1),
		"short hash":    strings.Replace(string(good), "index 3\n", "index 3\nAAAA\n", 1),
	}
	for name, text := range bad {
		if _, err := ParseLogProof([]byte(text)); !errors.Is(err, ErrLogProof) {
			t.Errorf("%s: err = %v, want ErrLogProof", name, err)
		}
	}
}
