package server

import (
	"bytes"
	"context"
	"crypto/x509"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/tsatest"
	"github.com/signroom/signroom/sealing"
	"github.com/signroom/signroom/translog"
	"github.com/signroom/signroom/tsa"
)

func withTSA(c *tsa.Client) envOption { return func(cfg *Config) { cfg.TSA = c } }

// sealOne runs a one-signatory ceremony to its seal and returns the agreement id and bundle.
func sealOne(e *env) (string, []byte) {
	f, bundle := sealFixture(e)
	return f.id, bundle
}

// sealFixture is sealOne returning the ceremony.
func sealFixture(e *env) (*ceremonyFixture, []byte) {
	e.t.Helper()
	f := buildCeremony(e, 1, "parallel")
	e.must(f.register(e, f.signers[0]), http.StatusCreated)
	f.openSigning(e)
	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	e.must(f.closeCeremony(e), http.StatusOK)
	return f, e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
}

func (e *env) verifyWith(bundle []byte, roots *x509.CertPool, supplementary []byte) evidence.Report {
	return evidence.VerifyBundle(context.Background(), bytes.NewReader(bundle), int64(len(bundle)),
		evidence.Options{Trust: e.trust(), TSARoots: roots, ManifestTimestamp: supplementary})
}

func checkNamed(rep evidence.Report, name string) evidence.Check {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	return evidence.Check{Name: name, Detail: "(missing)"}
}

// TestSealTimestamped: the first TSA is down, the second answers: the seal's manifest and
// PDF signature carry its tokens, which verify against its root.
func TestSealTimestamped(t *testing.T) {
	down, ts := tsatest.Start(t, "down"), tsatest.Start(t, "up")
	down.SetDown(true)
	e := newEnv(t, withTSA(tsa.New([]string{down.URL, ts.URL}, nil, 0)))
	f, bundle := sealFixture(e)
	id := f.id
	rep := e.verifyWith(bundle, rootsPool(ts.Root), nil)
	if !rep.OK() {
		t.Fatalf("verdict %s: %+v", rep.Verdict(), rep.Failed())
	}
	for _, name := range []string{evidence.CheckTrustedTime, evidence.CheckPDFTimestamp} {
		if c := checkNamed(rep, name); !strings.Contains(c.Detail, "up test TSA") {
			t.Errorf("%s: %+v", name, c)
		}
	}
	rec, _ := e.db.Seal(context.Background(), id)
	if _, ok := rec.Artifact(sealing.ArtifactManifestTimestamp); !ok {
		t.Errorf("seal artifacts %+v lack %s", rec.Artifacts, sealing.ArtifactManifestTimestamp)
	}
	if _, evs := recorded(e, id); countEvents(evs, sealing.EventTimeNotAttested) != 0 {
		t.Errorf("%s recorded although a TSA answered", sealing.EventTimeNotAttested)
	}
	token := e.must(e.do("GET", "/api/agreements/"+id+"/evidence/manifest.json.tsr", f.owner, nil), http.StatusOK).raw
	if rep := e.verifyWith(bundle, rootsPool(ts.Root), token); !rep.OK() {
		t.Errorf("the downloaded token: %+v", rep.Failed())
	}
}

