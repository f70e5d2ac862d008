package evidence

import (
	"bytes"
	"context"
	"testing"
)

// BenchmarkSeal seals an agreement with two 30-page documents and six
// signatures: the sealed PDF, the signed manifest and the bundle.
func BenchmarkSeal(b *testing.B) {
	c := newCeremony(b, testSealer, 6, 30)
	b.ResetTimer()
	for b.Loop() {
		b.SetBytes(int64(len(c.bundle(b)))) // the manifest, the PDF embedding it, the bundle
	}
}

// BenchmarkVerify verifies the bundle of the same agreement.
func BenchmarkVerify(b *testing.B) {
	bundle := newCeremony(b, testSealer, 6, 30).bundle(b)
	b.SetBytes(int64(len(bundle)))
	b.ResetTimer()
	for b.Loop() {
		if rep := VerifyBundle(context.Background(), bytes.NewReader(bundle), int64(len(bundle)), testTrust()); !rep.OK() {
			b.Fatalf("verify failed: %+v", rep.Failed())
		}
	}
}
