// Package archive is what archivists, legal staff and administrators do with sealed records:
// find them (Search), place and lift legal holds on every archived object of a record (Holds),
// check the archived objects against their sealed manifests (Fixity), rebuild the metadata
// database from the archive bucket alone (Reindex), and read a record whole (Records.Record),
// play its recordings through short-lived signed media URLs (Records.Playback, MediaSigner)
// and export it with its recordings as one streamed BagIt ZIP (Records.PrepareExport). It is
// driven by the HTTP server, the signroom command and background jobs alike, and knows
// neither HTTP nor SQL: the metadata store and the object stores are interfaces.
//
// # Search
//
// Free text is matched as substrings (SQLite FTS5's trigram tokenizer in storage/sqlite), so a
// Chinese phrase, which has no spaces, and a Korean word followed by a particle are found. The
// text is split into terms on spaces (a quoted "phrase" is one term); a record matches when
// every term occurs in its own text (titles, descriptions, parties, venues, participants,
// document file names) or in one of its documents' page text. Terms of one or two characters
// cannot use the trigram index and are matched by a scan, which is slower but still exact.
package archive
