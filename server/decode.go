package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/signroom/signroom/agreement"
)

// decode reads one JSON value from the request body into v, strictly: at most MaxJSONBytes,
// no unknown fields, nothing after the value; then validates v's struct tags. Problems come
// back as API errors in plain words.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := decodeJSON(w, r, v); err != nil {
		return err
	}
	return s.check(v)
}

// decodeJSON is decode without the validation.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeJSONLimit(w, r, v, MaxJSONBytes)
}

// decodeJSONLimit is decodeJSON for a body of at most limit bytes.
func decodeJSONLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "the request body must be application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return badRequest("the request body must hold exactly one JSON value")
	}
	return nil
}

func badRequest(msg string, fields ...fieldError) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: msg, Fields: fields}
}

// jsonError explains a decoding failure.
func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
		tpe *time.ParseError
	)
	switch {
	case errors.Is(err, io.EOF):
		return badRequest("the request body must be a JSON object")
	case errors.As(err, &mbe):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Message: fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit)}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the request body is not valid JSON")
	case errors.As(err, &typ):
		f := typ.Field
		if f == "" {
			return badRequest("the request body must be a JSON object")
		}
		msg := fmt.Sprintf("%s must be %s", f, kindName(typ.Type))
		return badRequest(msg, fieldError{Field: f, Message: msg})
	case errors.As(err, &tpe):
		return badRequest("a time must be written as RFC 3339, e.g. 2020-05-29T10:00:00+09:00")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(fmt.Sprintf("unknown field %q", f), fieldError{Field: f, Message: "is not a known field"})
	}
	return badRequest("the request body could not be read as JSON")
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	if t == reflect.TypeOf(time.Time{}) {
		return "an RFC 3339 time"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return "of another type"
}

// newValidator returns a validator that names fields by their JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	_ = v.RegisterValidation("iana_tz", isIANAZone)
	_ = v.RegisterValidation("multiline", multilineTag)
	_ = v.RegisterValidation("username", func(fl validator.FieldLevel) bool { return agreement.ValidUsername(fl.Field().String()) == nil })
	_ = v.RegisterValidation("staff_role", func(fl validator.FieldLevel) bool {
		switch fl.Field().String() {
		case "admin", "organizer", "legal", "archivist":
			return true
		}
		return false
	})
	return v
}

// isIANAZone accepts names of the IANA time zone database ("Asia/Seoul", "UTC"), not "Local".
func isIANAZone(fl validator.FieldLevel) bool {
	name := fl.Field().String()
	if name == "" || name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// check normalises v's text and refuses unsafe characters (cleanText), then validates v's
// struct tags and translates the problems into plain words.
func (s *Server) check(v any) error {
	if err := cleanText(v); err != nil {
		return err
	}
	err := s.validate.Struct(v)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := make([]fieldError, 0, len(verrs))
	for _, fe := range verrs {
		name := fieldName(fe)
		fields = append(fields, fieldError{Field: name, Message: name + " " + problem(fe), Rule: fe.Tag(), Param: fe.Param()})
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: fields[0].Message, Fields: fields}
}

// fieldName is the JSON path of the field without the Go struct's name: "title[ko]".
func fieldName(fe validator.FieldError) string {
	ns := fe.Namespace()
	if i := strings.IndexByte(ns, '.'); i >= 0 {
		ns = ns[i+1:]
	}
	return ns
}

func problem(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required", "required_if":
		return "is required"
	case "min", "gte":
		return minMax("at least", p, fe.Kind())
	case "max", "lte":
		return minMax("at most", p, fe.Kind())
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(p, " ", ", ")
	case "iso3166_1_alpha2":
		return "must be a 2-letter ISO country code such as KR or CN"
	case "iana_tz":
		return "must be an IANA time zone such as Asia/Seoul"
	case "bcp47_language_tag":
		return "must be a language tag such as ko, zh or en"
	case "username":
		return "must be " + agreement.UsernameRule
	case "staff_role":
		return "must be one of: admin, organizer, legal, archivist"
	case "alphanum":
		return "may hold only letters and digits"
	case "printascii":
		return "may hold only printable ASCII characters"
	case "unique":
		return "must not repeat a value"
	}
	return "is not valid"
}

func minMax(bound, p string, k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "must be " + bound + " " + p + " characters long"
	case reflect.Map, reflect.Slice, reflect.Array:
		return "must have " + bound + " " + p + " entries"
	}
	return "must be " + bound + " " + p
}
