package signaling

import "testing"

func TestIsVP8Keyframe(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    bool
	}{
		{"key frame, short descriptor", []byte{0x10, 0x00, 0x9d}, true},
		{"inter frame", []byte{0x10, 0x01}, false},
		{"continuation packet", []byte{0x00, 0x00}, false},
		{"later partition", []byte{0x11, 0x00}, false},
		{"key frame, 15-bit picture id", []byte{0x90, 0x80, 0x81, 0x23, 0x00}, true},
		{"inter frame, 7-bit picture id", []byte{0x90, 0x80, 0x05, 0x01}, false},
		{"key frame, picture id, tl0, tid", []byte{0x90, 0xe0, 0x05, 0x07, 0x40, 0x00}, true},
		{"truncated extension", []byte{0x90, 0x80}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isVP8Keyframe(tt.payload); got != tt.want {
				t.Errorf("isVP8Keyframe(%x) = %v, want %v", tt.payload, got, tt.want)
			}
		})
	}
}

func TestSeqTrackerLoss(t *testing.T) {
	tests := []struct {
		name         string
		seqs         []uint16
		recv, expect uint64
	}{
		{"in order", []uint16{1, 2, 3}, 3, 3},
		{"one lost", []uint16{1, 2, 4}, 3, 4},
		{"wrap", []uint16{65534, 65535, 0, 1}, 4, 4},
		{"wrap with loss", []uint16{65534, 1}, 2, 4},
		{"reordered", []uint16{1, 3, 2}, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s seqTracker
			for _, q := range tt.seqs {
				s.add(q)
			}
			if s.received != tt.recv || s.expected() != tt.expect {
				t.Errorf("received/expected = %d/%d, want %d/%d", s.received, s.expected(), tt.recv, tt.expect)
			}
		})
	}
}
