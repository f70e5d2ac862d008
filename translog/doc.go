// Package translog keeps Signroom's public transparency log of sealed records, built on
// Tessera (github.com/transparency-dev/tessera) with its POSIX storage in a directory of the
// data dir.
//
// Each seal appends one entry: the 32 bytes of the sealed manifest's SHA-256. Checkpoints
// are c2sp.org/tlog-checkpoint signed notes (c2sp.org/signed-note, Ed25519) by the log's own
// key, whose name is the log's origin; the key is generated at first start beside the seal
// key (LoadOrCreateKey). Append waits until a checkpoint commits to the entry and returns the
// c2sp.org/tlog-proof@v1 inclusion proof against it (evidence.LogProof), which the bundle
// carries as its tlog-proof.txt tag file.
//
// Handler serves the log read-only as c2sp.org/tlog-tiles: GET checkpoint, tile/<L>/<N>
// and tile/entries/<N> (with .p/<W> partials) below the prefix it is mounted at, nothing
// else of the directory. Anyone can then fetch checkpoints, check consistency between two
// of them and watch for a fork (signroom log, docs/evidence-format.md).
package translog
