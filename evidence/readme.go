package evidence

import (
	"strings"
)

// readme returns README.txt: how to verify the bag by hand, in Korean,
// Chinese and English. It names the agreement and its seal time.
func readme(m Manifest) []byte {
	r := strings.NewReplacer("{ID}", oneLine(m.Agreement.ID), "{SEALED}", m.SealedAt.UTC().Format("2006-01-02T15:04:05Z"), "{DIR}", BagDir(m.Agreement.ID))
	return []byte(r.Replace(readmeText))
}

const readmeText = `Signroom evidence bundle / 전자서명 증거 묶음 / 签署证据包
Agreement / 협약 / 协议: {ID}
Sealed / 봉인 / 封存: {SEALED}

========================================================================
한국어
========================================================================
이 폴더는 BagIt 1.0 (RFC 8493) 형식의 증거 묶음입니다. Signroom 없이
아래 절차로 직접 검증할 수 있습니다. 자세한 형식은 Signroom의
docs/evidence-format.md에 있습니다.

1. 파일 무결성: 이 폴더({DIR})에서
     sha256sum -c manifest-sha256.txt
     sha256sum -c tagmanifest-sha256.txt
   모든 줄이 OK 여야 합니다.
2. 증거 목록(manifest)의 봉인: 서비스 봉인 인증서로 서명되어 있습니다.
     openssl x509 -in data/seal-cert.pem -pubkey -noout > seal-pub.pem
     openssl dgst -sha256 -verify seal-pub.pem -signature data/manifest.json.sig data/manifest.json
   "Verified OK" 가 나와야 합니다. data/manifest.jws 는 같은 내용의 JWS
   (ES256, x5c 헤더)이며 어떤 JWT/JOSE 라이브러리로도 검증할 수 있습니다.
   인증서의 SHA-256 지문을 서비스가 공개한 지문과 비교하십시오.
3. 서명자 서명: data/signatures/<참가자>.jws 는 서명자 브라우저에서 만든
   ES256 JWS이고, 같은 이름의 .jwk.json 이 등록된 공개키입니다. 일반 JWT
   라이브러리로 (알고리즘 ES256 고정, aud "signroom-sign") 검증하고, 헤더의
   kid 가 공개키의 RFC 7638 지문과 같은지, 서명 내용의 문서 SHA-256 이
   data/documents/ 의 파일과 같은지 확인하십시오.
4. 감사 기록: data/audit.jsonl 의 각 줄은 이전 줄의 해시(prev)를 담습니다.
   해시는 "hash" 를 뺀 이벤트의 RFC 8785 정규 JSON 에 대한 SHA-256 입니다.
   마지막 해시는 manifest.json 의 audit.head 와 같아야 합니다.
5. 봉인된 PDF: pdfsig data/sealed.pdf (poppler-utils) 에서
   "Signature is Valid" 가 나와야 합니다 (자체 서명 인증서이므로 인증서
   신뢰 경고는 정상입니다).

========================================================================
中文
========================================================================
本文件夹是 BagIt 1.0（RFC 8493）格式的证据包。无需 Signroom，即可按以下
步骤自行验证。完整格式见 Signroom 的 docs/evidence-format.md。

1. 文件完整性：在本文件夹（{DIR}）中运行
     sha256sum -c manifest-sha256.txt
     sha256sum -c tagmanifest-sha256.txt
   每一行都应为 OK。
2. 证据清单（manifest）的封印：由服务的封印证书签名。
     openssl x509 -in data/seal-cert.pem -pubkey -noout > seal-pub.pem
     openssl dgst -sha256 -verify seal-pub.pem -signature data/manifest.json.sig data/manifest.json
   应显示 "Verified OK"。data/manifest.jws 是同一内容的 JWS（ES256，x5c
   头），可用任何 JWT/JOSE 库验证。请将证书的 SHA-256 指纹与服务公布的
   指纹核对。
3. 签署人签名：data/signatures/<参与者>.jws 是签署人浏览器生成的 ES256
   JWS，同名 .jwk.json 是登记的公钥。用通用 JWT 库验证（固定算法 ES256，
   aud 为 "signroom-sign"），并核对头部 kid 等于公钥的 RFC 7638 指纹、
   声明中的文件 SHA-256 等于 data/documents/ 中的文件。
4. 审计记录：data/audit.jsonl 每行包含前一行的哈希（prev）。哈希是去掉
   "hash" 后事件的 RFC 8785 规范 JSON 的 SHA-256。最后一个哈希应等于
   manifest.json 中的 audit.head。
5. 封存的 PDF：运行 pdfsig data/sealed.pdf（poppler-utils），应显示
   "Signature is Valid"（自签名证书的信任警告属正常）。

========================================================================
English
========================================================================
This folder is a BagIt 1.0 (RFC 8493) evidence bag. You can verify it
without Signroom as follows; docs/evidence-format.md in Signroom has the
full format.

1. File integrity: in this folder ({DIR}) run
     sha256sum -c manifest-sha256.txt
     sha256sum -c tagmanifest-sha256.txt
   Every line must say OK.
2. The manifest seal: data/manifest.json is signed with the service's seal
   certificate.
     openssl x509 -in data/seal-cert.pem -pubkey -noout > seal-pub.pem
     openssl dgst -sha256 -verify seal-pub.pem -signature data/manifest.json.sig data/manifest.json
   must print "Verified OK". data/manifest.jws is the same content as a
   JWS (ES256, x5c header) that any JWT/JOSE library can check. Compare the
   certificate's SHA-256 fingerprint with the one the service publishes.
3. Signers' signatures: data/signatures/<participant>.jws is the ES256 JWS
   made in the signer's browser and <participant>.jwk.json the registered
   public key. Verify it with any JWT library (algorithm pinned to ES256,
   aud "signroom-sign"); check that the header kid equals the key's RFC 7638
   thumbprint and that the document SHA-256 values in the claims equal the
   files in data/documents/.
4. Audit log: each line of data/audit.jsonl carries the hash of the line
   before (prev). The hash is SHA-256 over the RFC 8785 canonical JSON of
   the event without "hash". The last hash must equal audit.head in
   manifest.json.
5. Sealed PDF: pdfsig data/sealed.pdf (poppler-utils) must report
   "Signature is Valid" (a warning that the self-signed certificate is not
   trusted is expected).
`
