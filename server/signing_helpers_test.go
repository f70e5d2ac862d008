package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"

	"sync/atomic"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/storage/blob"

	"github.com/signroom/signroom/internal/pdftest"
)

// testClock is a clock the test can move forward.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func withClock(c *testClock) envOption       { return func(cfg *Config) { cfg.Now = c.Now } }
func withStores(working, archive blob.Store) envOption {
	return func(cfg *Config) { cfg.Blobs, cfg.Archive = working, archive }
}

// localStores returns the working and archive buckets of a blob.NewLocal store in a temp dir.
func localStores(t *testing.T) blob.Buckets {
	t.Helper()
	l, err := blob.NewLocal(t.TempDir(), bytes.Repeat([]byte("k"), 32), "http://127.0.0.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	return l.Buckets()
}

// flakyArchive fails the first Put of a key with the given suffix, after the earlier
// artifacts were written: an archive that goes down mid-seal.
type flakyArchive struct {
	blob.Store
	failSuffix string
	failed     atomic.Bool
	exists     atomic.Int32 // Puts answered with ErrExists
}

func (f *flakyArchive) Put(ctx context.Context, key string, r io.Reader, o blob.PutOptions) (blob.ObjectInfo, error) {
	if strings.HasSuffix(key, f.failSuffix) && f.failed.CompareAndSwap(false, true) {
		return blob.ObjectInfo{}, errors.New("archive unavailable")
	}
	info, err := f.Store.Put(ctx, key, r, o)
	if errors.Is(err, blob.ErrExists) {
		f.exists.Add(1)
	}
	return info, err
}

// signer is a participant holding a P-256 key made as WebCrypto makes it.
type signer struct {
	pid, token string
	key        *ecdsa.PrivateKey
}

func newSigner(t *testing.T, pid, token string) *signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{pid: pid, token: token, key: k}
}

