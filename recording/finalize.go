package recording

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/at-wat/ebml-go"
)

// ErrNoMedia is returned when a spool file holds no complete media block.
var ErrNoMedia = errors.New("recording holds no media")

// lastFrameMillis is added to the last block's time for the file's duration.
const lastFrameMillis = 20

// clusterRef is a cluster found by scanning: its offset, timecode and whether it starts
// with a key frame of the track cues point to.
type clusterRef struct {
	pos   int64
	tc    int64
	first uint64 // track of the first block
	key   bool
}

// webmLayout is what a scan of a spool file found.
type webmLayout struct {
	segData   int64
	tracksPos int64
	end       int64 // end of the last complete element
	clusters  []clusterRef
	lastMs    int64
	frames    map[uint64]int64
	tracks    map[uint64]bool
}

// scanWebM walks a file this package wrote, which may have been cut off anywhere, and
// finds its layout up to the last complete element. A Cues element (from an earlier
// finalization) ends the scan, so finalizing twice gives the same file.
func scanWebM(f *os.File) (*webmLayout, error) {
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	e := &ebmlReader{r: bufio.NewReaderSize(f, 64<<10)}
	l := &webmLayout{frames: map[uint64]int64{}, tracks: map[uint64]bool{}, lastMs: -1}
	if err := l.scanHead(e); err != nil {
		return nil, err
	}
	err := l.scanBody(e)
	if err != nil && !errors.Is(err, errTruncated) {
		return nil, err
	}
	if len(l.tracks) == 0 || l.lastMs < 0 {
		return nil, ErrNoMedia
	}
	return l, nil
}

// scanHead reads the EBML header and the Segment's header.
func (l *webmLayout) scanHead(e *ebmlReader) error {
	h, err := e.header()
	if err != nil || h.id != idEBML || h.size < 0 {
		return fmt.Errorf("%w: no EBML header", ErrNoMedia)
	}
	if err := e.skip(h.size); err != nil {
		return fmt.Errorf("%w: EBML header cut off", ErrNoMedia)
	}
	h, err = e.header()
	if err != nil || h.id != idSegment || h.size >= 0 {
		return fmt.Errorf("%w: no segment", ErrNoMedia)
	}
	l.segData = h.data
	return nil
}

// scanBody reads the Segment's children and each cluster's blocks.
func (l *webmLayout) scanBody(e *ebmlReader) error {
	var cl *clusterRef
	for {
		h, err := e.header()
		if err != nil {
			return err
		}
		switch {
		case h.id == idCues:
			return nil
		case h.id == idCluster && h.size < 0:
			l.clusters = append(l.clusters, clusterRef{pos: h.start, tc: -1})
			cl = &l.clusters[len(l.clusters)-1]
			continue // complete once its Timecode is read
		case h.size < 0:
			return fmt.Errorf("unexpected unknown-size element %x at %d", h.id, h.start)
		}
		if err := l.element(e, h, cl); err != nil {
			return err
		}
		l.end = e.pos
	}
}

func (l *webmLayout) element(e *ebmlReader, h elementHeader, cl *clusterRef) error {
	switch h.id {
	case idTracks:
		l.tracksPos = h.start
		b, err := e.read(h.size)
		if err != nil {
			return err
		}
		return l.parseTracks(b)
	case idTimecode:
		if cl == nil {
			return errors.New("timecode outside a cluster")
		}
		b, err := e.read(h.size)
		cl.tc = readUint(b)
		return err
	case idSimpleBlock:
		if cl == nil || cl.tc < 0 {
			return errors.New("block outside a cluster")
		}
		return l.block(e, h, cl)
	}
	return e.skip(h.size)
}

func (l *webmLayout) parseTracks(b []byte) error {
	var t struct {
		TrackEntry []struct {
			TrackNumber uint64 `ebml:"TrackNumber"`
		} `ebml:"TrackEntry"`
	}
	if err := ebml.Unmarshal(bytes.NewReader(b), &t); err != nil {
		return fmt.Errorf("tracks: %w", err)
	}
	for _, te := range t.TrackEntry {
		l.tracks[te.TrackNumber] = true
	}
	return nil
}

// block reads a SimpleBlock's track, relative timecode and flags and skips its data.
func (l *webmLayout) block(e *ebmlReader, h elementHeader, cl *clusterRef) error {
	track, _, err := e.vint(false)
	if err != nil {
		return err
	}
	head, err := e.read(3)
	if err != nil {
		return err
	}
	if err := e.skip(h.data + h.size - e.pos); err != nil {
		return err
	}
	t := cl.tc + int64(int16(uint16(head[0])<<8|uint16(head[1])))
	if cl.first == 0 {
		cl.first, cl.key = track, head[2]&0x80 != 0
	}
	l.frames[track]++
	l.lastMs = max(l.lastMs, t)
	return nil
}

