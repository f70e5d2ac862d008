package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// extendCeremony seals newCeremony's record (two signatories: one recording in the bundle,
// one listed by hash only) and returns the bundle, the hash-only recording and its bytes.
func extendCeremony(t *testing.T) ([]byte, Recording, []byte) {
	t.Helper()
	c := newCeremony(t, testSealer, 2, 1)
	bundle := c.bundle(t)
	r := c.manifest.Recordings[1]
	if r.Path != "" {
		t.Fatalf("recording %+v, want one listed by hash only", r)
	}
	return bundle, r, bytes.Repeat([]byte{0x1a, 0x45, 0xdf, 0xa3, 1}, 4000)
}

func extend(t *testing.T, bundle []byte, r Recording, body []byte) ([]byte, int64, error) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatal(err)
	}
	ext := Extension{Recordings: []RecordingFile{{Recording: r, Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(body)), nil
	}}}}
	size, err := ExtendedSize(context.Background(), zr, ext)
	if err != nil {
		return nil, 0, err
	}
	var out bytes.Buffer
	err = ExtendBundle(context.Background(), &out, zr, ext)
	return out.Bytes(), size, err
}

func TestExtendBundleAddsRecordings(t *testing.T) {
	bundle, r, body := extendCeremony(t)
	if rep := verifyBytes(bundle); !rep.OK() {
		t.Fatalf("the sealed bundle does not verify: %+v", rep.Failed())
	}
	out, size, err := extend(t, bundle, r, body)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(out)) != size {
		t.Errorf("ExtendedSize = %d, ExtendBundle wrote %d", size, len(out))
	}
	rep := verifyBytes(out)
	if !rep.OK() {
		t.Fatalf("extended bundle: %+v", rep.Failed())
	}
	found := false
	for _, c := range rep.Checks {
		if c.Name == CheckRecording+": p-2/camera.webm" {
			found = c.OK && strings.Contains(c.Detail, "exported with the record")
		}
	}
	if !found {
		t.Fatalf("no passing check of the exported recording in %+v", rep.Checks)
	}
	for _, rr := range rep.Record.Recordings {
		if !rr.Included {
			t.Errorf("record recording %+v not included", rr)
		}
	}

	flipped := bytes.Replace(out, body[1000:1100], append([]byte{body[1000] ^ 1}, body[1001:1100]...), 1)
	if bytes.Equal(flipped, out) {
		t.Fatal("the recording's bytes are not stored as they are")
	}
	if rep := verifyBytes(flipped); rep.OK() || !failedCheck(rep, CheckRecording+": p-2/camera.webm") {
		t.Fatalf("a changed byte in the exported recording verifies: %+v", rep.Failed())
	}
}

func failedCheck(rep Report, name string) bool {
	for _, c := range rep.Failed() {
		if c.Name == name {
			return true
		}
	}
	return false
}

func TestExtendBundleRefusesChangedRecording(t *testing.T) {
	bundle, r, body := extendCeremony(t)
	changed := bytes.Clone(body)
	changed[len(changed)/2] ^= 0x40
	if _, _, err := extend(t, bundle, r, changed); !errors.Is(err, ErrRecordingMismatch) {
		t.Fatalf("changed recording: %v, want ErrRecordingMismatch", err)
	}
	if _, _, err := extend(t, bundle, r, body[:len(body)-1]); !errors.Is(err, ErrRecordingMismatch) {
		t.Fatalf("short recording: %v, want ErrRecordingMismatch", err)
	}
	other := r
	other.SHA256 = strings.Repeat("0", 64)
	if _, _, err := extend(t, bundle, other, body); !errors.Is(err, ErrBundle) {
		t.Fatalf("a recording the manifest does not list: %v, want ErrBundle", err)
	}
}
