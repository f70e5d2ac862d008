package frontend

import (
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var catalogLangs = []string{"ko", "zh", "en"}

func loadCatalogs(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, lang := range catalogLangs {
		b, err := files.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		out[lang] = m
	}
	return out
}

// TestCatalogsHaveTheSameKeys checks ko, zh and en define exactly the same keys, none empty,
// with the same {placeholders}.
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	cats := loadCatalogs(t)
	placeholder := regexp.MustCompile(`\{\w+\}`)
	for key, en := range cats["en"] {
		want := placeholder.FindAllString(en, -1)
		slices.Sort(want)
		for _, lang := range catalogLangs {
			s, ok := cats[lang][key]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s.json: key %q missing or empty", lang, key)
				continue
			}
			got := placeholder.FindAllString(s, -1)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s.json %q placeholders = %v, want %v (as in en)", lang, key, got, want)
			}
		}
	}
	for _, lang := range catalogLangs {
		if len(cats[lang]) != len(cats["en"]) {
			t.Errorf("%s.json has %d keys, en.json %d", lang, len(cats[lang]), len(cats["en"]))
		}
	}
}

// translatable lists the attributes that must come from a catalog (data-i18n-ATTR).
var translatable = []string{"placeholder", "title", "aria-label", "alt"}

// TestPagesHaveNoHardCodedText parses every HTML page: text may only appear inside an
// element marked data-i18n (filled from the catalog), translatable attributes only through
// data-i18n-*, and every key used must exist in the catalog.
func TestPagesHaveNoHardCodedText(t *testing.T) {
	cats := loadCatalogs(t)
	pages := htmlFiles(t)
	if len(pages) < 2 {
		t.Fatalf("found %d HTML pages, want at least 2", len(pages))
	}
	for _, name := range pages {
		t.Run(name, func(t *testing.T) {
			b, _ := files.ReadFile(name)
			doc, err := html.Parse(strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range checkNode(doc, false) {
				t.Error(p)
			}
			for _, key := range pageKeys(doc) {
				if _, ok := cats["en"][key]; !ok {
					t.Errorf("key %q is not in the catalogs", key)
				}
			}
		})
	}
}

func htmlFiles(t *testing.T) []string {
	var out []string
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && path.Ext(p) == ".html" {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkNode returns a problem for each hard-coded string under n. inKey says an ancestor
// carries data-i18n (its text is replaced from the catalog).
func checkNode(n *html.Node, inKey bool) []string {
	var problems []string
	switch n.Type {
	case html.TextNode:
		if strings.TrimSpace(n.Data) != "" && !inKey && !isCode(n.Parent) {
			problems = append(problems, "hard-coded text "+strings.TrimSpace(n.Data)+" in <"+n.Parent.Data+">")
		}
	case html.ElementNode:
		for _, a := range n.Attr {
			if a.Key == "data-i18n" {
				inKey = true
			}
			if slices.Contains(translatable, a.Key) && a.Val != "" {
				problems = append(problems, "hard-coded "+a.Key+"="+a.Val+" on <"+n.Data+">; use data-i18n-"+a.Key)
			}
		}
	}
	if n.Type == html.ElementNode && n.Data == "template" && n.FirstChild == nil {
		return problems
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		problems = append(problems, checkNode(c, inKey)...)
	}
	return problems
}

// isCode reports a <script> or <style> element, whose text is not shown.
func isCode(n *html.Node) bool {
	return n != nil && n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style")
}

// pageKeys returns every catalog key an HTML document names.
func pageKeys(n *html.Node) []string {
	var keys []string
	if n.Type == html.ElementNode {
		for _, a := range n.Attr {
			if a.Key == "data-i18n" || strings.HasPrefix(a.Key, "data-i18n-") && a.Key != "data-i18n-args" {
				keys = append(keys, a.Val)
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		keys = append(keys, pageKeys(c)...)
	}
	return keys
}

// TestScriptKeysExist checks every literal key a module passes to t() or setText(), and the
// keys built from known names (states, roles, languages, end reasons).
func TestScriptKeysExist(t *testing.T) {
	cats := loadCatalogs(t)
	call := regexp.MustCompile(`\b(?:t|setText|feed|fail)\(([^\n]*)`)
	key := regexp.MustCompile(`"([a-z_]+(?:\.[a-z_]+)+)"\s*[,)]`)
	found := 0
	err := fs.WalkDir(files, "app/js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := files.ReadFile(p)
		for _, c := range call.FindAllStringSubmatch(string(b), -1) {
			m := key.FindStringSubmatch(c[1])
			if m == nil {
				continue
			}
			found++
			if _, ok := cats["en"][m[1]]; !ok {
				t.Errorf("%s uses key %q, not in the catalogs", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Errorf("found %d literal keys in the modules, want at least 20 (is the pattern still right?)", found)
	}
	var built []string
	for _, s := range []string{"draft", "scheduled", "live", "signing", "sealed", "cancelled"} {
		built = append(built, "state."+s, "banner."+s)
	}
	for _, r := range []string{"host", "signatory", "witness", "observer", "venue"} {
		built = append(built, "role."+r)
	}
	for _, l := range catalogLangs {
		built = append(built, "lang."+l)
	}
	for _, r := range []string{"generic", "sealed", "revoked", "removed", "replaced", "left", "room_closed", "refused", "unauthorized", "room_full"} {
		built = append(built, "ended."+r+".title", "ended."+r+".text")
	}
	for _, q := range []string{"good", "fair", "poor"} {
		built = append(built, "quality."+q)
	}
	for _, code := range signingErrorCodes(t) {
		built = append(built, "sign.error."+code)
	}
	for _, key := range built {
		if _, ok := cats["en"][key]; !ok {
			t.Errorf("key %q is not in the catalogs", key)
		}
	}
}

// signingErrorCodes reads the server error codes that signing.js translates as
// "sign.error."+code.
func signingErrorCodes(t *testing.T) []string {
	t.Helper()
	b, err := files.ReadFile("app/js/signing.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)export const ERRORS = \[(.*?)\];`).FindSubmatch(b)
	if m == nil {
		t.Fatal("signing.js: no ERRORS list")
	}
	var codes []string
	for _, q := range regexp.MustCompile(`"([a-z_]+)"`).FindAllSubmatch(m[1], -1) {
		codes = append(codes, string(q[1]))
	}
	if len(codes) < 10 {
		t.Fatalf("signing.js ERRORS has %d codes, want at least 10 (is the pattern still right?)", len(codes))
	}
	return codes
}
