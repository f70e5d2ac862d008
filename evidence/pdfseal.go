package evidence

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"

	"github.com/digitorus/pkcs7"
)

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s*\]`)

// pdfSignature is a verified PDF seal: the signer's certificate and, when the signature
// carries one, its signature-time-stamp token (RFC 3161, over the SHA-256 of sigValue).
type pdfSignature struct {
	cert      *x509.Certificate
	timestamp []byte // DER TimeStampToken; nil: not time-stamped
	sigValue  []byte // the signer's signature value, which the token's imprint covers
}

// oidSignatureTimeStamp is id-aa-signatureTimeStampToken (RFC 3161 appendix A).
var oidSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// verifyPDFSeal finds the signature whose /ByteRange covers the whole file
// except its /Contents hex string, and verifies the CMS SignedData in it
// against those bytes. It returns the signer's certificate and any signature
// time-stamp token.
func verifyPDFSeal(b []byte) (ps pdfSignature, err error) {
	defer func() {
		if r := recover(); r != nil { // the CMS parser is not hardened against every input
			ps, err = pdfSignature{}, fmt.Errorf("%w: malformed signature (%v)", ErrPDF, r)
		}
	}()
	br, err := wholeFileByteRange(b)
	if err != nil {
		return ps, err
	}
	contents := bytes.TrimSpace(b[br[1]:br[2]])
	if len(contents) < 2 || contents[0] != '<' || contents[len(contents)-1] != '>' {
		return ps, fmt.Errorf("%w: signature /Contents is not a hex string at the gap of /ByteRange", ErrPDF)
	}
	der, err := hex.DecodeString(string(contents[1 : len(contents)-1]))
	if err != nil {
		return ps, fmt.Errorf("%w: signature /Contents: %v", ErrPDF, err)
	}
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(der, &raw)
	if err != nil || len(bytes.Trim(rest, "\x00")) != 0 {
		return ps, fmt.Errorf("%w: signature is not one DER value followed by zero padding", ErrPDF)
	}
	p7, err := pkcs7.Parse(raw.FullBytes)
	if err != nil {
		return ps, fmt.Errorf("%w: CMS: %v", ErrPDF, err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return ps, fmt.Errorf("%w: CMS must have exactly one signer", ErrPDF)
	}
	p7.Content = append(append([]byte{}, b[:br[1]]...), b[br[2]:]...)
	if err := p7.Verify(); err != nil {
		return ps, fmt.Errorf("%w: signature does not verify: %v", ErrPDF, err)
	}
	ps = pdfSignature{cert: signer, sigValue: p7.Signers[0].EncryptedDigest}
	for _, a := range p7.Signers[0].UnauthenticatedAttributes {
		if a.Type.Equal(oidSignatureTimeStamp) {
			ps.timestamp = a.Value.Bytes
		}
	}
	return ps, nil
}

// wholeFileByteRange returns the /ByteRange [0 a b c] with b+c = len(file),
// i.e. the signature made last, covering everything but its own value.
func wholeFileByteRange(b []byte) ([4]int, error) {
	var found [4]int
	ok := false
	for _, m := range byteRangeRE.FindAllSubmatch(b, 64) {
		var v [4]int
		for i := range v {
			v[i], _ = strconv.Atoi(string(m[i+1]))
		}
		if v[0] == 0 && v[1] > 0 && v[2] > v[1] && v[2]+v[3] == len(b) {
			found, ok = v, true
		}
	}
	if !ok {
		return found, fmt.Errorf("%w: no signature covers the whole file (not sealed, or changed after sealing)", ErrPDF)
	}
	return found, nil
}

func certDetail(c *x509.Certificate) string {
	self := "issued by " + c.Issuer.String()
	if bytes.Equal(c.RawIssuer, c.RawSubject) {
		self = "self-signed, not checked against any trust list"
	}
	return fmt.Sprintf("signed by %q (%s), certificate SHA-256 %s", c.Subject.String(), self, CertFingerprint(c))
}
