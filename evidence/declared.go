package evidence

import "bytes"

// declaredSizes returns the payload sizes the manifest declares, by bag path, when its JWS
// verifies over it; nil otherwise. Who signed is decided later (the manifest seal check and
// the verifier's pins); here the signature only shows that the sizes were sealed together
// with the hashes, so a genuine record is read whole however well it compresses, while an
// undeclared file keeps the compression-ratio limit and every file the absolute ones.
func declaredSizes(b *bag) map[string]int64 {
	body, err := b.read(PathManifest)
	if err != nil {
		return nil
	}
	jws, err := b.read(PathManifestJWS)
	if err != nil {
		return nil
	}
	payload, _, err := VerifyManifestJWS(jws)
	if err != nil || !bytes.Equal(payload, body) {
		return nil
	}
	m, err := ParseManifest(body)
	if err != nil {
		return nil
	}
	sizes := map[string]int64{}
	for p, ref := range expectedRefs(m) {
		if ref.Size >= 0 && validPayloadPath(p) {
			sizes[p] = ref.Size
		}
	}
	for _, r := range m.Recordings { // files an export added (ExportedRecordingPath)
		if p := ExportedRecordingPath(r); r.Size >= 0 && validPayloadPath(p) {
			sizes[p] = r.Size
		}
	}
	// The sealed PDF embeds the manifest, which therefore cannot declare its size; it is
	// read whole, so MaxMemoryFile bounds it (a text-only PDF may compress beyond the ratio).
	if validPayloadPath(m.SealedPDF.Path) {
		sizes[m.SealedPDF.Path] = b.lim.MaxMemoryFile
	}
	return sizes
}
