package pdftest

import (
	"bytes"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

func TestMinimalIsValid(t *testing.T) {
	for _, pages := range []int{1, 3, 30} {
		b := Minimal(pages, "MOU")
		conf := model.NewDefaultConfiguration()
		conf.ValidationMode = model.ValidationStrict
		ctx, err := api.ReadValidateAndOptimize(bytes.NewReader(b), conf)
		if err != nil {
			t.Fatalf("Minimal(%d) does not validate strictly: %v", pages, err)
		}
		if ctx.PageCount != pages {
			t.Fatalf("Minimal(%d) has %d pages", pages, ctx.PageCount)
		}
	}
}

func TestTextAndScannedAreValid(t *testing.T) {
	for name, b := range map[string][]byte{
		"text":    Text([][]string{{"MOU", "강원도와 남경시는", "江原道与南京市"}, {"Page 2 (two)", "第二页"}}),
		"scanned": Scanned(3, 300, 420),
	} {
		conf := model.NewDefaultConfiguration()
		conf.ValidationMode = model.ValidationStrict
		ctx, err := api.ReadValidateAndOptimize(bytes.NewReader(b), conf)
		if err != nil {
			t.Fatalf("%s does not validate strictly: %v", name, err)
		}
		if want := map[string]int{"text": 2, "scanned": 3}[name]; ctx.PageCount != want {
			t.Fatalf("%s has %d pages, want %d", name, ctx.PageCount, want)
		}
	}
}
