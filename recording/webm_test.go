package recording

import (
	"bytes"
	"testing"

	"github.com/at-wat/ebml-go"
)

// TestWriteSimpleBlock: the hand-written SimpleBlock reads back with ebml-go as the block it
// was given, for frame sizes on either side of each size-length boundary.
func TestWriteSimpleBlock(t *testing.T) {
	tests := []struct {
		size  int
		track uint64
		tc    int16
		key   bool
	}{
		{0, audioTrack, 0, true}, {1, videoTrack, -5, false}, {122, audioTrack, 32767, true}, {123, videoTrack, -32768, true},
		{124, audioTrack, 1, false}, {16378, videoTrack, 1000, true}, {16379, videoTrack, 2, false}, {16380, audioTrack, 3, true},
		{1<<21 - 6, videoTrack, 4, true}, {1<<21 - 5, videoTrack, 5, false}, {4 << 20, videoTrack, 6, true},
	}
	for _, tt := range tests {
		data := bytes.Repeat([]byte{0x5a}, tt.size)
		var b bytes.Buffer
		writeSimpleBlock(&b, tt.track, tt.tc, tt.key, data)
		var got struct {
			Block ebml.Block `ebml:"SimpleBlock"`
		}
		if err := ebml.Unmarshal(bytes.NewReader(b.Bytes()), &got); err != nil {
			t.Fatalf("size %d: read back: %v", tt.size, err)
		}
		g := got.Block
		if g.TrackNumber != tt.track || g.Timecode != tt.tc || g.Keyframe != tt.key || len(g.Data) != 1 || !bytes.Equal(g.Data[0], data) {
			t.Errorf("size %d: read back track %d, time %d, key %v, %d frames; want track %d, time %d, key %v, the frame",
				tt.size, g.TrackNumber, g.Timecode, g.Keyframe, len(g.Data), tt.track, tt.tc, tt.key)
		}
	}
}
