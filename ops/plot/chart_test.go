package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, also where the system has none
)

// node is a parsed XML element.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n node) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (n node) hasClass(c string) bool {
	v, _ := n.attr("class")
	for _, f := range strings.Fields(v) {
		if f == c {
			return true
		}
	}
	return false
}

// all returns the elements below n (n included) that match.
func (n node) all(match func(node) bool) []node {
	var out []node
	if match(n) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.all(match)...)
	}
	return out
}

func named(local string) func(node) bool {
	return func(n node) bool { return n.XMLName.Local == local }
}

func classed(local, class string) func(node) bool {
	return func(n node) bool { return n.XMLName.Local == local && n.hasClass(class) }
}

// parse decodes b strictly and fails the test if it is not one well-formed
// <svg> element.
func parse(t *testing.T, b []byte) node {
	t.Helper()
	var root node
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&root); err != nil {
		t.Fatalf("output does not parse as XML: %v\n%s", err, b)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root is %v, want svg in the SVG namespace", root.XMLName)
	}
	return root
}

// texts returns the text of the <text> elements in group class g.
func texts(root node, g string) []string {
	var out []string
	for _, grp := range root.all(classed("g", g)) {
		for _, tx := range grp.all(named("text")) {
			out = append(out, tx.Text)
		}
	}
	return out
}

// yLabels are the labels right-aligned left of the plot, bottom first.
func yLabels(root node) []string {
	var out []string
	for _, grp := range root.all(classed("g", "labels")) {
		for _, tx := range grp.all(named("text")) {
			if a, _ := tx.attr("text-anchor"); a == "end" && !isTimeLabel(tx.Text) {
				out = append(out, tx.Text)
			}
		}
	}
	return out
}

// xLabels are the labels under the axis (y="184").
func xLabels(root node) []string {
	var out []string
	for _, grp := range root.all(classed("g", "labels")) {
		for _, tx := range grp.all(named("text")) {
			if y, _ := tx.attr("y"); y == "184" {
				out = append(out, tx.Text)
			}
		}
	}
	return out
}

func isTimeLabel(s string) bool {
	return regexp.MustCompile(`^\d\d:\d\d|^[A-Z][a-z]{2} \d`).MatchString(s)
}

func ramp(n int, f func(i int) float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = f(i)
	}
	return v
}

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func TestSVGParsesAndIsResponsiveAndLabelled(t *testing.T) {
	nan := math.NaN()
	charts := map[string]Chart{
		"lines":  {Title: "Latency", Start: t0, Step: time.Minute, Unit: "ms", Series: []Series{{"p50", ramp(60, func(i int) float64 { return float64(i) })}, {"p99", ramp(60, func(i int) float64 { return float64(2 * i) })}}},
		"bars":   {Title: "Orders", Start: t0, Step: time.Hour, Kind: Bars, Series: []Series{{"orders", []float64{1, 0, nan, 3}}}},
		"empty":  {Title: "Nothing", Start: t0},
		"seven":  {Title: "Seven", Start: t0, Series: make([]Series, 7)},
		"single": {Title: "One", Start: t0, Series: []Series{{"x", []float64{5}}}},
		"odd":    {Title: "Odd", YMax: math.NaN(), Series: []Series{{"neg", []float64{-5, math.Inf(-1), -1, 1e300}}}},
		"tiny":   {Title: "Tiny", Step: time.Second, Kind: Bars, Series: []Series{{"x", []float64{1e-300, 5e-324}}}},
	}
	for name, c := range charts {
		t.Run(name, func(t *testing.T) {
			root := parse(t, c.SVG())
			if vb, _ := root.attr("viewBox"); vb != "0 0 400 190" {
				t.Errorf("viewBox = %q", vb)
			}
			for _, a := range []string{"width", "height"} {
				if v, ok := root.attr(a); ok {
					t.Errorf("fixed %s=%q on a responsive chart", a, v)
				}
			}
			// No style attribute: a page whose CSP says style-src 'self'
			// (the islands server's) refuses it. The page's stylesheet
			// sizes svg.plot.
			if st, ok := root.attr("style"); ok {
				t.Errorf("style = %q on the chart: a strict CSP refuses it", st)
			}
			if r, _ := root.attr("role"); r != "img" {
				t.Errorf("role = %q", r)
			}
			ids, _ := root.attr("aria-labelledby")
			f := strings.Fields(ids)
			if len(f) != 2 {
				t.Fatalf("aria-labelledby = %q, want two ids", ids)
			}
			for i, el := range []string{"title", "desc"} {
				found := root.all(func(n node) bool { id, _ := n.attr("id"); return n.XMLName.Local == el && id == f[i] })
				if len(found) != 1 || strings.TrimSpace(found[0].Text) == "" {
					t.Errorf("no non-empty <%s id=%q>", el, f[i])
				}
			}
			if len(root.all(classed("g", "series"))) > MaxSeries {
				t.Errorf("more than %d series drawn", MaxSeries)
			}
		})
	}
}

