package recording

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// arrival is a packet's sequence number and arrival (ms after the start).
type arrival struct {
	seq uint16
	at  int
}

// describe renders released events: sequence numbers, "L<n>" for n lost, "L?" for a jump.
func describe(evs []jitterEvent) string {
	var parts []string
	for _, e := range evs {
		switch {
		case e.pkt != nil:
			parts = append(parts, fmt.Sprint(e.pkt.seq))
		case e.lost < 0:
			parts = append(parts, "L?")
		default:
			parts = append(parts, fmt.Sprintf("L%d", e.lost))
		}
	}
	return strings.Join(parts, " ")
}

func TestJitterBuffer(t *testing.T) {
	tests := []struct {
		name  string
		in    []arrival
		tick  int // ms: a tick after the last packet, 0 for none
		flush bool
		want  string
	}{
		{"in order", []arrival{{10, 0}, {11, 150}, {12, 160}}, 0, false, "10 11 12"},
		{"reordered at the start", []arrival{{11, 0}, {10, 20}, {12, 30}}, 200, false, "10 11 12"},
		{"reordered, filled in time", []arrival{{1, 0}, {3, 200}, {2, 300}, {4, 310}}, 0, false, "1 2 3 4"},
		{"lost after the delay", []arrival{{1, 0}, {3, 200}, {4, 700}}, 0, false, "1 L1 3 4"},
		{"lost, released by tick", []arrival{{1, 0}, {3, 200}}, 700, false, "1 L1 3"},
		{"duplicate", []arrival{{1, 0}, {2, 150}, {2, 160}, {3, 170}}, 0, false, "1 2 3"},
		{"late after loss declared", []arrival{{1, 0}, {3, 200}, {4, 700}, {2, 710}}, 0, false, "1 L1 3 4"},
		{"wraps around", []arrival{{65534, 0}, {65535, 150}, {0, 160}, {1, 170}}, 0, false, "65534 65535 0 1"},
		{"jump ahead", []arrival{{1, 0}, {2, 150}, {5000, 160}, {5001, 170}}, 0, false, "1 2 L? 5000 5001"},
		{"jump back", []arrival{{5000, 0}, {5001, 150}, {7, 160}, {8, 170}}, 0, false, "5000 5001 L? 7 8"},
		{"flush reports gaps", []arrival{{1, 0}, {4, 150}, {6, 160}}, 0, true, "1 L2 4 L1 6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := newJitterBuffer(64, 400*time.Millisecond)
			base := time.Unix(1000, 0)
			var out []jitterEvent
			drop := func(*packet) {}
			last := 0
			for _, a := range tc.in {
				p := &packet{seq: a.seq, arrival: base.Add(time.Duration(a.at) * time.Millisecond)}
				out = j.push(p, out, drop)
				last = a.at
			}
			if tc.tick > 0 {
				out = j.tick(base.Add(time.Duration(last+tc.tick)*time.Millisecond), out, drop)
			}
			if tc.flush {
				out = j.flush(out)
			}
			if got := describe(out); got != tc.want {
				t.Errorf("released %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVP8Descriptor(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		n     int
		start bool
		ok    bool
	}{
		{"minimal start", []byte{0x10, 0xAA}, 1, true, true},
		{"continuation", []byte{0x00, 0xAA}, 1, false, true},
		{"partition 1", []byte{0x11, 0xAA}, 1, false, true},
		{"7-bit picture id", []byte{0x90, 0x80, 0x05, 0xAA}, 3, true, true},
		{"15-bit picture id", []byte{0x90, 0x80, 0x85, 0x01, 0xAA}, 4, true, true},
		{"every extension", []byte{0x90, 0xF0, 0x85, 0x01, 0x02, 0x03, 0xAA}, 6, true, true},
		{"empty", nil, 0, false, false},
		{"header only", []byte{0x10}, 0, false, false},
		{"truncated extension", []byte{0x90}, 0, false, false},
		{"truncated picture id", []byte{0x90, 0x80}, 0, false, false},
	}
	for _, tc := range tests {
		n, start, ok := vp8Descriptor(tc.in)
		if n != tc.n || start != tc.start || ok != tc.ok {
			t.Errorf("%s: got (%d, %v, %v), want (%d, %v, %v)", tc.name, n, start, ok, tc.n, tc.start, tc.ok)
		}
	}
}

func TestVP8Assembler(t *testing.T) {
	key := []byte{0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	inter := []byte{0x10, 0x01, 0x02}
	cont := []byte{0x00, 0x07, 0x08}
	var got []string
	a := &vp8Assembler{}
	emit := func(f frame) { got = append(got, fmt.Sprintf("%d:%v:%d", f.ts, f.keyframe, len(f.data))) }
	pkt := func(ts uint32, marker bool, payload []byte) *packet {
		return &packet{ts: ts, marker: marker, payload: payload}
	}
	a.packet(pkt(1, true, key), emit)    // a one-packet key frame
	a.packet(pkt(2, false, inter), emit) // a two-packet frame
	a.packet(pkt(2, true, cont), emit)   //
	a.packet(pkt(3, false, inter), emit) // a frame that loses its second packet
	a.lost()                             //
	a.packet(pkt(3, true, cont), emit)   //
	a.packet(pkt(4, false, cont), emit)  // a frame whose start was lost
	a.packet(pkt(5, false, inter), emit) // a frame ended by the next timestamp
	a.packet(pkt(6, true, inter), emit)  //
	want := []string{"1:true:10", "2:false:4", "5:false:2", "6:false:2"}
	if !slices.Equal(got, want) {
		t.Errorf("frames %v, want %v", got, want)
	}
	if w, h := vp8Size(key[1:]); w != 320 || h != 240 {
		t.Errorf("key frame size %dx%d, want 320x240", w, h)
	}
}
