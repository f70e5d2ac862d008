package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
)

type zipEntry struct {
	name string
	data []byte
}

func makeZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestHostileBundles(t *testing.T) {
	bagit := []byte(bagitTxt)
	tests := []struct {
		name    string
		entries []zipEntry
		want    string // substring of the first failed check's detail
	}{
		{"path traversal", []zipEntry{{"bag/bagit.txt", bagit}, {"bag/../../etc/passwd", []byte("x")}}, "unsafe entry name"},
		{"absolute path", []zipEntry{{"/bag/bagit.txt", bagit}}, "unsafe entry name"},
		{"backslash", []zipEntry{{"bag\\..\\x", bagit}}, "unsafe entry name"},
		{"duplicate names", []zipEntry{{"bag/bagit.txt", bagit}, {"bag/bagit.txt", bagit}}, "duplicate entry"},
		{"two top dirs", []zipEntry{{"a/bagit.txt", bagit}, {"b/bagit.txt", bagit}}, "more than one top-level"},
		{"file at top", []zipEntry{{"bagit.txt", bagit}}, "outside the bag directory"},
		{"missing tag files", []zipEntry{{"bag/bagit.txt", bagit}}, "missing"},
		{"empty", nil, "empty ZIP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := verifyBytes(makeZip(t, tt.entries))
			if rep.OK() {
				t.Fatal("hostile bundle verified")
			}
			if got := rep.Failed()[0]; got.Name != CheckBagStructure || !strings.Contains(got.Detail, tt.want) {
				t.Errorf("first failure = %+v, want %s mentioning %q", got, CheckBagStructure, tt.want)
			}
		})
	}
}

func TestZipBombStopsAtLimits(t *testing.T) {
	bomb := bytes.Repeat([]byte{0}, 64<<20) // 64 MiB of zeros deflates to about 64 KiB
	b := makeZip(t, []zipEntry{
		{"bag/bagit.txt", []byte(bagitTxt)}, {"bag/bag-info.txt", nil}, {"bag/tagmanifest-sha256.txt", nil},
		{"bag/manifest-sha256.txt", []byte(strings.Repeat("0", 64) + "  data/bomb\n")},
		{"bag/data/bomb", bomb},
	})
	tests := []struct {
		name string
		lim  Limits
		want string
	}{
		{"ratio", DefaultLimits(), "compression ratio"},
		{"file size", Limits{MaxEntries: 10, MaxFileSize: 1 << 20, MaxTotalSize: 1 << 30, MaxMemoryFile: 1 << 20, MaxRatio: 1 << 20}, "file or compression ratio"},
		{"total", Limits{MaxEntries: 10, MaxFileSize: 1 << 30, MaxTotalSize: 1 << 20, MaxMemoryFile: 1 << 20, MaxRatio: 1 << 20}, "total"},
		{"entries", Limits{MaxEntries: 2, MaxFileSize: 1 << 30, MaxTotalSize: 1 << 30, MaxMemoryFile: 1 << 20, MaxRatio: 1 << 20}, "entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), Options{Limits: tt.lim, Trust: testTrust().Trust})
			if rep.OK() || !mentionsDetail(rep, tt.want) {
				t.Errorf("failures %+v do not mention %q", rep.Failed(), tt.want)
			}
		})
	}
}

func mentionsDetail(rep Report, s string) bool {
	for _, c := range rep.Failed() {
		if strings.Contains(c.Detail, s) {
			return true
		}
	}
	return false
}

func TestVerifyFileDetects(t *testing.T) {
	c := newCeremony(t, testSealer, 1, 1)
	bundle := c.bundle(t)
	tests := []struct {
		name   string
		in     []byte
		kind   string
		wantOK bool
	}{
		{"bundle", bundle, "bundle", true},
		{"sealed pdf", c.pdf(t), "pdf", true},
		{"unsigned pdf", testDocument("ko", 1), "pdf", false},
		{"text", []byte("hello"), "unknown", false},
		{"empty", nil, "unknown", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := VerifyFileWith(context.Background(), bytes.NewReader(tt.in), int64(len(tt.in)), testTrust())
			if rep.Kind != tt.kind || rep.OK() != tt.wantOK {
				t.Errorf("VerifyFile = kind %s ok %v (%+v), want %s %v", rep.Kind, rep.OK(), rep.Failed(), tt.kind, tt.wantOK)
			}
		})
	}
}

func TestVerifyPDFDetectsChanges(t *testing.T) {
	pdf := newCeremony(t, testSealer, 1, 1).pdf(t)
	if rep := VerifyPDFWith(context.Background(), pdf, testTrust()); !rep.OK() {
		t.Fatalf("sealed PDF does not verify: %+v", rep.Failed())
	}
	br, err := wholeFileByteRange(pdf)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func([]byte) []byte
	}{
		{"byte in first range", func(b []byte) []byte { b[br[1]/2] ^= 1; return b }},
		{"byte in second range", func(b []byte) []byte { b[br[2]+br[3]/2] ^= 1; return b }},
		{"byte in signature", func(b []byte) []byte { b[br[1]+40] = '0' + (b[br[1]+40]-'0'+1)%10; return b }},
		{"appended update", func(b []byte) []byte { return append(b, "\n1 0 obj\n<<>>\nendobj\n%%EOF\n"...) }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-10] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rep := VerifyPDFWith(context.Background(), tt.edit(bytes.Clone(pdf)), testTrust()); rep.OK() {
				t.Error("changed PDF verified")
			}
		})
	}
}
