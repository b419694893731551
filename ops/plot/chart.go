// Package plot renders small, dependency-free SVG charts on the server for the
// operator dashboard: time series as lines or bars (Chart) and inline
// sparklines for table cells (Sparkline).
//
// A chart scales to its container (a viewBox of 400×190 units, width 100%)
// and stays readable on a 360 px wide phone. Colors come from presentation
// attributes that the page's CSS may override per series class ("s0".."s5");
// series 1 and later also carry a dash pattern so that lines are told apart
// without color. The output is deterministic and numbers in coordinates carry
// at most one decimal, to keep pages small.
package plot

import (
	"bytes"
	"encoding/xml"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
)

// Series is one line of a chart: Values[i] is at Chart.Start + i*Chart.Step;
// math.NaN() (or ±Inf) is "no data", drawn as a gap, not as zero.
type Series struct {
	Name   string
	Values []float64
}

// Kind says how a chart draws its series.
type Kind int

const (
	// Lines draws each series as a line; a value between two gaps is a dot.
	Lines Kind = iota
	// Bars draws one bar per step and series, each bar covering
	// [Start+i*Step, Start+(i+1)*Step). Several series stand side by side
	// in each step (not stacked: the dashboard's counts are often subsets
	// of one another, such as deliveries received and applied, and
	// stacking would add them up).
	Bars
)

// MaxSeries is the number of series a chart draws; more are left out.
const MaxSeries = 6

// Chart is a time series chart. The zero values of the optional fields are
// usable: a nil Loc is UTC, a Step of 0 is one minute, an empty ID is derived
// from the title.
type Chart struct {
	// ID makes the ids of <title> and <desc> ("<ID>-t", "<ID>-d") unique
	// on the page. Characters other than ASCII letters, digits, '-' and '_'
	// become '-', and a leading non-letter gets a "p" prefix. Empty: "p"
	// and 8 hex digits of the FNV-1a hash of Title, so two charts with the
	// same title on one page need distinct IDs.
	ID     string
	Title  string // goes into <title>, escaped; the page shows its own heading
	Start  time.Time
	Step   time.Duration
	Series []Series // at most MaxSeries are drawn; series i gets CSS class "s<i>"
	Kind   Kind
	Unit   string         // appended to y labels and the description: "ms", "%", "/min", ""
	YMax   float64        // top of the y scale; 0: from the data
	Loc    *time.Location // zone of the x labels and the description; nil: UTC
	// NoData is shown instead of the series when no value is finite;
	// empty: "no data".
	NoData string
}

// Layout, in viewBox units.
const (
	width    = 400
	height   = 190
	fontSize = 12
	right    = 380 // right end of the plot area; room for a centered x label
	bottom   = 168 // the x axis
	labelY   = 184 // baseline of the x labels
	legendH  = 16  // one legend row
)

// Default series styles: Okabe-Ito colors, darkened where they fall below
// 3:1 against white, and dash patterns for series 1 and later.
var (
	colors = [MaxSeries]string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#996600", "#6A3D9A"}
	dashes = [MaxSeries]string{"", "6 3", "2 2", "8 3 2 3", "1 3", "10 3 4 3"}
)

// svgBuf accumulates the document.
type svgBuf struct {
	bytes.Buffer
	scratch []byte
}

func (w *svgBuf) s(s string) { w.WriteString(s) }

// n writes a coordinate with at most one decimal.
func (w *svgBuf) n(v float64) {
	w.scratch = coord(w.scratch[:0], v)
	w.Write(w.scratch)
}

// esc writes s escaped for text and attribute values alike.
func (w *svgBuf) esc(s string) {
	_ = xml.EscapeText(w, []byte(s)) // a bytes.Buffer does not fail
}