func (s *signer) jwk(t *testing.T) signatures.JWK {
	j, err := signatures.JWKFromPublicKey(&s.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// ceremonyFixture is an agreement with n signatories (and one witness) in signing or earlier.
type ceremonyFixture struct {
	id         string
	signers    []*signer // signatories in signing order
	witness    *signer
	owner      string
	clock      *testClock
	tokens     map[string]string
	still, drw []byte
}

// buildCeremony creates the MOU with the first n parties as signatories, a host, a witness
// for the first party and two-page ko and zh documents; schedules and starts it and connects
// every signer to the live room. Keys are registered by the tests.
func buildCeremony(e *env, n int, order string) *ceremonyFixture {
	return buildCeremonyPages(e, n, order, 2)
}

// buildCeremonyPages is buildCeremony with documents of the given page count.
func buildCeremonyPages(e *env, n int, order string, pages int) *ceremonyFixture {
	e.t.Helper()
	return buildCeremonyWith(e, n, order, func(lang string) []byte { return pdftest.Minimal(pages, "MOU "+lang) })
}

// buildCeremonyWith is buildCeremony with the documents docFor makes for each language.
func buildCeremonyWith(e *env, n int, order string, docFor func(lang string) []byte) *ceremonyFixture {
	e.t.Helper()
	f := scheduledCeremony(e, n, order, docFor)
	e.must(e.do("POST", "/api/agreements/"+f.id+"/start", f.owner, nil), http.StatusOK)
	for _, s := range append([]*signer{f.witness}, f.signers...) {
		e.hub.connect(f.id, s.pid, true)
	}
	return f
}

// scheduledCeremony is buildCeremonyWith's agreement scheduled (invitations issued), not
// started.
func scheduledCeremony(e *env, n int, order string, docFor func(lang string) []byte) *ceremonyFixture {
	e.t.Helper()
	tok := e.tokens["owner"]
	f := &ceremonyFixture{owner: tok, tokens: map[string]string{}, still: testJPEG(e.t), drw: testPNG(e.t)}
	f.id = e.must(e.do("POST", "/api/agreements", tok, map[string]any{
		"title":         localized("강원도 상품 중국 수출 업무협약", "江原道商品对华跨境电商合作备忘录", "MOU on selling Gangwon products in China"),
		"signing_order": order, "retention_days": 3650,
	}), http.StatusCreated).str("id")
	base := "/api/agreements/" + f.id
	var parties []string
	for _, p := range mouParties[:n] {
		parties = append(parties, e.must(e.do("POST", base+"/parties", tok, map[string]any{"name": localized(p.ko, p.zh, p.en), "country": p.country}), http.StatusCreated).str("id"))
	}
	seoul := e.must(e.do("POST", base+"/venues", tok, map[string]any{"name": localized("스카이 컨벤션", "", "Sky Convention"), "time_zone": "Asia/Seoul"}), http.StatusCreated).str("id")
	nanjing := e.must(e.do("POST", base+"/venues", tok, map[string]any{"name": localized("", "苏宁诺富特酒店", "Suning Novotel"), "time_zone": "Asia/Shanghai"}), http.StatusCreated).str("id")
	add := func(p map[string]any) string {
		return e.must(e.do("POST", base+"/participants", tok, p), http.StatusCreated).str("id")
	}
	add(map[string]any{"name": "사회자", "title": "MC", "venue_id": seoul, "role": "host"})
	var pids []string
	for i, party := range parties {
		venue := map[bool]string{true: seoul, false: nanjing}[i%2 == 0]
		p := map[string]any{"name": fmt.Sprintf("대표 %d", i+1), "title": "대표", "party_id": party, "venue_id": venue, "role": "signatory"}
		if order == "sequential" {
			p["order"] = i + 1
		}
		pids = append(pids, add(p))
	}
	wid := add(map[string]any{"name": "Witness", "title": "Notary", "party_id": parties[0], "venue_id": seoul, "role": "witness"})
	for _, lang := range []string{"ko", "zh"} {
		e.must(e.do("POST", base+"/documents?language="+lang+"&filename=mou-"+lang+".pdf", tok, docFor(lang)), http.StatusCreated)
	}
	r := e.must(e.do("POST", base+"/schedule", tok, nil), http.StatusOK)
	for _, v := range r.body["invitations"].([]any) {
		inv := v.(map[string]any)
		f.tokens[inv["participant_id"].(string)] = inv["token"].(string)
	}
	for _, pid := range pids {
		f.signers = append(f.signers, newSigner(e.t, pid, f.tokens[pid]))
	}
	f.witness = newSigner(e.t, wid, f.tokens[wid])
	return f
}

func (f *ceremonyFixture) register(e *env, s *signer) response {
	return e.do("POST", "/api/join/key", s.token, map[string]any{"jwk": s.jwk(e.t)})
}

// closeCeremony closes the ceremony as its organizer, which seals it.
func (f *ceremonyFixture) closeCeremony(e *env) response {
	return e.do("POST", "/api/agreements/"+f.id+"/close", f.owner, nil)
}

func (f *ceremonyFixture) openSigning(e *env) {
	e.must(e.do("POST", "/api/agreements/"+f.id+"/open-signing", f.owner, nil), http.StatusOK)
}

// nonce asks for a nonce and returns the statement to sign.
func (f *ceremonyFixture) nonce(e *env, s *signer) signatures.Statement {
	e.t.Helper()
	r := e.must(e.do("POST", "/api/join/nonce", s.token, nil), http.StatusCreated)
	var body struct {
		Statement signatures.Statement `json:"statement"`
	}
	if err := json.Unmarshal(r.raw, &body); err != nil {
		e.t.Fatalf("nonce statement: %v", err)
	}
	return body.Statement
}

// signWith completes st (iat, still and drawing hashes), lets mutate change it, signs it with
// key and posts it.
func (f *ceremonyFixture) signWith(e *env, s *signer, key *ecdsa.PrivateKey, st signatures.Statement, mutate func(*signatures.Statement, map[string]any)) response {
	e.t.Helper()
	st.IssuedAt = f.now().Unix()
	st.StillSHA256, st.DrawingSHA256 = sha256Hex(f.still), sha256Hex(f.drw)
	body := map[string]any{"still": f.still, "drawing": f.drw}
	if mutate != nil {
		mutate(&st, body)
	}
	jws, err := signatures.Sign(st, key)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, ok := body["jws"]; !ok {
		body["jws"] = jws
	}
	return e.do("POST", "/api/join/signature", s.token, body)
}

// sign signs s's statement with a fresh nonce.
func (f *ceremonyFixture) sign(e *env, s *signer, mutate func(*signatures.Statement, map[string]any)) response {
	e.t.Helper()
	return f.signWith(e, s, s.key, f.nonce(e, s), mutate)
}

func (f *ceremonyFixture) now() time.Time {
	if f.clock != nil {
		return f.clock.Now()
	}
	return time.Now()
}

// recorded returns the stored signatures and audit events, checking that the chain verifies.
func recorded(e *env, id string) ([]agreement.Signature, []signatures.Event) {
	e.t.Helper()
	sigs, err := e.db.Signatures(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	evs, err := e.db.AuditEvents(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := signatures.VerifyChain(evs); err != nil {
		e.t.Fatalf("audit chain: %v", err)
	}
	return sigs, evs
}

func countEvents(evs []signatures.Event, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func testPNG(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 60, 20))
	for x := range 60 {
		img.Set(x, 10+x%5, color.NRGBA{0, 0, 128, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		img.Set(x, x%24, color.RGBA{uint8(x * 8), 40, 90, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
