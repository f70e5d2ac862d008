package server

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"golang.org/x/text/unicode/norm"
)

// Every string a client sends in a JSON body is text a person will read and, for names,
// titles and statements, sign. cleanText normalises each to NFC (so one name has one byte
// form) and refuses what can make text display differently from what is stored: control
// characters (NUL, ESC, DEL, C1) and the bidirectional formatting characters (U+202A–U+202E,
// U+2066–U+2069, U+200E, U+200F, U+061C). Line breaks and tabs are refused too, except in
// fields tagged `validate:"multiline"` (descriptions). Passwords are left as sent.

// unsafeRune reports why r may not appear in client text, or "".
func unsafeRune(r rune, multiline bool) string {
	switch {
	case r == utf8.RuneError:
		return "invalid UTF-8"
	case multiline && (r == '\n' || r == '\t'):
		return ""
	case r == '\n' || r == '\r':
		return "line breaks"
	case unicode.IsControl(r):
		return "control characters"
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return "bidirectional formatting characters"
	}
	return ""
}

// checkText returns why s is refused, or "".
func checkText(s string, multiline bool) string {
	for _, r := range s {
		if why := unsafeRune(r, multiline); why != "" {
			return fmt.Sprintf("must not contain %s (found U+%04X)", why, r)
		}
	}
	return ""
}

// cleanText normalises every string reachable from v (a pointer to a decoded request) to
// NFC and refuses unsafe characters with a 422 naming the fields.
func cleanText(v any) error {
	var fields []fieldError
	walkText(reflect.ValueOf(v), "", false, func(path string, multiline bool, s *string) {
		if why := checkText(*s, multiline); why != "" {
			fields = append(fields, fieldError{Field: path, Message: path + " " + why})
			return
		}
		*s = norm.NFC.String(*s)
	})
	if len(fields) == 0 {
		return nil
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: fields[0].Message, Fields: fields}
}

// walkText calls fn for every settable string in v (struct fields, pointers, map values,
// slice elements), with its JSON path.
func walkText(v reflect.Value, path string, multiline bool, fn func(string, bool, *string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkText(v.Elem(), path, multiline, fn)
		}
	case reflect.String:
		if v.CanSet() {
			s := v.String()
			fn(path, multiline, &s)
			v.SetString(s)
		}
	case reflect.Struct:
		walkStruct(v, path, fn)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkText(v.Index(i), fmt.Sprintf("%s[%d]", path, i), multiline, fn)
		}
	case reflect.Map:
		walkMap(v, path, multiline, fn)
	}
}

func walkStruct(v reflect.Value, path string, fn func(string, bool, *string)) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "password" { // passwords are opaque secrets
			continue
		}
		if name == "" {
			name = f.Name
		}
		if path != "" {
			name = path + "." + name
		}
		walkText(v.Field(i), name, strings.Contains(f.Tag.Get("validate"), "multiline"), fn)
	}
}

// walkMap cleans map values; keys are language tags or ids that validation checks.
func walkMap(v reflect.Value, path string, multiline bool, fn func(string, bool, *string)) {
	if v.Type().Elem().Kind() != reflect.String {
		return
	}
	for _, k := range v.MapKeys() {
		s := v.MapIndex(k).String()
		fn(fmt.Sprintf("%s[%v]", path, k), multiline, &s)
		v.SetMapIndex(k, reflect.ValueOf(s).Convert(v.Type().Elem()))
	}
}

// multilineTag lets a struct tag mark a field whose text may hold line breaks and tabs; the
// check itself is cleanText's.
func multilineTag(validator.FieldLevel) bool { return true }
