-- Recorded segments (agreement.Recording): one WebM file each, written by the recorder's
-- spool, uploaded to the working store, and copied to the archive when the agreement is
-- sealed. body is the segment's JSON.
CREATE TABLE recordings (
	id           TEXT PRIMARY KEY,
	agreement_id TEXT NOT NULL,
	state        TEXT NOT NULL,
	body         TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);
CREATE INDEX recordings_agreement ON recordings(agreement_id);
