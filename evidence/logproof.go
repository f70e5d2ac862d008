package evidence

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// TagLogProof is the bag's tag file holding the transparency log's inclusion proof of the
// manifest and the checkpoint it was proven against, in the c2sp.org/tlog-proof@v1 text
// format. It is a tag file because it proves the manifest and so cannot be inside it.
const TagLogProof = "tlog-proof.txt"

// LogProofHeader is the first line of a tlog-proof.
const LogProofHeader = "c2sp.org/tlog-proof@v1"

// maxProofHashes bounds the inclusion proof's length (a tree of 2^63 leaves needs 63).
const maxProofHashes = 64

// ErrLogProof reports a malformed tlog-proof or checkpoint, or one that does not prove
// what it should.
var ErrLogProof = errors.New("transparency log proof")

// LogProof is an inclusion proof of one entry in a transparency log (c2sp.org/tlog-proof):
// the entry's index, the Merkle audit path (RFC 6962/9162, SHA-256) and the signed
// checkpoint (a c2sp.org/signed-note) whose tree it is proven in.
type LogProof struct {
	Index      uint64
	Hashes     [][]byte
	Checkpoint []byte // the signed note, as served
}

// Marshal encodes p as a c2sp.org/tlog-proof@v1 file.
func (p LogProof) Marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nindex %d\n", LogProofHeader, p.Index)
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// ParseLogProof decodes a c2sp.org/tlog-proof@v1 file (an "extra" line is refused: Signroom
// writes none).
func ParseLogProof(data []byte) (LogProof, error) {
	head, cp, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok || len(cp) == 0 {
		return LogProof{}, fmt.Errorf("%w: no checkpoint after the proof", ErrLogProof)
	}
	var p LogProof
	sc := bufio.NewScanner(bytes.NewReader(head))
	for n := 0; sc.Scan(); n++ {
		line := sc.Text()
		var err error
		switch {
		case n == 0 && line != LogProofHeader:
			err = fmt.Errorf("first line %q, want %q", line, LogProofHeader)
		case n == 0:
		case n == 1:
			idx, found := strings.CutPrefix(line, "index ")
			if p.Index, err = strconv.ParseUint(idx, 10, 64); !found || err != nil {
				err = fmt.Errorf("line 2 %q, want \"index N\"", line)
			}
		case len(p.Hashes) >= maxProofHashes:
			err = fmt.Errorf("more than %d proof hashes", maxProofHashes)
		default:
			h, derr := base64.StdEncoding.DecodeString(line)
			if derr != nil || len(h) != sha256.Size {
				err = fmt.Errorf("line %d is not a base64 SHA-256 hash", n+1)
			}
			p.Hashes = append(p.Hashes, h)
		}
		if err != nil {
			return LogProof{}, fmt.Errorf("%w: %v", ErrLogProof, err)
		}
	}
	p.Checkpoint = cp
	return p, nil
}

// ParseLogKey reads a transparency log's public key: a note verifier key
// ("<origin>+<hash>+<base64 key>", Ed25519), as signroom serve prints and publishes it.
func ParseLogKey(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("%w: log key: %v", ErrTrust, err)
	}
	return v, nil
}

// OpenCheckpoint verifies a signed checkpoint with the log's key (its origin is the key's
// name) and returns its body. Errors wrap ErrLogProof.
func OpenCheckpoint(signed []byte, key note.Verifier) (log.Checkpoint, error) {
	cp, _, _, err := log.ParseCheckpoint(signed, key.Name(), key)
	if err != nil {
		return log.Checkpoint{}, fmt.Errorf("%w: checkpoint: %v", ErrLogProof, err)
	}
	return *cp, nil
}

// UnverifiedCheckpoint returns a signed checkpoint's body without checking its signature.
func UnverifiedCheckpoint(signed []byte) (log.Checkpoint, error) {
	body, _, ok := bytes.Cut(signed, []byte("\n\n"))
	var cp log.Checkpoint
	if !ok {
		return cp, fmt.Errorf("%w: checkpoint is not a signed note", ErrLogProof)
	}
	if _, err := cp.Unmarshal(append(body, '\n')); err != nil {
		return cp, fmt.Errorf("%w: checkpoint: %v", ErrLogProof, err)
	}
	return cp, nil
}

// LogLeafHash is the Merkle leaf hash of a record in Signroom's log: the entry is the 32
// bytes of the manifest's SHA-256, hashed as an RFC 6962 leaf (SHA-256 of 0x00 ‖ entry).
func LogLeafHash(manifestSHA256 []byte) []byte {
	return rfc6962.DefaultHasher.HashLeaf(manifestSHA256)
}

// VerifyInclusion checks that p proves the entry manifestSHA256 in the tree of cp.
func (p LogProof) VerifyInclusion(manifestSHA256 []byte, cp log.Checkpoint) error {
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, cp.Size, LogLeafHash(manifestSHA256), p.Hashes, cp.Hash); err != nil {
		return fmt.Errorf("%w: the manifest is not the entry at index %d of the log's tree of size %d (%v)", ErrLogProof, p.Index, cp.Size, err)
	}
	return nil
}

// logInclusion adds the "log inclusion" check: the bag's tlog-proof proves the manifest's
// SHA-256 in a checkpoint signed by the log key (key nil: the signature is not checked,
// and the detail says so).
func (v *bundleVerifier) logInclusion(key note.Verifier) {
	data, err := v.src.read(TagLogProof)
	if _, ok := v.bag.files[TagLogProof]; !ok {
		if key != nil {
			v.rep.fail(CheckLogInclusion, "not in the transparency log: the bundle carries no "+TagLogProof)
			return
		}
		v.rep.pass(CheckLogInclusion, "not logged: the bundle carries no "+TagLogProof)
		return
	}
	body, _ := v.src.read(PathManifest)
	sum := sha256.Sum256(body)
	var p LogProof
	if err == nil {
		p, err = ParseLogProof(data)
	}
	var cp log.Checkpoint
	if err == nil && key != nil {
		cp, err = OpenCheckpoint(p.Checkpoint, key)
	} else if err == nil {
		cp, err = UnverifiedCheckpoint(p.Checkpoint)
	}
	if err == nil {
		err = p.VerifyInclusion(sum[:], cp)
	}
	if err != nil {
		v.rep.fail(CheckLogInclusion, err.Error())
		return
	}
	detail := fmt.Sprintf("manifest sha256 %x is entry %d of log %q, proven in its checkpoint of size %d", sum, p.Index, cp.Origin, cp.Size)
	if v.rep.Record != nil {
		v.rep.Record.Log = &RecordLog{Origin: cp.Origin, Index: p.Index, Size: cp.Size, Signed: key != nil}
	}
	if key == nil {
		v.rep.pass(CheckLogInclusion, detail+"; the checkpoint's signature was not checked (no log key was given: --log-key)")
		return
	}
	v.rep.pass(CheckLogInclusion, detail+", signed by the log key")
}
