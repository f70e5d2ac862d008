package evidence

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Attachment is a file embedded in the sealed PDF as a PDF/A-3 style associated file: in
// the catalog's EmbeddedFiles name tree under its bag path, and in the catalog's /AF array.
type Attachment struct {
	Path         string // bag path, e.g. data/manifest.json: the name-tree key
	Data         []byte
	Relationship string // AFRelationship: Source (the documents) or Data (the evidence)
}

// attachmentName is the file name a PDF reader offers when saving an attachment: the bag
// path without data/, with '/' as '_'.
func attachmentName(p string) string {
	return strings.ReplaceAll(strings.TrimPrefix(p, "data/"), "/", "_")
}

var startxrefRE = regexp.MustCompile(`startxref\s+(\d{1,12})\s+%%EOF\s*$`)

// attachAndPrepare appends an incremental update to base (a PDF with a classic
// cross-reference table, as merge writes it) that embeds the attachments, lists them in
// /AF and points the catalog's /Perms /DocMDP at object sigObj, the object number the
// certification signature will get. It returns the new file and sigObj.
func attachAndPrepare(base []byte, atts []Attachment, at time.Time) (_ []byte, sigObj int, err error) {
	defer recoverPDF(&err)
	ctx, err := api.ReadContext(bytes.NewReader(base), pdfConfig())
	if err != nil {
		return nil, 0, fmt.Errorf("%w: read merged: %v", ErrPDF, err)
	}
	m := startxrefRE.FindSubmatch(base)
	if m == nil || ctx.XRefTable.Root == nil {
		return nil, 0, fmt.Errorf("%w: merged PDF has no classic trailer", ErrPDF)
	}
	root, err := ctx.DereferenceDict(*ctx.XRefTable.Root)
	if err != nil || root == nil {
		return nil, 0, fmt.Errorf("%w: catalog: %v", ErrPDF, err)
	}
	for i := 1; i < len(atts); i++ {
		if slices.ContainsFunc(atts[:i], func(a Attachment) bool { return a.Path == atts[i].Path }) {
			return nil, 0, fmt.Errorf("%w: attachment %s given twice", ErrPDF, atts[i].Path)
		}
	}
	u := &pdfUpdate{buf: bytes.NewBuffer(slices.Clip(base)), next: maxObject(ctx.XRefTable.Table) + 1}
	u.buf.WriteString("\n")
	specs := u.embed(atts, at)
	names := u.add(fmt.Sprintf("<< /Names [%s] >>", strings.Join(specs.names, " ")))
	perms := u.add("") // filled below, once the update's size is known
	catalog := catalogWithEvidence(root, names, specs.refs, perms)
	rootNr := int(ctx.XRefTable.Root.ObjectNumber.Value())
	u.set(rootNr, catalog)
	sigObj = u.next + 1 // pdfsign numbers the signature (maximum object number + 1) + 1
	u.fill(perms, fmt.Sprintf("<< /DocMDP %d 0 R >>", sigObj))
	trailer := fmt.Sprintf("/Root %d 0 R /Prev %s", rootNr, m[1])
	if ctx.XRefTable.Info != nil {
		trailer += fmt.Sprintf(" /Info %d 0 R", ctx.XRefTable.Info.ObjectNumber.Value())
	}
	if len(ctx.XRefTable.ID) == 2 {
		trailer += " /ID " + ctx.XRefTable.ID.PDFString()
	}
	return u.finish(trailer), sigObj, nil
}

func maxObject[V any](table map[int]V) int {
	n := 0
	for k := range table {
		n = max(n, k)
	}
	return n
}

type embedded struct {
	names []string // name-tree pairs "(key) N 0 R", sorted by key
	refs  []string // "N 0 R" of each file specification, for /AF
}

// embed writes each attachment as an embedded file stream and a file specification.
func (u *pdfUpdate) embed(atts []Attachment, at time.Time) embedded {
	sorted := slices.SortedFunc(slices.Values(atts), func(a, b Attachment) int { return strings.Compare(a.Path, b.Path) })
	var out embedded
	for _, a := range sorted {
		sum := md5.Sum(a.Data) // /CheckSum is MD5 by the PDF specification; integrity rests on SHA-256 elsewhere
		z := deflate(a.Data)
		stream := u.add(fmt.Sprintf("<< /Type /EmbeddedFile /Subtype /%s /Filter /FlateDecode /Length %d "+
			"/Params << /Size %d /ModDate %s /CheckSum <%s> >> >>\nstream\n%s\nendstream",
			mimeName(a.Path), len(z), len(a.Data), pdfDate(at), hex.EncodeToString(sum[:]), z))
		spec := u.add(fmt.Sprintf("<< /Type /Filespec /F %s /UF %s /Desc %s /AFRelationship /%s /EF << /F %d 0 R /UF %d 0 R >> >>",
			pdfText(attachmentName(a.Path)), pdfText(attachmentName(a.Path)), pdfText(a.Path), a.Relationship, stream, stream))
		out.names = append(out.names, fmt.Sprintf("%s %d 0 R", pdfText(a.Path), spec))
		out.refs = append(out.refs, fmt.Sprintf("%d 0 R", spec))
	}
	return out
}