func TestSVGEscapesText(t *testing.T) {
	const evil = `<script>&"'`
	c := Chart{ID: `x"><script>`, Title: evil, Start: t0, Unit: `<u>`,
		Series: []Series{{evil, []float64{1, 2}}, {"b", []float64{2, 1}}}, NoData: evil}
	out := c.SVG()
	if bytes.Contains(out, []byte("<script")) || bytes.Contains(out, []byte("<u>")) {
		t.Fatalf("unescaped text in output:\n%s", out)
	}
	root := parse(t, out)
	title := root.all(named("title"))
	if len(title) != 1 || title[0].Text != evil {
		t.Errorf("title = %+v, want %q", title, evil)
	}
	if got := texts(root, "legend"); len(got) != 2 || got[0] != evil {
		t.Errorf("legend = %q, want %q first", got, evil)
	}
	desc := root.all(named("desc"))[0].Text
	if !strings.Contains(desc, evil+": latest 2<u> at 10:01") {
		t.Errorf("desc = %q, want the series name and unit as given", desc)
	}
	ids, _ := root.attr("aria-labelledby")
	if ids != "x---script--t x---script--d" {
		t.Errorf("aria-labelledby = %q, want the sanitized ID", ids)
	}
	// The "no data" text is escaped too.
	empty := Chart{Title: "e", NoData: evil}.SVG()
	if got := parse(t, empty).all(classed("text", "nodata")); len(got) != 1 || got[0].Text != evil {
		t.Errorf("no-data text = %+v", got)
	}
}

func TestIDsAreUniqueAndStable(t *testing.T) {
	a := Chart{Title: "Requests"}.SVG()
	b := Chart{Title: "Latency"}.SVG()
	ida, _ := parse(t, a).attr("aria-labelledby")
	idb, _ := parse(t, b).attr("aria-labelledby")
	if ida == idb {
		t.Errorf("two titles give the same ids %q", ida)
	}
	if again, _ := parse(t, Chart{Title: "Requests"}.SVG()).attr("aria-labelledby"); again != ida {
		t.Errorf("ids not stable: %q then %q", ida, again)
	}
	if id, _ := parse(t, Chart{ID: "9 lives", Title: "Requests"}.SVG()).attr("aria-labelledby"); id != "p9-lives-t p9-lives-d" {
		t.Errorf("ID given: aria-labelledby = %q", id)
	}
}

func TestSVGIsDeterministicAndCompact(t *testing.T) {
	c := Chart{Title: "Latency", Start: t0, Step: time.Minute, Unit: "ms",
		Series: []Series{{"a", ramp(60, func(i int) float64 { return math.Sqrt(float64(i)) * 3.14159 })}}}
	a, b := c.SVG(), c.SVG()
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings of one chart differ")
	}
	// Coordinates carry at most one decimal.
	for _, m := range regexp.MustCompile(`(?:[ "MLHVhvML])(-?\d+\.\d{2,})`).FindAllSubmatch(a, -1) {
		t.Errorf("number with more than one decimal: %s", m[1])
	}
}

func TestNaNMakesGaps(t *testing.T) {
	nan := math.NaN()
	c := Chart{Title: "gaps", Start: t0, Series: []Series{{"a", []float64{1, 2, nan, 3, 4, nan, 5, nan}}}}
	root := parse(t, c.SVG())
	g := root.all(classed("g", "s0"))
	if len(g) != 1 {
		t.Fatalf("series groups = %d", len(g))
	}
	paths := g[0].all(named("path"))
	if len(paths) != 1 {
		t.Fatalf("paths = %d, want 1", len(paths))
	}
	d, _ := paths[0].attr("d")
	if got := strings.Count(d, "M"); got != 2 {
		t.Errorf("path %q has %d segments, want 2", d, got)
	}
	if got := strings.Count(d, "L"); got != 2 {
		t.Errorf("path %q has %d lines, want 2 (one per segment)", d, got)
	}
	// The 5 between two gaps is a dot.
	if dots := g[0].all(named("circle")); len(dots) != 1 {
		t.Errorf("dots = %d, want 1 for the lone value", len(dots))
	}
}

