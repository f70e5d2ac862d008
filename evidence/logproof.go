package evidence

// TagLogProof is the bag's tag file holding the transparency log's inclusion proof of the
// manifest and the checkpoint it was proven against (c2sp.org/tlog-proof).
const TagLogProof = "tlog-proof.txt"
