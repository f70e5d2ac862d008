// Package recording records a live ceremony: every track the SFU forwards is handed to a
// Recorder (it is the SFU's signaling.TrackSink), which writes WebM files without decoding
// or transcoding anything, keeps them safe across crashes, and uploads them to the working
// store with their size and SHA-256 checked.
//
// # Files
//
// One file (a segment) holds what one connection of a participant publishes under one
// source: the camera's VP8 video (track 2) with the microphone's Opus audio (track 1), or
// the screen share on its own. A reconnect starts a new segment, and so does a track that
// becomes ready while a segment runs without it (say the camera starts after the
// microphone). A segment starts when every track has a first frame — video waits for a
// key frame, asking the publisher for one (PLI) until it comes — or 3 s after the first
// track had one, with the tracks that are ready.
//
// Block times come from RTP timestamps, never from summed durations: each track's first
// frame is anchored at its arrival, later frames are placed by their timestamps (a jump of
// more than 5 s from the arrival clock re-anchors the track). The segment's start
// (agreement.Recording.StartedAt) is the wall-clock time of the file's time zero. When the
// sender's RTCP sender reports tie its RTP clock to its wall clock, and that clock agrees
// with the server's within 1.5 s, the start is taken from them (Clock "rtcp-sr": capture
// time, so venues line up by when things happened); otherwise it is the arrival time
// (Clock "arrival"). The start is also the file's DateUTC.
//
// # Bad input
//
// Packets go through a jitter buffer that restores sequence order, drops duplicates and
// packets older than what it released, and waits up to 400 ms for a missing packet (a NACK
// retransmission) before declaring it lost. A video frame with a lost packet is dropped,
// and so is every frame after it until the next key frame, which the recorder asks for: a
// decoder never sees a frame whose reference is missing. Lost audio leaves a gap. An SSRC
// change or a sequence jump restarts the track (video at a key frame); payloads larger
// than 1500 bytes and frames larger than 4 MiB are dropped. The metrics count each case.
//
// # Spool and crashes
//
// Segments are written live-style, as browsers' MediaRecorder writes them: the Segment and
// every Cluster have unknown sizes and a cluster starts at each video key frame (at least a
// second apart) or every 5 s, so a file cut off anywhere plays up to its last complete
// block. Blocks are written to the spool file (DIR/ID.webm) at least every FlushInterval
// (1 s) and fsynced every SyncInterval (2 s): a kill -9 loses at most the last second. The
// metadata (DIR/ID.json) is written atomically beside it. When a segment ends it is
// finalized: anything after the last complete block is cut, Cues pointing at the clusters
// that start with a key frame are appended, the Segment gets its size and the space
// reserved after Info becomes a SeekHead and an Info with the Duration, so the file seeks
// well in browsers. New finalizes what a crashed process left "recording" the same way.
//
// # Upload
//
// Finalized segments are uploaded one at a time to the working store under
// agreements/{agreement}/recordings/{segment}.webm (ObjectKey), streamed (the store uses a
// fixed part size, so memory stays bounded) and hashed on the way. The stored object's
// size and SHA-256 are then checked, and the object is read back and hashed; only then is
// the segment recorded as uploaded in the Catalog and removed from the spool. While the
// store fails, segments stay in the spool and are retried with a backoff doubling from
// MinBackoff to MaxBackoff; Ping reports the backlog (for /readyz) and the metrics
// signroom_recording_upload_backlog and signroom_recording_failures_total{step="upload"}
// show it.
//
// # Closing a ceremony
//
// Finish stops recording one agreement — its open tracks end and tracks that start later
// are not recorded — and returns once all its segments are uploaded (or its context ends:
// the segments stay in the spool and keep uploading). Sealing (package sealing) calls it
// before it archives the segments. Active reports whether an agreement is being recorded
// now, and Config.Notify is told when that changes (the room's recording indicator).
package recording