func TestSinglePointIsADot(t *testing.T) {
	root := parse(t, Chart{Title: "one", Start: t0, Series: []Series{{"a", []float64{7}}}}.SVG())
	g := root.all(classed("g", "s0"))[0]
	if len(g.all(named("path"))) != 0 || len(g.all(named("circle"))) != 1 {
		t.Errorf("single point: want one circle and no path, got %+v", g.Children)
	}
}

func TestYTicksAreNice(t *testing.T) {
	cases := []struct {
		max  float64
		want []float64
	}{
		{7, []float64{0, 2, 4, 6, 8}},
		{1234, []float64{0, 500, 1000, 1500}},
		{0.03, []float64{0, 0.01, 0.02, 0.03}},
		{1e6, []float64{0, 2e5, 4e5, 6e5, 8e5, 1e6}},
		{0, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{100, []float64{0, 20, 40, 60, 80, 100}},
	}
	for _, tc := range cases {
		top, got := yTicks(tc.max, 0)
		if !approxEqual(got, tc.want) {
			t.Errorf("yTicks(%g) = %v, want %v", tc.max, got, tc.want)
		}
		if top != got[len(got)-1] {
			t.Errorf("yTicks(%g): top %g is not the last tick %v", tc.max, top, got)
		}
	}
	// Every range: a 1-2-5 step from 0, at most 6 labels, the top covers
	// the data and is less than a step above it.
	for m := 0.00013; m < 3e9; m *= 1.37 {
		top, ticks := yTicks(m, 0)
		step := ticks[1]
		mant := step / math.Pow10(int(math.Floor(math.Log10(step)+1e-9)))
		if ticks[0] != 0 || len(ticks) > 6 || top < m || top-step >= m ||
			!(math.Abs(mant-1) < 1e-9 || math.Abs(mant-2) < 1e-9 || math.Abs(mant-5) < 1e-9) {
			t.Errorf("yTicks(%g) = %g %v", m, top, ticks)
		}
	}
}

func approxEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9*math.Max(1, math.Abs(b[i])) {
			return false
		}
	}
	return true
}

func TestYLabelsAreCompact(t *testing.T) {
	cases := []struct {
		unit string
		max  float64
		want string
	}{
		{"", 1234, "0 500 1k 1.5k"},
		{"", 3.4e6, "0 1M 2M 3M 4M"},
		{"", 0.03, "0 0.01 0.02 0.03"},
		{"", 2.5, "0 0.5 1 1.5 2 2.5"},
		{"ms", 12, "0 ms 5 ms 10 ms 15 ms"},
		{"ms", 2600, "0 ms 1 s 2 s 3 s"},
		{"/min", 1234, "0/min 500/min 1k/min 1.5k/min"},
	}
	for _, tc := range cases {
		c := Chart{Title: "t", Start: t0, Unit: tc.unit, Series: []Series{{"a", []float64{0, tc.max}}}}
		if got := strings.Join(yLabels(parse(t, c.SVG())), " "); got != tc.want {
			t.Errorf("unit %q max %g: y labels %q, want %q", tc.unit, tc.max, got, tc.want)
		}
	}
}

func TestYMaxIsHonored(t *testing.T) {
	c := Chart{Title: "CPU", Start: t0, Unit: "%", YMax: 100, Series: []Series{{"a", []float64{30, 50, 140}}}}
	root := parse(t, c.SVG())
	if got := strings.Join(yLabels(root), " "); got != "0% 20% 40% 60% 80% 100%" {
		t.Fatalf("y labels = %q", got)
	}
	// 50 lies halfway between the 0% and the 100% gridline; 140 is clipped
	// to the top.
	var y0, y100 float64
	for _, tx := range root.all(named("text")) {
		y, _ := tx.attr("y")
		switch tx.Text {
		case "0%":
			y0 = num(t, y) - 4
		case "100%":
			y100 = num(t, y) - 4
		}
	}
	d, _ := root.all(classed("g", "s0"))[0].all(named("path"))[0].attr("d")
	pts := regexp.MustCompile(`[ML]([\d.]+) ([\d.]+)`).FindAllStringSubmatch(d, -1)
	if len(pts) != 3 {
		t.Fatalf("path %q: want 3 points", d)
	}
	if mid := num(t, pts[1][2]); math.Abs(mid-(y0+y100)/2) > 0.1 {
		t.Errorf("50%% drawn at y=%g, want %g", mid, (y0+y100)/2)
	}
	if topv := num(t, pts[2][2]); topv != y100 {
		t.Errorf("140%% drawn at y=%g, want clipped to %g", topv, y100)
	}
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

func TestXLabelsHourInTokyo(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		start time.Time
		want  string
	}{
		{time.Date(2026, 12, 6, 10, 0, 0, 0, tokyo), "10:00 10:10 10:20 10:30 10:40 10:50"},
		{time.Date(2026, 12, 6, 10, 3, 0, 0, tokyo), "10:10 10:20 10:30 10:40 10:50 11:00"},
	} {
		c := Chart{Title: "hour", Start: tc.start, Step: time.Minute, Loc: tokyo, Series: []Series{{"a", ramp(60, func(int) float64 { return 1 })}}}
		if got := strings.Join(xLabels(parse(t, c.SVG())), " "); got != tc.want {
			t.Errorf("start %v: x labels %q, want %q", tc.start, got, tc.want)
		}
	}
}