// cueTrack is the track cues point to: video when the file has it.
func (l *webmLayout) cueTrack() uint64 {
	if l.tracks[videoTrack] {
		return videoTrack
	}
	return audioTrack
}

// durationMillis is the file's duration: the last block's time plus one frame.
func (l *webmLayout) durationMillis() int64 { return l.lastMs + lastFrameMillis }

// finalizeWebM makes a complete spool file (or one cut off by a crash) a finished WebM: it
// drops anything after the last complete element, appends Cues pointing at the clusters
// that start with a key frame, and rewrites the space before
// Tracks as a SeekHead and an Info carrying the duration and start (DateUTC). It returns
// the layout it found.
func finalizeWebM(path string, start time.Time) (*webmLayout, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l, err := scanWebM(f)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", path, err)
	}
	if err := f.Truncate(l.end); err != nil {
		return nil, err
	}
	cues, err := l.cues()
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteAt(cues, l.end); err != nil {
		return nil, err
	}
	cuesPos := l.end
	if err := l.patchHead(f, start, cuesPos, l.end+int64(len(cues))); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	return l, f.Close()
}

type cueTrackPosition struct {
	CueTrack           uint64 `ebml:"CueTrack"`
	CueClusterPosition uint64 `ebml:"CueClusterPosition"`
}

type cuePoint struct {
	CueTime           uint64           `ebml:"CueTime"`
	CueTrackPositions cueTrackPosition `ebml:"CueTrackPositions"`
}

func (l *webmLayout) cues() ([]byte, error) {
	track := l.cueTrack()
	var c struct {
		Cues struct {
			CuePoint []cuePoint `ebml:"CuePoint"`
		} `ebml:"Cues"`
	}
	for _, cl := range l.clusters {
		if cl.tc < 0 || (track == videoTrack && (cl.first != videoTrack || !cl.key)) {
			continue
		}
		c.Cues.CuePoint = append(c.Cues.CuePoint, cuePoint{CueTime: uint64(cl.tc),
			CueTrackPositions: cueTrackPosition{CueTrack: track, CueClusterPosition: uint64(cl.pos - l.segData)}})
	}
	if len(c.Cues.CuePoint) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	if err := ebml.Marshal(&c, &b); err != nil {
		return nil, fmt.Errorf("webm cues: %w", err)
	}
	return b.Bytes(), nil
}

type seek struct {
	SeekID       []byte  `ebml:"SeekID"`
	SeekPosition *uint64 `ebml:"SeekPosition,size=8"`
}

// patchHead replaces [segData, tracksPos) with SeekHead, Info and Void. The Segment keeps
// its unknown size: its clusters have unknown sizes, which a sized parent may not hold.
func (l *webmLayout) patchHead(f *os.File, start time.Time, cuesPos, end int64) error {
	room := int(l.tracksPos - l.segData)
	var info bytes.Buffer
	if err := marshalInfo(&info, start, float64(l.durationMillis())); err != nil {
		return err
	}
	head, err := l.seekHead(int64(0), cuesPos, end > cuesPos)
	if err != nil {
		return err
	}
	infoRel := int64(len(head))
	if head, err = l.seekHead(infoRel, cuesPos, end > cuesPos); err != nil {
		return err
	}
	region := append(head, info.Bytes()...)
	if len(region)+2 > room { // no room for the SeekHead: Info alone
		region = info.Bytes()
	}
	if len(region)+2 > room {
		return fmt.Errorf("webm header region of %d bytes cannot hold Info", room)
	}
	region = append(region, voidElement(room-len(region))...)
	_, err = f.WriteAt(region, l.segData)
	return err
}

func (l *webmLayout) seekHead(infoRel, cuesPos int64, hasCues bool) ([]byte, error) {
	pos := func(v int64) *uint64 { u := uint64(v); return &u }
	var s struct {
		SeekHead struct {
			Seek []seek `ebml:"Seek"`
		} `ebml:"SeekHead"`
	}
	s.SeekHead.Seek = []seek{
		{SeekID: []byte{0x15, 0x49, 0xA9, 0x66}, SeekPosition: pos(infoRel)},
		{SeekID: []byte{0x16, 0x54, 0xAE, 0x6B}, SeekPosition: pos(l.tracksPos - l.segData)},
	}
	if hasCues {
		s.SeekHead.Seek = append(s.SeekHead.Seek, seek{SeekID: []byte{0x1C, 0x53, 0xBB, 0x6B}, SeekPosition: pos(cuesPos - l.segData)})
	}
	var b bytes.Buffer
	if err := ebml.Marshal(&s, &b); err != nil {
		return nil, fmt.Errorf("webm seek head: %w", err)
	}
	return b.Bytes(), nil
}
