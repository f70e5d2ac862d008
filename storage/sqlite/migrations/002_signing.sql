-- Signer keys: one bound key per participant; reset keys stay for the record.
CREATE TABLE signer_keys (
	agreement_id   TEXT NOT NULL REFERENCES agreements(id),
	participant_id TEXT NOT NULL,
	thumbprint     TEXT NOT NULL,
	jwk            TEXT NOT NULL,           -- JSON of the public JWK
	registered_at  TEXT NOT NULL,
	reset_at       TEXT
);
CREATE UNIQUE INDEX signer_keys_bound ON signer_keys(agreement_id, participant_id) WHERE reset_at IS NULL;

-- Single-use signing nonces, kept by SHA-256; used_at is set once, atomically.
CREATE TABLE signing_nonces (
	hash           TEXT PRIMARY KEY,
	agreement_id   TEXT NOT NULL REFERENCES agreements(id),
	participant_id TEXT NOT NULL,
	chain_head     TEXT NOT NULL,
	issued_at      TEXT NOT NULL,
	expires_at     TEXT NOT NULL,
	used_at        TEXT
);

-- Accepted signatures: one per participant.
CREATE TABLE signatures (
	agreement_id   TEXT NOT NULL REFERENCES agreements(id),
	participant_id TEXT NOT NULL,
	role           TEXT NOT NULL,
	jws            TEXT NOT NULL,
	jwk            TEXT NOT NULL,
	thumbprint     TEXT NOT NULL,
	signed_at      TEXT NOT NULL,
	recorded_at    TEXT NOT NULL,
	still_key      TEXT NOT NULL DEFAULT '',
	still_sha256   TEXT NOT NULL DEFAULT '',
	drawing_key    TEXT NOT NULL DEFAULT '',
	drawing_sha256 TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (agreement_id, participant_id)
);
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;

-- Seal records: staged artifacts (working store), then sealed (archive).
CREATE TABLE seals (
	agreement_id TEXT PRIMARY KEY REFERENCES agreements(id),
	status       TEXT NOT NULL,
	sealed_at    TEXT NOT NULL,
	retain_until TEXT NOT NULL,
	audit_head   TEXT NOT NULL,
	audit_events INTEGER NOT NULL,
	artifacts    TEXT NOT NULL,             -- JSON array of agreement.Artifact
	staged_at    TEXT NOT NULL,
	completed_at TEXT
);