func TestXLabelsDayInKolkata(t *testing.T) {
	// +05:30: ticks on the local wall clock are not on UTC hours.
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 5, 12, 0, 0, 0, kolkata)
	for _, tc := range []struct {
		step time.Duration
		n    int
		kind Kind
		want string
	}{
		{15 * time.Minute, 96, Lines, "12:00 16:00 20:00 Dec 6 04:00 08:00"},
		{time.Hour, 24, Lines, "12:00 16:00 20:00 Dec 6 04:00 08:00"},
		{time.Hour, 24, Bars, "12:00 16:00 20:00 Dec 6 04:00 08:00 12:00"},
	} {
		c := Chart{Title: "day", Start: start, Step: tc.step, Loc: kolkata, Kind: tc.kind, Series: []Series{{"a", ramp(tc.n, func(int) float64 { return 1 })}}}
		if got := strings.Join(xLabels(parse(t, c.SVG())), " "); got != tc.want {
			t.Errorf("step %v kind %d: x labels %q, want %q", tc.step, tc.kind, got, tc.want)
		}
	}
	// The same instants in UTC.
	c := Chart{Title: "day", Start: start, Step: time.Hour, Series: []Series{{"a", ramp(24, func(int) float64 { return 1 })}}}
	if got := strings.Join(xLabels(parse(t, c.SVG())), " "); got != "08:00 12:00 16:00 20:00 Dec 6 04:00" {
		t.Errorf("UTC: x labels %q", got)
	}
}

func TestXTicksAcrossSpans(t *testing.T) {
	for _, span := range []time.Duration{30 * time.Second, 5 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 400 * 24 * time.Hour} {
		ticks, every := xTicks(t0.Add(7*time.Minute), t0.Add(7*time.Minute+span), time.UTC)
		if len(ticks) < 2 || len(ticks) > maxXIntervals+1 {
			t.Errorf("span %v: %d ticks every %v", span, len(ticks), every)
		}
		for i := 1; i < len(ticks); i++ {
			if every < 24*time.Hour && ticks[i].Sub(ticks[i-1]) != every {
				t.Errorf("span %v: ticks %v and %v are not %v apart", span, ticks[i-1], ticks[i], every)
			}
		}
	}
}

func TestBarsOnePerStep(t *testing.T) {
	nan := math.NaN()
	a := []float64{3, 0, nan, 5, 1, 2}
	b := []float64{1, 1, 1, nan, nan, 4}
	c := Chart{Title: "Webhooks", Start: t0, Step: time.Hour, Kind: Bars, Series: []Series{{"received", a}, {"failed", b}}}
	root := parse(t, c.SVG())
	var xs [2][]float64
	for i, want := range []int{4, 4} { // positive finite values
		g := root.all(classed("g", "s"+string(rune('0'+i))))
		var rects []node
		for _, gg := range g {
			if gg.hasClass("series") {
				rects = gg.all(named("rect"))
			}
		}
		if len(rects) != want {
			t.Errorf("series %d: %d bars, want %d", i, len(rects), want)
		}
		for _, r := range rects {
			x, _ := r.attr("x")
			xs[i] = append(xs[i], num(t, x))
		}
	}
	// In the first step the second series' bar stands right of the first.
	if len(xs[0]) > 0 && len(xs[1]) > 0 && !(xs[1][0] > xs[0][0]) {
		t.Errorf("bars of a step overlap or are out of order: %v %v", xs[0][0], xs[1][0])
	}
	desc := root.all(named("desc"))[0].Text
	if !strings.Contains(desc, "received: latest 2 at 15:00, max 5, total 11.") {
		t.Errorf("desc = %q", desc)
	}
}