// finite reports whether v is a value to draw.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// SVG renders the chart as one <svg> element with role="img", labelled by
// its <title> and a <desc> that states, per series, the latest and the
// largest value (and the total, for bars).
func (c Chart) SVG() []byte {
	series := c.Series
	if len(series) > MaxSeries {
		series = series[:MaxSeries]
	}
	step := c.Step
	if step <= 0 {
		step = time.Minute
	}
	loc := c.Loc
	if loc == nil {
		loc = time.UTC
	}
	n, dataMax, hasData := 0, 0.0, false
	for _, s := range series {
		n = max(n, len(s.Values))
		for _, v := range s.Values {
			if finite(v) {
				hasData = true
				dataMax = max(dataMax, v)
			}
		}
	}
	top, yt := yTicks(dataMax, c.YMax)
	ylabels := make([]string, len(yt))
	labelW := 0.0
	for i, v := range yt {
		ylabels[i] = formatTick(v, c.Unit)
		labelW = max(labelW, textWidth(ylabels[i]))
	}
	left := math.Min(math.Max(math.Ceil(labelW)+10, 24), 90)

	// The x domain: lines from the first to the last point, bars from
	// the start of the first step to the end of the last.
	span := step * time.Duration(max(n-1, 1))
	if c.Kind == Bars {
		span = step * time.Duration(max(n, 1))
	}
	end := c.Start.Add(span)
	xOf := func(t time.Time) float64 {
		return left + float64(t.Sub(c.Start))/float64(span)*(right-left)
	}

	// The legend, for two or more series: rows of swatch and name.
	type entry struct {
		x, y float64
		name string
	}
	var legend []entry
	rows := 0
	if len(series) > 1 {
		x, y := left, float64(legendH-4)
		rows = 1
		for i, s := range series {
			name := seriesName(s, i)
			w := 22 + textWidth(name)
			if x+w > width-4 && x > left {
				x, y = left, y+legendH
				rows++
			}
			legend = append(legend, entry{x, y, name})
			x += w + 12
		}
	}
	topY := float64(10 + rows*legendH)
	yOf := func(v float64) float64 {
		v = math.Min(math.Max(v, 0), top)
		return bottom - v/top*(bottom-topY)
	}

	id := chartID(c.ID, c.Title)
	w := &svgBuf{}
	w.Grow(1024 + n*len(series)*16)
	w.s(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 190" role="img" aria-labelledby="`)
	w.s(id + "-t " + id + "-d")
	if c.Kind == Bars {
		w.s(`" class="plot plot-bars"`)
	} else {
		w.s(`" class="plot plot-lines"`)
	}
	w.s(` font-family="sans-serif" font-size="12"><title id="` + id + `-t">`)
	w.esc(c.Title)
	w.s(`</title><desc id="` + id + `-d">`)
	w.esc(c.describe(series, step, loc, n))
	w.s("</desc>\n")

	// Grid lines at the y ticks above 0, then the axis and x tick marks.
	w.s(`<path class="grid" stroke="#ddd" d="`)
	for _, v := range yt[1:] {
		w.s("M")
		w.n(left)
		w.s(" ")
		w.n(yOf(v))
		w.s("H")
		w.n(right)
	}
	w.s(`"/>` + "\n")
	var xt []time.Time
	var every time.Duration
	if n > 0 { // with no values there is no window to label
		xt, every = xTicks(c.Start, end, loc)
	}
	w.s(`<path class="axis" stroke="#444" d="M`)
	w.n(left)
	w.s(" ")
	w.n(bottom)
	w.s("H")
	w.n(right)
	for _, t := range xt {
		w.s("M")
		w.n(xOf(t))
		w.s(" ")
		w.n(bottom)
		w.s("v4")
	}
	w.s(`"/>` + "\n")

	// Labels: y right-aligned left of the plot, x centered under ticks.
	w.s(`<g class="labels" fill="#444">`)
	for i, v := range yt {
		w.s(`<text x="`)
		w.n(left - 4)
		w.s(`" y="`)
		w.n(yOf(v) + 4)
		w.s(`" text-anchor="end">`)
		w.esc(ylabels[i])
		w.s("</text>")
	}
	for _, t := range xt {
		label, x := xLabel(t, every, loc), xOf(t)
		w.s(`<text x="`)
		w.n(x)
		if x+textWidth(label)/2 > width-2 {
			w.s(`" y="184" text-anchor="end">`) // would be cut off
		} else {
			w.s(`" y="184" text-anchor="middle">`)
		}
		w.esc(label)
		w.s("</text>")
	}
	w.s("</g>\n")

	if !hasData {
		nodata := c.NoData
		if nodata == "" {
			nodata = "no data"
		}
		w.s(`<text class="nodata" fill="#444" text-anchor="middle" x="`)
		w.n((left + right) / 2)
		w.s(`" y="`)
		w.n((topY+bottom)/2 + 4)
		w.s(`">`)
		w.esc(nodata)
		w.s("</text>\n")
	}

	for i, s := range series {
		if c.Kind == Bars {
			slot := (right - left) / float64(max(n, 1))
			group := slot * 0.8
			if group < 1 {
				group = slot
			}
			bw := group / float64(len(series))
			w.s(`<g class="series s` + strconv.Itoa(i) + `" fill="` + colors[i] + `">`)
			for j, v := range s.Values {
				if !finite(v) || v <= 0 {
					continue
				}
				y := yOf(v)
				w.s(`<rect x="`)
				w.n(left + float64(j)*slot + (slot-group)/2 + float64(i)*bw)
				w.s(`" y="`)
				w.n(y)
				w.s(`" width="`)
				w.n(math.Max(bw, 0.1))
				w.s(`" height="`)
				w.n(bottom - y)
				w.s(`"/>`)
			}
			w.s("</g>\n")
			continue
		}
		w.s(`<g class="series s` + strconv.Itoa(i) + `" stroke="` + colors[i] + `"`)
		if dashes[i] != "" {
			w.s(` stroke-dasharray="` + dashes[i] + `"`)
		}
		w.s(` stroke-width="2" fill="none" stroke-linejoin="round">`)
		c.drawLine(w, s.Values, step, xOf, yOf)
		w.s("</g>\n")
	}

	if len(legend) > 0 {
		w.s(`<g class="legend">`)
		for i, e := range legend {
			if c.Kind == Bars {
				w.s(`<rect class="s` + strconv.Itoa(i) + `" fill="` + colors[i] + `" x="`)
				w.n(e.x + 4)
				w.s(`" y="`)
				w.n(e.y - 9)
				w.s(`" width="10" height="10"/>`)
			} else {
				w.s(`<path class="s` + strconv.Itoa(i) + `" stroke="` + colors[i] + `"`)
				if dashes[i] != "" {
					w.s(` stroke-dasharray="` + dashes[i] + `"`)
				}
				w.s(` stroke-width="2" d="M`)
				w.n(e.x)
				w.s(" ")
				w.n(e.y - 4)
				w.s(`h18"/>`)
			}
			w.s(`<text fill="#222" x="`)
			w.n(e.x + 22)
			w.s(`" y="`)
			w.n(e.y)
			w.s(`">`)
			w.esc(e.name)
			w.s("</text>")
		}
		w.s("</g>\n")
	}
	w.s("</svg>")
	return w.Bytes()
}

