package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/signatures"
)

// bagFiles returns the bag's files by bag-relative path, in ZIP order.
func bagFiles(t testing.TB, b []byte) (dir string, names []string, files map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files = map[string][]byte{}
	for _, f := range zr.File {
		top, rel, _ := strings.Cut(f.Name, "/")
		dir = top
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		files[rel] = data
		names = append(names, rel)
	}
	return dir, names, files
}

// rezip rebuilds a bundle after edit; with fixBag it also recomputes the
// BagIt manifests, as a careful forger would.
func rezip(t testing.TB, b []byte, edit func(map[string][]byte), fixBag bool) []byte {
	t.Helper()
	dir, names, files := bagFiles(t, b)
	edit(files)
	if fixBag {
		var payload, tags []manifestLine
		for p, data := range files {
			if strings.HasPrefix(p, "data/") {
				payload = append(payload, manifestLine{sha256Hex(data), p})
			}
		}
		files["manifest-sha256.txt"] = manifestText(payload)
		for _, p := range []string{"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "README.txt"} {
			tags = append(tags, manifestLine{sha256Hex(files[p]), p})
		}
		files["tagmanifest-sha256.txt"] = manifestText(tags)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, n := range names {
		if data, ok := files[n]; ok {
			w, _ := zw.Create(dir + "/" + n)
			w.Write(data)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(files)) {
		if !slices.Contains(names, n) { // added by edit
			w, _ := zw.Create(dir + "/" + n)
			w.Write(files[n])
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// mentions reports whether a failed check names s.
func mentions(rep Report, s string) bool {
	for _, c := range rep.Failed() {
		if strings.Contains(c.Name, s) || strings.Contains(c.Detail, s) {
			return true
		}
	}
	return false
}

func TestTamperEveryFile(t *testing.T) {
	orig := newCeremony(t, testSealer, 2, 1).bundle(t)
	_, names, files := bagFiles(t, orig)
	for _, name := range names {
		for _, pos := range []string{"first", "middle", "last"} {
			for _, fix := range []bool{false, true} {
				if fix && !strings.HasPrefix(name, "data/") {
					continue // tag files are protected by the tag manifest only (RFC 8493)
				}
				t.Run(fmt.Sprintf("%s/%s/fixbag=%v", name, pos, fix), func(t *testing.T) {
					i := map[string]int{"first": 0, "middle": len(files[name]) / 2, "last": len(files[name]) - 1}[pos]
					b := rezip(t, orig, func(f map[string][]byte) {
						f[name] = slices.Clone(f[name])
						f[name][i] ^= 0x01
					}, fix)
					rep := verifyBytes(b)
					if rep.OK() {
						t.Fatal("tampered bundle verified")
					}
					if !fix && !mentions(rep, name) {
						t.Errorf("no failed check names %s: %+v", name, rep.Failed())
					}
				})
			}
		}
	}
}

func TestTamperFixedBagNamesCheck(t *testing.T) {
	c := newCeremony(t, testSealer, 2, 1)
	orig := c.bundle(t)
	otherPDF := testDocument("zh", 1)
	tests := []struct {
		name, path, wantCheck string
	}{
		{"replace document", DocumentPath("doc-ko", "mou-ko.pdf"), CheckDocument + ": doc-ko"},
		{"replace sealed pdf", PathSealedPDF, CheckSealedPDF},
		{"replace still", StillPath("p-1", "jpg"), CheckBinding + ": p-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := verifyBytes(rezip(t, orig, func(f map[string][]byte) { f[tt.path] = otherPDF }, true))
			if !failed(rep, tt.wantCheck) {
				t.Errorf("check %q did not fail; failed: %+v", tt.wantCheck, rep.Failed())
			}
		})
	}
}

func failed(rep Report, name string) bool {
	return slices.ContainsFunc(rep.Failed(), func(c Check) bool { return c.Name == name })
}

// TestInsiderTampering plays someone who holds the seal key and re-seals
// the manifest: the signers' signatures must still give them away.
func TestInsiderTampering(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(t *testing.T, c *ceremony)
		wants []string
	}{
		{"swap two signers' JWS", func(t *testing.T, c *ceremony) {
			s := c.manifest.Signatures
			s[0].JWS, s[1].JWS = s[1].JWS, s[0].JWS
		}, []string{CheckSignature + ": p-1", CheckSignature + ": p-2"}},
		{"swap whole signatures between participants", func(t *testing.T, c *ceremony) {
			s := c.manifest.Signatures
			s[0].ParticipantID, s[1].ParticipantID = s[1].ParticipantID, s[0].ParticipantID
		}, []string{CheckBinding + ": p-1", CheckBinding + ": p-2"}},
		{"drop an audit event", func(t *testing.T, c *ceremony) {
			c.events = slices.Delete(c.events, 3, 4)
		}, []string{CheckAudit}},
		{"reorder audit events", func(t *testing.T, c *ceremony) {
			c.events[2], c.events[3] = c.events[3], c.events[2]
		}, []string{CheckAudit}},
		{"rewrite history and rehash", func(t *testing.T, c *ceremony) {
			rechain(t, c, 1, "agreement.scheduled", map[string]any{"documents": 3})
		}, []string{CheckBinding + ": p-1", CheckBinding + ": p-2"}},
		{"replace a document and its hash", func(t *testing.T, c *ceremony) {
			other := testDocument("zh", 1)
			c.files[0].Data = other
			c.manifest.Documents[0].SHA256, c.manifest.Documents[0].Size = sha256Hex(other), int64(len(other))
		}, []string{CheckBinding + ": p-1", CheckBinding + ": p-2"}},
		{"signer signed the wrong document hash", func(t *testing.T, c *ceremony) {
			resign(t, c, 1, func(st *signatures.Statement) { st.Documents[1].SHA256 = strings.Repeat("0", 64) })
		}, []string{CheckBinding + ": p-2"}},
		{"party's name rewritten (insider re-seals)", func(t *testing.T, c *ceremony) {
			c.manifest.Parties[1].Names["zh"] = "上海市"
		}, []string{CheckBinding + ": p-2"}},
		{"signer's title rewritten (insider re-seals)", func(t *testing.T, c *ceremony) {
			c.manifest.Participants[0].Title = "Vice Governor"
		}, []string{CheckBinding + ": p-1"}},
		{"a name in a language the agreement is not in may change", func(t *testing.T, c *ceremony) {
			c.manifest.Parties[0].Names["en"] = "Gangwon State"
		}, nil},
		{"signer signed another agreement", func(t *testing.T, c *ceremony) {
			resign(t, c, 0, func(st *signatures.Statement) { st.AgreementID = "ag-other" })
		}, []string{CheckBinding + ": p-1"}},
		{"signature dated after sealing", func(t *testing.T, c *ceremony) {
			c.manifest.SealedAt = ceremonyTime.Add(10*time.Minute + 30*time.Second)
		}, []string{CheckBinding + ": p-2"}},
		{"unsigned signatory", func(t *testing.T, c *ceremony) {
			c.manifest.Signatures = c.manifest.Signatures[:1]
		}, []string{"signatories complete"}},
		{"sealed pdf from elsewhere", func(t *testing.T, c *ceremony) {
			other, err := NewSelfSignedSealer("Mallory", ceremonyTime)
			if err != nil {
				t.Fatal(err)
			}
			c.sealedPDF, c.keepPDF = newCeremony(t, other, 2, 1).pdf(t), true
		}, []string{CheckPDFSeal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCeremony(t, testSealer, 2, 1)
			tt.edit(t, c)
			rep := verifyBytes(c.bundle(t))
			if len(tt.wants) == 0 && !rep.OK() {
				t.Errorf("want valid (the seal covers it, no signer signed it); failed: %+v", rep.Failed())
			}
			for _, w := range tt.wants {
				if !failed(rep, w) {
					t.Errorf("check %q did not fail; failed: %+v", w, rep.Failed())
				}
			}
		})
	}
}

// rechain changes event i and recomputes every hash after it.
func rechain(t *testing.T, c *ceremony, i int, typ string, data any) {
	old := c.events
	c.events = slices.Clone(old[:i])
	c.event(t, typ, old[i].Actor, data)
	for _, e := range old[i+1:] {
		c.events = append(c.events, e)
		last := len(c.events) - 1
		c.events[last].Prev = c.events[last-1].Hash
		c.events[last].Hash = c.events[last].ComputeHash()
	}
}

// resign makes signer i sign an edited statement with their own key.
func resign(t *testing.T, c *ceremony, i int, edit func(*signatures.Statement)) {
	s := &c.manifest.Signatures[i]
	st, err := signatures.Verify(s.JWS, s.JWK)
	if err != nil {
		t.Fatal(err)
	}
	edit(&st)
	if s.JWS, err = signatures.Sign(st, c.keys[i]); err != nil {
		t.Fatal(err)
	}
}

// TestRawZipCorruption flips bytes of the ZIP itself: either verification
// fails or the flip was in metadata that changes no file's content (for
// example the local header's copy of a name, which readers ignore).
func TestRawZipCorruption(t *testing.T) {
	orig := newCeremony(t, testSealer, 1, 1).bundle(t)
	_, _, want := bagFiles(t, orig)
	for i := range 24 {
		pos := i * (len(orig) - 1) / 23
		t.Run(fmt.Sprint(pos), func(t *testing.T) {
			b := slices.Clone(orig)
			b[pos] ^= 0xff
			if rep := verifyBytes(b); rep.OK() && !sameContent(b, want) {
				t.Errorf("bundle with byte %d flipped verified", pos)
			}
		})
	}
}

func sameContent(b []byte, want map[string][]byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) != len(want) {
		return false
	}
	for _, f := range zr.File {
		_, rel, _ := strings.Cut(f.Name, "/")
		rc, err := f.Open()
		if err != nil {
			return false
		}
		data, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(data, want[rel]) {
			return false
		}
	}
	return true
}

func TestWriteBundleRefusesInconsistentInput(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *ceremony)
	}{
		{"signature filed twice", func(c *ceremony) {
			c.manifest.Signatures = append(c.manifest.Signatures[:1], c.manifest.Signatures[0])
		}},
		{"document bytes differ from manifest", func(c *ceremony) { c.files[0].Data = []byte("%PDF-1.7 other") }},
		{"document missing", func(c *ceremony) { c.files = c.files[1:] }},
		{"path escapes data/", func(c *ceremony) { c.files[0].Path = "data/../x.pdf" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCeremony(t, testSealer, 2, 1)
			pdf := c.pdf(t)
			tt.edit(c)
			m := c.manifest
			audit, _ := AuditLogJSONL(c.events)
			m.Audit = Audit{FileRef: NewFileRef(PathAuditLog, audit), Events: len(c.events), Head: signatures.Head(c.events)}
			sm, err := SignManifest(m, c.sealer)
			if err != nil {
				t.Fatal(err)
			}
			err = WriteBundle(context.Background(), io.Discard, Bundle{Manifest: sm, SealedPDF: pdf, AuditLog: c.events, Files: c.files})
			if !errors.Is(err, ErrBundle) {
				t.Errorf("WriteBundle err = %v, want ErrBundle", err)
			}
		})
	}
}
