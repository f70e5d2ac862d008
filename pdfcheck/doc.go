// Package pdfcheck inspects an uploaded PDF before anything parses it in memory: it walks
// the file's objects once, decodes every compressed stream through a counting reader, and
// refuses the file as soon as a hard limit is passed — decoded bytes of one stream and of
// all streams, objects, pages, filter chain depth — or when the file carries active content
// (JavaScript, launch and submit actions, actions run on opening or on events, embedded
// files, rich media, XFA forms). Limits are enforced while reading: a decompression bomb is
// stopped after at most MaxStreamBytes of output, never inflated whole.
//
// Scan needs no parser's in-memory model of the document; Check runs Scan and then pdfcpu
// (relaxed validation) on a file that passed, so pdfcpu's memory stays bounded by the
// limits. Both are testable without HTTP.
package pdfcheck
