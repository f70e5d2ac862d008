package signaling_test

import (
	"testing"
	"time"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
)

func TestSharedViewFollowsTheHostAndGreetsLateJoiners(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	host := h.mustJoin(ctx, "mou", "mc", "host")
	early := h.mustJoin(ctx, "mou", "kim", "signatory")
	if v := early.c.Welcome().View; v != nil {
		t.Fatalf("welcome before any view has view %+v", v)
	}
	if err := host.c.Send(ctx, map[string]any{"type": protocol.TypeView, "document": "doc-zh", "page": 2}); err != nil {
		t.Fatal(err)
	}
	want := protocol.View{Document: "doc-zh", Page: 2, By: "mc"}
	for name, p := range map[string]*peer{"host": host, "signatory": early} {
		m := waitEvent(t, p.c, protocol.TypeViewChanged, 5*time.Second)
		if m.View == nil || *m.View != want {
			t.Errorf("%s got view_changed %+v, want %+v", name, m.View, want)
		}
	}
	late := h.mustJoin(ctx, "mou", "wang", "signatory")
	if v := late.c.Welcome().View; v == nil || *v != want {
		t.Fatalf("late joiner's welcome view = %+v, want %+v", v, want)
	}

	if err := early.c.Send(ctx, map[string]any{"type": protocol.TypeView, "document": "doc-ko", "page": 1}); err != nil {
		t.Fatal(err)
	}
	if e := waitEvent(t, early.c, protocol.TypeError, 5*time.Second); e.Code != protocol.CodeForbidden || e.Ref != protocol.TypeView {
		t.Errorf("signatory moving the view: %+v, want forbidden", e)
	}
	if v := h.mustJoin(ctx, "mou", "cam", "venue").c.Welcome().View; v == nil || *v != want {
		t.Errorf("after a refused view the room's view is %+v, want %+v", v, want)
	}
}

func TestViewMessageValidation(t *testing.T) {
	for _, tc := range []struct {
		frame string
		ok    bool
	}{
		{`{"type":"view","document":"abc_DEF-1","page":1}`, true},
		{`{"type":"view","document":"abc","page":100000}`, true},
		{`{"type":"view","page":1}`, false},
		{`{"type":"view","document":"abc"}`, false},
		{`{"type":"view","document":"abc","page":0}`, false},
		{`{"type":"view","document":"abc","page":100001}`, false},
		{`{"type":"view","document":"../etc","page":1}`, false},
		{`{"type":"view","document":"` + string(make([]byte, 129)) + `","page":1}`, false},
		{`{"type":"view","document":"abc","page":"2"}`, false},
	} {
		_, err := protocol.Decode([]byte(tc.frame))
		if (err == nil) != tc.ok {
			t.Errorf("Decode(%.60s) err = %v, want ok=%v", tc.frame, err, tc.ok)
		}
	}
}