// TestSealWithTSADownThenTimestampAdded: with every TSA down the record seals without a
// token (audited, verifier: time not attested); once the TSA is back, the job (here a new
// Service, as after a restart) archives a supplementary token that attests the manifest.
func TestSealWithTSADownThenTimestampAdded(t *testing.T) {
	ts := tsatest.Start(t, "tsa")
	ts.SetDown(true)
	client := tsa.New([]string{ts.URL}, nil, 0)
	e := newEnv(t, withTSA(client))
	f, bundle := sealFixture(e)
	id := f.id
	tokenURL := "/api/agreements/" + id + "/evidence/manifest.json.tsr"
	if r := e.do("GET", tokenURL, f.owner, nil); r.status != http.StatusNotFound || r.errCode() != "not_time_stamped" {
		t.Errorf("token before any TSA answered: %d %s", r.status, r.raw)
	}
	rep := e.verifyWith(bundle, rootsPool(ts.Root), nil)
	if c := checkNamed(rep, evidence.CheckTrustedTime); !rep.OK() || !strings.HasPrefix(c.Detail, "time not attested") {
		t.Fatalf("sealed with the TSA down: verdict %s, trusted time %+v", rep.Verdict(), c)
	}
	if _, evs := recorded(e, id); countEvents(evs, sealing.EventTimeNotAttested) != 1 {
		t.Fatalf("%s not audited", sealing.EventTimeNotAttested)
	}
	ctx := context.Background()
	svc := sealing.New(sealing.Config{Store: e.db, Working: e.blobs, Archive: e.arch, Sealer: e.api.cfg.Sealer, TSA: client})
	if n, err := svc.AddTimestamps(ctx); n != 0 || err == nil {
		t.Fatalf("TSA still down: added %d, err %v; want 0 and an error", n, err)
	}
	ts.SetDown(false)
	if n, err := svc.AddTimestamps(ctx); n != 1 || err != nil {
		t.Fatalf("TSA back: added %d, err %v; want 1", n, err)
	}
	token := e.must(e.do("GET", tokenURL, f.owner, nil), http.StatusOK).raw
	rep = e.verifyWith(bundle, rootsPool(ts.Root), token)
	if c := checkNamed(rep, evidence.CheckTrustedTime); !rep.OK() || !strings.Contains(c.Detail, "time-stamped at") {
		t.Fatalf("with the supplementary token: verdict %s, trusted time %+v", rep.Verdict(), c)
	}
	if _, evs := recorded(e, id); countEvents(evs, sealing.EventTimeAttested) != 1 {
		t.Errorf("%s not audited once", sealing.EventTimeAttested)
	}
	if n, err := svc.AddTimestamps(ctx); n != 0 || err != nil {
		t.Errorf("nothing left: added %d, err %v", n, err)
	}
}

func rootsPool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// TestSealTimeWithTSAAndLog measures what trusted time and the transparency log add to a
// seal (one signatory, two 2-page documents; close → sealed): as is, with an in-process TSA,
// and with the TSA and the embedded log (Tessera POSIX, default intervals). Each record
// must verify with its time-stamp and inclusion proof; the times go to docs/benchmarks.md.
func TestSealTimeWithTSAAndLog(t *testing.T) {
	ts := tsatest.Start(t, "tsa")
	key, err := translog.LoadOrCreateKey(t.TempDir(), "bench.example/log")
	if err != nil {
		t.Fatal(err)
	}
	lg, err := translog.Open(context.Background(), translog.Config{Dir: t.TempDir(), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer lg.Close(context.Background())
	verifier, _ := evidence.ParseLogKey(key.Public)
	configs := []struct {
		name string
		opts []envOption
	}{
		{"plain", nil},
		{"tsa", []envOption{withTSA(tsa.New([]string{ts.URL}, nil, 0))}},
		{"tsa+log", []envOption{withTSA(tsa.New([]string{ts.URL}, nil, 0)), func(c *Config) { c.Log = lg }}},
	}
	const seals = 5
	for _, c := range configs {
		e := newEnv(t, c.opts...)
		var took []time.Duration
		for i := range seals + 1 { // the first seal of each warms up (fonts, PDF code) and is not counted
			f := buildCeremony(e, 1, "parallel")
			e.must(f.register(e, f.signers[0]), http.StatusCreated)
			f.openSigning(e)
			e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
			start := time.Now()
			e.must(f.closeCeremony(e), http.StatusOK)
			if i > 0 {
				took = append(took, time.Since(start))
			}
			bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
			opt := evidence.Options{Trust: e.trust(), TSARoots: rootsPool(ts.Root)}
			if c.name == "tsa+log" {
				opt.LogKey = verifier
			}
			rep := evidence.VerifyBundle(context.Background(), bytes.NewReader(bundle), int64(len(bundle)), opt)
			if !rep.OK() {
				t.Fatalf("%s: %+v", c.name, rep.Failed())
			}
			logged := strings.Contains(checkNamed(rep, evidence.CheckLogInclusion).Detail, "signed by the log key")
			stamped := strings.Contains(checkNamed(rep, evidence.CheckTrustedTime).Detail, "time-stamped at")
			if logged != (c.name == "tsa+log") || stamped != (c.name != "plain") {
				t.Fatalf("%s: logged %v, time-stamped %v", c.name, logged, stamped)
			}
		}
		slices.Sort(took)
		t.Logf("%s: close → sealed, median of %d: %s (all %v)", c.name, seals, took[seals/2], took)
	}
}
