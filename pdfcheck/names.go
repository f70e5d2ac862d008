package pdfcheck

import (
	"strconv"
)

// activeNames are the PDF names that make a document act rather than show: scripts,
// actions that launch programs, submit or import data, additional (event) actions,
// embedded files, rich media and XFA forms.
var activeNames = map[string]string{
	"JavaScript": "JavaScript", "JS": "JavaScript", "Launch": "a launch action",
	"SubmitForm": "a submit-form action", "ImportData": "an import-data action", "GoToE": "a go-to-embedded action",
	"AA": "additional (event) actions", "EmbeddedFile": "embedded files", "EmbeddedFiles": "embedded files",
	"RichMedia": "rich media", "XFA": "an XFA form",
}

// names tokenizes PDF syntax just enough to see its names: strings and comments are
// skipped, #xx escapes in names decoded.
func (s *scanner) names(b []byte) { s.namesFrom(b, 0) }

// namesFrom is names, recording only the names that start at or after from (the bytes
// before it were seen already).
func (s *scanner) namesFrom(b []byte, from int) {
	prev := ""
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '(':
			i = skipLiteral(b, i)
		case '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case '<':
			if i+1 < len(b) && b[i+1] != '<' {
				for i < len(b) && b[i] != '>' {
					i++
				}
			} else {
				i++
			}
		case '/':
			var n string
			at := i
			n, i = readName(b, i+1)
			if at >= from {
				s.name(prev, n, b[i:])
			}
			prev = n
		}
	}
}

// name records what one name means: a page, active content, encryption.
func (s *scanner) name(prev, n string, rest []byte) {
	if what, ok := activeNames[n]; ok {
		s.active = append(s.active, what)
	}
	switch {
	case prev == "Type" && n == "Page":
		s.rep.Pages++
	case n == "Encrypt":
		s.encrypted = true
	case n == "OpenAction" && startsDict(rest):
		s.active = append(s.active, "an action run on opening")
	}
}

// startsDict reports whether the next token is "<<".
func startsDict(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\r', '\n', '\f', 0:
			continue
		}
		return b[i] == '<' && b[i+1] == '<'
	}
	return false
}

// readName reads a name starting at i (after the slash) and returns it decoded and the
// index of its last byte.
func readName(b []byte, i int) (string, int) {
	var out []byte
	for ; i < len(b); i++ {
		c := b[i]
		if isDelim(c) {
			break
		}
		if c == '#' && i+2 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, c)
	}
	return string(out), i - 1
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', 0, '/', '<', '>', '[', ']', '(', ')', '{', '}', '%':
		return true
	}
	return false
}

// skipLiteral returns the index of the parenthesis closing the literal string at i.
func skipLiteral(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return i
}
