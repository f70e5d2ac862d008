package translog

import (
	"context"
	"errors"
	"fmt"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/signroom/signroom/evidence"
)

// Errors of Consistent.
var (
	// ErrFork: two checkpoints signed by the log key cannot both be true of one log (same
	// size and different roots, a smaller size later, or no consistency proof): the
	// operator showed different histories, or rewrote the log.
	ErrFork = errors.New("transparency log fork")
)

// Consistency is what Consistent established.
type Consistency struct {
	Old, New log.Checkpoint
	Proof    [][]byte // the consistency proof (empty when the sizes are equal)
}

// Consistent checks that the signed checkpoint newer extends older: both must be signed
// by key, and the tree of older must be a prefix of newer's, proven with a consistency
// proof built from the log's tiles (tiles, say an HTTP fetcher of the log's URL). A
// checkpoint that cannot extend the other gives an error wrapping ErrFork; a checkpoint
// not signed by key, evidence.ErrLogProof; a tile that cannot be fetched, that error.
func Consistent(ctx context.Context, key note.Verifier, older, newer []byte, tiles client.TileFetcherFunc) (Consistency, error) {
	var c Consistency
	var err error
	if c.Old, err = evidence.OpenCheckpoint(older, key); err != nil {
		return c, fmt.Errorf("old checkpoint: %w", err)
	}
	if c.New, err = evidence.OpenCheckpoint(newer, key); err != nil {
		return c, fmt.Errorf("new checkpoint: %w", err)
	}
	switch {
	case c.New.Size < c.Old.Size:
		return c, fmt.Errorf("%w: the log shrank from %d to %d entries", ErrFork, c.Old.Size, c.New.Size)
	case c.New.Size == c.Old.Size && string(c.New.Hash) != string(c.Old.Hash):
		return c, fmt.Errorf("%w: two different checkpoints of size %d (roots %x and %x)", ErrFork, c.Old.Size, c.Old.Hash, c.New.Hash)
	case c.New.Size == c.Old.Size || c.Old.Size == 0:
		return c, nil
	}
	pb, err := client.NewProofBuilder(ctx, c.New.Size, tiles)
	if err != nil {
		return c, err
	}
	if c.Proof, err = pb.ConsistencyProof(ctx, c.Old.Size, c.New.Size); err != nil {
		return c, fmt.Errorf("consistency proof %d to %d: %w", c.Old.Size, c.New.Size, err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, c.Old.Size, c.New.Size, c.Proof, c.Old.Hash, c.New.Hash); err != nil {
		return c, fmt.Errorf("%w: the tree of size %d is not a prefix of the tree of size %d (%v)", ErrFork, c.Old.Size, c.New.Size, err)
	}
	return c, nil
}
