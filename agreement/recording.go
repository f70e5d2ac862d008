package agreement

import "time"

// RecordingState is how far a recorded segment got on its way to the archive.
type RecordingState string

// Recording states, in order: written to the local spool; complete and finalized (Cues and
// duration added); uploaded to the working store with its size and SHA-256 checked; copied
// to the archive under retention when the agreement was sealed. A segment the recorder
// could not keep (no media in it) is discarded.
const (
	RecordingActive    RecordingState = "recording"
	RecordingFinalized RecordingState = "finalized"
	RecordingUploaded  RecordingState = "uploaded"
	RecordingArchived  RecordingState = "archived"
	RecordingDiscarded RecordingState = "discarded"
)

// Recording is one recorded segment: a WebM file holding one participant's camera and
// microphone (or screen share) from one connection. A reconnect, or a track that joins
// later, starts a new segment.
type Recording struct {
	ID            string
	AgreementID   string
	ParticipantID string
	Source        string   // "camera" (camera and microphone) or "screen"
	Kinds         []string // "audio", "video": the tracks the file holds
	// StartedAt is the wall-clock time of the file's time zero. Clock says where it came
	// from: "rtcp-sr" (the sender's RTCP sender reports, mapped to the server's clock) or
	// "arrival" (when the first packets reached the server).
	StartedAt  time.Time
	Clock      string
	DurationMS int64
	Frames     map[string]int64 // per kind, counted when finalized
	Size       int64
	SHA256     string
	State      RecordingState
	ObjectKey  string // in the working store once uploaded
	ArchiveKey string // in the archive once sealed
	// ArchiveVersion is the archive's version of ArchiveKey that holds the sealed bytes
	// ("" for segments archived before versions were recorded: the current version).
	ArchiveVersion string
	Error          string // why it was discarded
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FinalizedAt    time.Time
}

// Done reports whether the segment needs nothing more before sealing: uploaded, archived or
// discarded.
func (r Recording) Done() bool {
	return r.State == RecordingUploaded || r.State == RecordingArchived || r.State == RecordingDiscarded
}
