package evidence

import (
	"bytes"
	"context"
	"testing"
)

func FuzzVerifyBundle(f *testing.F) {
	c := newCeremony(f, testSealer, 1, 1)
	f.Add(c.bundle(f))
	f.Add(makeZip(f, []zipEntry{{"bag/bagit.txt", []byte(bagitTxt)}, {"bag/manifest-sha256.txt", []byte("x  data/y\n")}}))
	f.Add([]byte("PK\x05\x06"))
	lim := Limits{MaxEntries: 200, MaxFileSize: 8 << 20, MaxTotalSize: 32 << 20, MaxMemoryFile: 8 << 20, MaxRatio: 100}
	f.Fuzz(func(t *testing.T, b []byte) {
		rep := VerifyWithLimits(context.Background(), bytes.NewReader(b), int64(len(b)), lim)
		if len(rep.Checks) == 0 {
			t.Fatal("report without checks")
		}
	})
}

func FuzzVerifyPDF(f *testing.F) {
	f.Add(newCeremony(f, testSealer, 1, 1).pdf(f))
	f.Add([]byte("%PDF-1.7 /ByteRange [0 10 20 5] <3000>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if rep := VerifyPDF(context.Background(), b); len(rep.Checks) == 0 {
			t.Fatal("report without checks")
		}
	})
}