// catalogWithEvidence is the catalog with /Names /EmbeddedFiles, /AF and /Perms set, every
// other entry (other name trees included) kept.
func catalogWithEvidence(root types.Dict, names int, af []string, perms int) string {
	var b strings.Builder
	b.WriteString("<<")
	for _, k := range slices.Sorted(maps.Keys(root)) {
		if k == "AF" || k == "Perms" || k == "Names" {
			continue
		}
		fmt.Fprintf(&b, " /%s %s", k, pdfObject(root[k]))
	}
	nameTrees := fmt.Sprintf("/EmbeddedFiles %d 0 R", names)
	if nd, ok := root["Names"].(types.Dict); ok {
		for k, v := range nd {
			if k != "EmbeddedFiles" {
				nameTrees += fmt.Sprintf(" /%s %s", k, pdfObject(v))
			}
		}
	}
	fmt.Fprintf(&b, " /Names << %s >> /AF [%s] /Perms %d 0 R >>", nameTrees, strings.Join(af, " "), perms)
	return b.String()
}

func pdfObject(o types.Object) string {
	if o == nil {
		return "null"
	}
	return o.PDFString()
}

// pdfText encodes s as a PDF text string: literal when printable ASCII, else UTF-16BE hex.
func pdfText(s string) string {
	ascii := true
	for _, r := range s {
		ascii = ascii && r >= 0x20 && r < 0x7f && r != '(' && r != ')' && r != '\\'
	}
	if ascii {
		return "(" + s + ")"
	}
	return "<" + hex.EncodeToString([]byte(types.EncodeUTF16String(s))) + ">"
}

func pdfDate(t time.Time) string { return "(D:" + t.UTC().Format("20060102150405") + "Z)" }

// mimeName is the embedded file's /Subtype: its media type as a PDF name.
func mimeName(p string) string {
	switch path.Ext(p) {
	case ".pdf":
		return "application#2Fpdf"
	case ".json":
		return "application#2Fjson"
	case ".jsonl":
		return "application#2Fjsonl"
	case ".jpg", ".jpeg":
		return "image#2Fjpeg"
	case ".png":
		return "image#2Fpng"
	case ".pem":
		return "application#2Fpem-certificate-chain"
	case ".jws":
		return "application#2Fjose"
	}
	return "application#2Foctet-stream"
}

// pdfUpdate writes the objects of an incremental update after an existing file.
type pdfUpdate struct {
	buf     *bytes.Buffer
	next    int
	offsets map[int]int
	pending map[int]bool
}

// add writes a new object (or reserves its number when body is "") and returns its number.
func (u *pdfUpdate) add(body string) int {
	n := u.next
	u.next++
	if body == "" {
		if u.pending == nil {
			u.pending = map[int]bool{}
		}
		u.pending[n] = true
		return n
	}
	u.set(n, body)
	return n
}

func (u *pdfUpdate) fill(n int, body string) {
	delete(u.pending, n)
	u.set(n, body)
}

func (u *pdfUpdate) set(n int, body string) {
	if u.offsets == nil {
		u.offsets = map[int]int{}
	}
	u.offsets[n] = u.buf.Len()
	fmt.Fprintf(u.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

// finish writes the cross-reference section and trailer.
func (u *pdfUpdate) finish(trailer string) []byte {
	xref := u.buf.Len()
	u.buf.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for _, n := range slices.Sorted(maps.Keys(u.offsets)) {
		fmt.Fprintf(u.buf, "%d 1\n%010d 00000 n \n", n, u.offsets[n])
	}
	fmt.Fprintf(u.buf, "trailer\n<< /Size %d %s >>\nstartxref\n%s\n%%%%EOF\n", u.next, trailer, strconv.Itoa(xref))
	return u.buf.Bytes()
}
