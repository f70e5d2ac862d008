-- Staff accounts.
CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	display_name  TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	roles         TEXT NOT NULL,            -- JSON array
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);

-- Agreements: the aggregate (parties, venues, participants, documents) is kept as one JSON
-- document beside the columns that are queried and indexed. version guards concurrent updates.
CREATE TABLE agreements (
	id         TEXT PRIMARY KEY,
	owner      TEXT NOT NULL REFERENCES users(id),
	state      TEXT NOT NULL,
	body       TEXT NOT NULL,               -- JSON
	version    INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX agreements_owner ON agreements(owner);
CREATE INDEX agreements_state ON agreements(state);

-- Invitations: one live token per participant; revoked ones stay for the record.
CREATE TABLE invitations (
	jti            TEXT PRIMARY KEY,
	agreement_id   TEXT NOT NULL REFERENCES agreements(id),
	participant_id TEXT NOT NULL,
	role           TEXT NOT NULL,
	issued_at      TEXT NOT NULL,
	expires_at     TEXT NOT NULL,
	revoked_at     TEXT
);
CREATE INDEX invitations_agreement ON invitations(agreement_id, participant_id);

-- Revoked token ids of any kind (staff or join), checked on every verification.
CREATE TABLE revoked_tokens (
	jti        TEXT PRIMARY KEY,
	expires_at TEXT NOT NULL,
	revoked_at TEXT NOT NULL
);

-- The audit log: append-only per agreement, each event carrying the hash of the one before.
CREATE TABLE audit_events (
	agreement_id TEXT NOT NULL,
	seq          INTEGER NOT NULL,
	at           TEXT NOT NULL,
	actor        TEXT NOT NULL,
	type         TEXT NOT NULL,
	data         TEXT NOT NULL,             -- JSON
	prev         TEXT NOT NULL,
	hash         TEXT NOT NULL,
	PRIMARY KEY (agreement_id, seq)
);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
