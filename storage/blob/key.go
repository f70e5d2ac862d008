package blob

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Key limits shared by every store.
const (
	MaxKeyLen     = 1024 // bytes, S3's limit
	maxSegmentLen = 255  // bytes, a file name's limit on common file systems
	reservedStart = ".signroom"
)

// ValidateKey reports whether key is acceptable to every store, wrapping
// ErrInvalidKey if not. A key is 1 to MaxKeyLen bytes of valid UTF-8 without
// control characters or backslashes, made of "/"-separated segments that are
// non-empty, at most 255 bytes, and not "." or ".."; so it has no leading,
// trailing or doubled slash. The first segment must not start with
// ".signroom" (reserved for staging).
func ValidateKey(key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, err)
	}
	return nil
}

func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("empty")
	case len(key) > MaxKeyLen:
		return fmt.Errorf("longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(key):
		return fmt.Errorf("not valid UTF-8")
	case strings.HasPrefix(key, reservedStart):
		return fmt.Errorf("reserved prefix %s", reservedStart)
	}
	for _, r := range key {
		if unicode.IsControl(r) || r == '\\' {
			return fmt.Errorf("control character or backslash")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := checkSegment(seg); err != nil {
			return err
		}
	}
	return nil
}

func checkSegment(seg string) error {
	switch {
	case seg == "":
		return fmt.Errorf("empty segment (leading, trailing or double slash)")
	case seg == "." || seg == "..":
		return fmt.Errorf("dot segment")
	case len(seg) > maxSegmentLen:
		return fmt.Errorf("segment longer than %d bytes", maxSegmentLen)
	}
	return nil
}

// validatePrefix checks a List prefix: empty, or a key prefix whose complete
// segments are valid (the last segment may be partial or empty).
func validatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	i := strings.LastIndexByte(prefix, '/')
	if i < 0 {
		if strings.ContainsRune(prefix, 0) || !utf8.ValidString(prefix) {
			return fmt.Errorf("%w: prefix %q", ErrInvalidKey, prefix)
		}
		return nil
	}
	if err := checkKey(prefix[:i]); err != nil {
		return fmt.Errorf("%w: prefix %q: %s", ErrInvalidKey, prefix, err)
	}
	if strings.ContainsRune(prefix[i+1:], 0) || !utf8.ValidString(prefix[i+1:]) {
		return fmt.Errorf("%w: prefix %q", ErrInvalidKey, prefix)
	}
	return nil
}
