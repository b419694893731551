package plot

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	out := Sparkline([]float64{1, 3, 2, nan, 5, 4, nan, 2, nan, 0}, `p99 <"&">`)
	if bytes.Contains(out, []byte(`<"&">`)) {
		t.Fatalf("label not escaped: %s", out)
	}
	root := parse(t, out)
	for attr, want := range map[string]string{"role": "img", "aria-label": `p99 <"&">`, "width": "80", "height": "20", "viewBox": "0 0 80 20"} {
		if got, _ := root.attr(attr); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	paths := root.all(named("path"))
	if len(paths) != 1 {
		t.Fatalf("paths = %d", len(paths))
	}
	d, _ := paths[0].attr("d")
	if strings.Count(d, "M") != 2 {
		t.Errorf("d = %q: want 2 segments around the gaps", d)
	}
	dots := root.all(named("circle"))
	if len(dots) != 2 { // the lone 2 and the last value
		t.Fatalf("dots = %d, want 2", len(dots))
	}
	last := dots[len(dots)-1]
	if cx, _ := last.attr("cx"); cx != "78" {
		t.Errorf("last dot at x=%s, want the right end 78", cx)
	}
	if cy, _ := last.attr("cy"); cy != "18" {
		t.Errorf("last dot (the minimum) at y=%s, want the bottom 18", cy)
	}
	if !bytes.Equal(out, Sparkline([]float64{1, 3, 2, nan, 5, 4, nan, 2, nan, 0}, `p99 <"&">`)) {
		t.Error("not deterministic")
	}
}

func TestSparklineEmptyAndFlat(t *testing.T) {
	for _, v := range [][]float64{nil, {math.NaN(), math.NaN()}} {
		root := parse(t, Sparkline(v, "no data"))
		if len(root.all(named("circle"))) != 0 || len(root.all(named("path"))) != 1 {
			t.Errorf("%v: want only the dotted baseline, got %+v", v, root.Children)
		}
	}
	root := parse(t, Sparkline([]float64{4, 4, 4}, "flat"))
	d, _ := root.all(named("path"))[0].attr("d")
	if d != "M2 10L40 10L78 10" {
		t.Errorf("flat line d = %q, want the middle", d)
	}
}