// drawLine writes one path with a subpath per run of finite values, and a
// dot for each run of a single value.
func (c Chart) drawLine(w *svgBuf, vals []float64, step time.Duration, xOf func(time.Time) float64, yOf func(float64) float64) {
	x := func(j int) float64 { return xOf(c.Start.Add(time.Duration(j) * step)) }
	var dots []int
	path := false
	for j := 0; j < len(vals); j++ {
		if !finite(vals[j]) {
			continue
		}
		k := j
		for k+1 < len(vals) && finite(vals[k+1]) {
			k++
		}
		if k == j {
			dots = append(dots, j)
			continue
		}
		if !path {
			w.s(`<path d="`)
			path = true
		}
		for m := j; m <= k; m++ {
			if m == j {
				w.s("M")
			} else {
				w.s("L")
			}
			w.n(x(m))
			w.s(" ")
			w.n(yOf(vals[m]))
		}
		j = k
	}
	if path {
		w.s(`"/>`)
	}
	for _, j := range dots {
		// A ring of radius 1 and width 2 is a filled dot that takes
		// the series' stroke color, so CSS themes it like the lines.
		w.s(`<circle class="dot" r="1" stroke-width="2" stroke-dasharray="none" cx="`)
		w.n(x(j))
		w.s(`" cy="`)
		w.n(yOf(vals[j]))
		w.s(`"/>`)
	}
}

// describe summarizes the chart in words for <desc>.
func (c Chart) describe(series []Series, step time.Duration, loc *time.Location, n int) string {
	var b strings.Builder
	if c.Title != "" {
		b.WriteString(strings.TrimRight(c.Title, ". "))
		b.WriteString(". ")
	}
	if n > 0 {
		first := c.Start.In(loc)
		last := c.Start.Add(step * time.Duration(n-1)).In(loc)
		b.WriteString(first.Format("Jan 2 15:04"))
		b.WriteString(" to ")
		if last.YearDay() == first.YearDay() && last.Year() == first.Year() {
			b.WriteString(last.Format("15:04 MST"))
		} else {
			b.WriteString(last.Format("Jan 2 15:04 MST"))
		}
		b.WriteString(", every ")
		b.WriteString(humanDuration(step))
		b.WriteString(".")
	}
	for i, s := range series {
		b.WriteString(" ")
		b.WriteString(seriesName(s, i))
		b.WriteString(": ")
		latest, maxV, total, count := -1, math.Inf(-1), 0.0, 0
		for j, v := range s.Values {
			if finite(v) {
				latest, maxV, total, count = j, max(maxV, v), total+v, count+1
			}
		}
		if count == 0 {
			b.WriteString("no data.")
			continue
		}
		b.WriteString("latest ")
		b.WriteString(formatValue(s.Values[latest], c.Unit))
		b.WriteString(" at ")
		b.WriteString(c.Start.Add(step * time.Duration(latest)).In(loc).Format("15:04"))
		b.WriteString(", max ")
		b.WriteString(formatValue(maxV, c.Unit))
		if c.Kind == Bars {
			b.WriteString(", total ")
			b.WriteString(formatValue(total, c.Unit))
		}
		b.WriteString(".")
	}
	if len(c.Series) > len(series) {
		b.WriteString(" " + strconv.Itoa(len(c.Series)-len(series)) + " more series not shown.")
	}
	return b.String()
}

// seriesName is the series' name, or "Series <i+1>" when it has none.
func seriesName(s Series, i int) string {
	if strings.TrimSpace(s.Name) != "" {
		return s.Name
	}
	return "Series " + strconv.Itoa(i+1)
}

// chartID sanitizes id into an XML/HTML id, or derives one from title.
func chartID(id, title string) string {
	if id == "" {
		h := fnv.New32a()
		h.Write([]byte(title))
		return "p" + strconv.FormatUint(uint64(h.Sum32())|1<<32, 16)[1:]
	}
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	if c := b[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return "p" + string(b)
	}
	return string(b)
}
