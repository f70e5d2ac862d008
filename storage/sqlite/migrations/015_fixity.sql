-- Fixity runs (package archive): each pass over the archive, and an alert on a record for
-- every archived object found changed or unreadable, shown on the record until resolved.
CREATE TABLE fixity_runs (
	id          INTEGER PRIMARY KEY,
	started_at  TEXT NOT NULL,
	finished_at TEXT NOT NULL,
	records     INTEGER NOT NULL,
	objects     INTEGER NOT NULL,
	bytes       INTEGER NOT NULL,
	problems    TEXT NOT NULL               -- JSON array of archive.Problem
);
CREATE TABLE fixity_alerts (
	run_id       INTEGER NOT NULL REFERENCES fixity_runs(id),
	agreement_id TEXT NOT NULL,
	object_key   TEXT NOT NULL,
	detail       TEXT NOT NULL,             -- JSON of archive.Problem
	PRIMARY KEY (run_id, agreement_id, object_key)
);
CREATE INDEX fixity_alerts_agreement ON fixity_alerts(agreement_id);
