package signatures

import (
	"errors"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"b":1, "a":[true,false,null], "c":"x"}`, `{"a":[true,false,null],"b":1,"c":"x"}`},
		{`"<&>\u00e9\u0001\n"`, "\"<&>é\\u0001\\n\""},
		{`{"\u20ac":1,"\r":2,"1":3,"\u0080":4,"ö":5,"\ud83d\ude00":6,"\ufb33":7}`,
			"{\"\\r\":2,\"1\":3,\"\u0080\":4,\"ö\":5,\"€\":1,\"😀\":6,\"\ufb33\":7}"}, // RFC 8785 3.2.3 ordering
		{`-0`, `0`},
		{`9007199254740991`, `9007199254740991`},
		{` { } `, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Canonicalize([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonicalize = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	for _, in := range []string{`{"a":1,"a":2}`, `1.5`, `1e3`, `9007199254740992`, `{} {}`, "\"\xff\"", `{"a":`, `[`} {
		t.Run(in, func(t *testing.T) {
			if _, err := Canonicalize([]byte(in)); !errors.Is(err, ErrCanonical) {
				t.Errorf("Canonicalize(%q) err = %v, want ErrCanonical", in, err)
			}
		})
	}
}
