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
