package qrsvg

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fromSVG reads the module grid back from an SVG that SVG wrote.
func fromSVG(t *testing.T, svg string) [][]bool {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if m == nil || m[1] != m[2] {
		t.Fatalf("no square viewBox in %.80s", svg)
	}
	n, _ := strconv.Atoi(m[1])
	grid := make([][]bool, n)
	for i := range grid {
		grid[i] = make([]bool, n)
	}
	for _, r := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		for i := x; i < x+w; i++ {
			grid[y][i] = true
		}
	}
	return grid
}

// finder reports whether the 7x7 finder pattern starts at (x, y): a dark ring, a light ring
// and a dark 3x3 centre.
func finder(g [][]bool, x, y int) bool {
	for dy := 0; dy < 7; dy++ {
		for dx := 0; dx < 7; dx++ {
			ring := max(abs(dx-3), abs(dy-3))
			if g[y+dy][x+dx] != (ring != 2) {
				return false
			}
		}
	}
	return true
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestSVGDrawsTheSymbol(t *testing.T) {
	link := "https://signroom.example/app/join.html#token=" + strings.Repeat("eyJhbGciOiJFZERTQSJ9.", 28)
	tests := []struct {
		name, text  string
		minV, maxV  int // the version range the text needs at level M
		wantModules int // 0: only check the range
	}{
		{"short", "HELLO", 1, 1, 21 + 8},
		{"invitation link", link, 14, 20, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := SVG(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			got := fromSVG(t, svg)
			want, _ := Grid(tt.text)
			n := len(got)
			if tt.wantModules != 0 && n != tt.wantModules {
				t.Errorf("size = %d modules, want %d", n, tt.wantModules)
			}
			if v := (n - 8 - 17) / 4; v < tt.minV || v > tt.maxV {
				t.Errorf("version = %d, want %d..%d", v, tt.minV, tt.maxV)
			}
			for y := range want {
				for x := range want[y] {
					if got[y][x] != want[y][x] {
						t.Fatalf("module (%d,%d) = %v in the SVG, %v in the symbol", x, y, got[y][x], want[y][x])
					}
				}
			}
			for _, c := range [][2]int{{4, 4}, {n - 11, 4}, {4, n - 11}} {
				if !finder(got, c[0], c[1]) {
					t.Errorf("no finder pattern at %v", c)
				}
			}
			for i := 0; i < n; i++ {
				if got[0][i] || got[i][0] || got[3][i] || got[n-1][i] {
					t.Fatalf("dark module in the quiet zone near %d", i)
				}
			}
		})
	}
}

func TestTooLongIsRefused(t *testing.T) {
	if _, err := SVG(strings.Repeat("x", 3000)); err == nil {
		t.Fatal("3000 bytes encoded; want an error (version 40-M holds 2331)")
	}
}

func TestDataURL(t *testing.T) {
	u, err := DataURL("HELLO")
	if err != nil {
		t.Fatal(err)
	}
	b64, ok := strings.CutPrefix(u, "data:image/svg+xml;base64,")
	if !ok {
		t.Fatalf("url = %.40s, want an SVG data URL", u)
	}
	svg, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !strings.HasPrefix(string(svg), "<svg ") {
		t.Fatalf("decoded %q, %v; want the SVG", svg[:min(20, len(svg))], err)
	}
}

func BenchmarkSVGInvitationLink(b *testing.B) {
	link := "https://signroom.example/app/join.html#token=" + strings.Repeat("eyJhbGciOiJFZERTQSJ9.", 28)
	for b.Loop() {
		if _, err := SVG(link); err != nil {
			b.Fatal(err)
		}
	}
}