func TestNoData(t *testing.T) {
	nan := math.NaN()
	for name, series := range map[string][]Series{
		"none":    nil,
		"empty":   {{"a", nil}},
		"all NaN": {{"a", []float64{nan, nan, math.Inf(1)}}, {"b", []float64{nan}}},
	} {
		root := parse(t, Chart{Title: name, Start: t0, Series: series}.SVG())
		nd := root.all(classed("text", "nodata"))
		if len(nd) != 1 || nd[0].Text != "no data" {
			t.Errorf("%s: no-data text = %+v", name, nd)
		}
		if len(root.all(classed("path", "axis"))) != 1 {
			t.Errorf("%s: no axis", name)
		}
		for _, g := range root.all(classed("g", "series")) {
			if len(g.Children) != 0 {
				t.Errorf("%s: series drawn: %+v", name, g.Children)
			}
		}
		if got := strings.Join(yLabels(root), " "); got != "0 0.2 0.4 0.6 0.8 1" {
			t.Errorf("%s: y labels %q", name, got)
		}
	}
	zeros := parse(t, Chart{Title: "z", Start: t0, Series: []Series{{"a", []float64{0, 0, 0}}}}.SVG())
	if len(zeros.all(classed("text", "nodata"))) != 0 {
		t.Error("all-zero data says no data")
	}
	if got := strings.Join(yLabels(zeros), " "); got != "0 0.2 0.4 0.6 0.8 1" {
		t.Errorf("all zero: y labels %q, want 0..1", got)
	}
}

func TestSeriesStylesDiffer(t *testing.T) {
	series := make([]Series, MaxSeries)
	for i := range series {
		series[i] = Series{Values: []float64{1, 2}}
	}
	root := parse(t, Chart{Title: "s", Start: t0, Series: series}.SVG())
	groups := root.all(classed("g", "series"))
	if len(groups) != MaxSeries {
		t.Fatalf("groups = %d", len(groups))
	}
	colors, dashes := map[string]bool{}, map[string]bool{}
	for i, g := range groups {
		if !g.hasClass("s" + string(rune('0'+i))) {
			t.Errorf("group %d lacks class s%d", i, i)
		}
		c, _ := g.attr("stroke")
		d, ok := g.attr("stroke-dasharray")
		colors[c] = true
		if i == 0 && ok || i > 0 && (!ok || dashes[d]) {
			t.Errorf("series %d: dash %q (present %v) not distinct", i, d, ok)
		}
		dashes[d] = true
	}
	if len(colors) != MaxSeries {
		t.Errorf("colors not distinct: %v", colors)
	}
	if got := texts(root, "legend"); strings.Join(got, ",") != "Series 1,Series 2,Series 3,Series 4,Series 5,Series 6" {
		t.Errorf("legend = %q", got)
	}
}

func TestDescSummarizes(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	c := Chart{Title: "Latency", Start: time.Date(2026, 12, 6, 10, 0, 0, 0, tokyo), Step: time.Minute, Loc: tokyo, Unit: "ms",
		Series: []Series{{"p50", append(ramp(59, func(i int) float64 { return float64(i) }), 12.34)}, {"p99", []float64{math.NaN()}}}}
	desc := parse(t, c.SVG()).all(named("desc"))[0].Text
	want := "Latency. Dec 6 10:00 to 10:59 JST, every 1 minute. p50: latest 12.3 ms at 10:59, max 58 ms. p99: no data."
	if desc != want {
		t.Errorf("desc =\n%q, want\n%q", desc, want)
	}
}

func TestExtraSeriesAreLeftOutAndSaid(t *testing.T) {
	series := make([]Series, MaxSeries+2)
	for i := range series {
		series[i] = Series{Name: "route " + string(rune('a'+i)), Values: []float64{float64(i), 1}}
	}
	root := parse(t, Chart{Title: "routes", Start: t0, Series: series}.SVG())
	if got := len(root.all(classed("g", "series"))); got != MaxSeries {
		t.Errorf("series drawn = %d, want %d", got, MaxSeries)
	}
	desc := root.all(named("desc"))[0].Text
	if !strings.HasSuffix(desc, "route f: latest 1 at 10:01, max 5. 2 more series not shown.") {
		t.Errorf("desc = %q", desc)
	}
}
