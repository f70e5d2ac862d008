//go:build !race

package server

// raceDetector is true in a -race build, where the page renderer (PDFium in wazero) runs
// tens of times slower and heap samples are no longer representative.
const raceDetector = false
