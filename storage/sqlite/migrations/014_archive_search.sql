-- Archive search (package archive): a full-text index over each agreement's own text (titles,
-- descriptions, parties, venues, participants, document file names) and its documents' page
-- text, with the trigram tokenizer so Chinese phrases and Korean words inside longer words
-- (a noun with its particle) are found as substrings. search_rows maps each indexed text to
-- its agreement; its rowid is the text's rowid in search_text. The triggers below keep the
-- agreement's own text current on every insert and update of agreements, and drop the page
-- text of documents no longer in the agreement; page text is added by IndexPages.
CREATE TABLE search_rows (
	rowid        INTEGER PRIMARY KEY,
	agreement_id TEXT NOT NULL,
	kind         TEXT NOT NULL,             -- 'meta' (the agreement's own text) or 'page'
	document_id  TEXT NOT NULL DEFAULT '',
	page         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX search_rows_agreement ON search_rows(agreement_id, kind, document_id);
CREATE VIRTUAL TABLE search_text USING fts5(body, tokenize = 'trigram');

-- The agreement's own searchable text, from its JSON body.
CREATE VIEW search_meta AS
SELECT a.id AS agreement_id,
	a.id || char(10) || coalesce((SELECT group_concat(t.value, char(10)) FROM json_tree(a.body) t
		WHERE t.type = 'text' AND (t.fullkey LIKE '$.Title.%' OR t.fullkey LIKE '$.Description.%'
			OR t.fullkey LIKE '$.Parties[%].Name.%' OR t.fullkey LIKE '$.Venues[%].Name.%'
			OR t.fullkey LIKE '$.Venues[%].Place' OR t.fullkey LIKE '$.Participants[%].Name'
			OR t.fullkey LIKE '$.Participants[%].Title' OR t.fullkey LIKE '$.Documents[%].Filename')), '') AS body
FROM agreements a;

CREATE TRIGGER agreements_search_insert AFTER INSERT ON agreements
BEGIN
	INSERT INTO search_rows(agreement_id, kind) VALUES (new.id, 'meta');
	INSERT INTO search_text(rowid, body) SELECT last_insert_rowid(), body FROM search_meta WHERE agreement_id = new.id;
END;

CREATE TRIGGER agreements_search_update AFTER UPDATE OF body ON agreements
BEGIN
	DELETE FROM search_text WHERE rowid IN (SELECT rowid FROM search_rows WHERE agreement_id = new.id
		AND (kind = 'meta' OR (kind = 'page' AND document_id NOT IN
			(SELECT json_extract(d.value, '$.ID') FROM json_each(new.body, '$.Documents') d))));
	DELETE FROM search_rows WHERE agreement_id = new.id
		AND (kind = 'meta' OR (kind = 'page' AND document_id NOT IN
			(SELECT json_extract(d.value, '$.ID') FROM json_each(new.body, '$.Documents') d)));
	INSERT INTO search_rows(agreement_id, kind) VALUES (new.id, 'meta');
	INSERT INTO search_text(rowid, body) SELECT last_insert_rowid(), body FROM search_meta WHERE agreement_id = new.id;
END;

-- Index what existed before this migration.
INSERT INTO search_rows(rowid, agreement_id, kind) SELECT NULL, id, 'meta' FROM agreements;
INSERT INTO search_text(rowid, body) SELECT r.rowid, m.body FROM search_rows r JOIN search_meta m ON m.agreement_id = r.agreement_id;

-- Legal holds placed on sealed records (package archive); the archive objects carry the
-- object store's own legal hold, this table lets search filter on it and the record show it.
CREATE TABLE legal_holds (
	agreement_id TEXT PRIMARY KEY REFERENCES agreements(id),
	placed_at    TEXT NOT NULL,
	placed_by    TEXT NOT NULL,
	reason       TEXT NOT NULL
);
