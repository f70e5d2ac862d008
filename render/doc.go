// Package render turns the pages of a PDF into images and text, so that every venue of a
// ceremony sees the same pixels of the agreement and screen readers get each page's words.
//
// It runs PDFium compiled to WebAssembly (github.com/klippa-app/go-pdfium in its webassembly
// mode, executed by wazero): pure Go, no cgo and no system library, so a machine with only Go
// builds and runs it.
//
// # Life cycle
//
// Start returns at once and compiles the WebAssembly module in the background (about ten
// seconds on a small machine the first time; with Config.CacheDir the compiled code is kept on
// disk and later starts take a fraction of that). Render waits for the compilation, so the
// cost never falls on a request that arrives after start-up has finished. With Config.Lazy
// the compilation starts at the first Render (or Ready) instead: a server that starts
// beside other busy programs (browsers under test, a ceremony's media) does not compete
// with them for the CPU until a document actually arrives. Close stops everything Start
// began.
//
// # Sandbox and limits
//
// Each document is rendered in a fresh module instance that is thrown away afterwards, so
// nothing of one PDF survives into the next. The instance sees no file system except the
// font directories (Config.FontDirs), mounted read-only at their own paths; its memory is
// capped (Config.MemoryLimit, default 256 MiB: a PDF that needs more is refused, which also
// bounds decompression bombs inside PDFium); a document gets at most Config.Timeout; at most
// Config.Workers documents render at once; pages beyond Config.MaxPages are refused; a page
// is rendered at Config.DPI but never larger than Config.MaxPixels.
//
// # Output
//
// For each page, in order: its size in PDF points, a JPEG of the page (Config.DPI, quality
// 85), a JPEG thumbnail ThumbWidth pixels wide, and the page's text as PDFium extracts it
// (UTF-8, at most MaxTextBytes). A PDF that PDFium cannot open, that is encrypted, that has
// no pages or one of whose pages fails to render gives an error wrapping ErrUnrenderable
// whose message says why in plain words.
//
// # Fonts
//
// PDFs that use fonts they do not embed (the sealed signature page names the standard CJK
// fonts HYGoThic-Medium and STSong-Light without embedding them) are drawn with fonts found
// in the font directories. Without a CJK font there (Debian: fonts-noto-cjk), PDFium draws
// such Korean and Chinese text with a Latin fallback font: the glyphs come out as wrong
// characters or blanks, although the extracted text is still right. The page image is then
// not what the PDF says, so install a CJK font on every server that renders.
package render
