package plot

import "math"

// Sparkline renders values as a tiny line, 80×20 CSS pixels, for a table
// cell: <svg role="img" aria-label=label class="spark">. It is scaled from
// the smallest to the largest finite value (a flat line in the middle when
// they are equal), NaN and ±Inf are gaps, the last finite value is marked
// with a dot (a value between gaps with a smaller one), and it draws in currentColor so it has the contrast of the text
// around it. With no finite value it draws a dotted baseline; label should
// then say so, as it is all a screen reader announces.
func Sparkline(values []float64, label string) []byte {
	const (
		sw, sh = 80.0, 20.0
		pad    = 2.0
	)
	lo, hi, last := math.Inf(1), math.Inf(-1), -1
	for i, v := range values {
		if finite(v) {
			lo, hi, last = min(lo, v), max(hi, v), i
		}
	}
	w := &svgBuf{}
	w.Grow(64 + len(values)*10)
	w.s(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 20" width="80" height="20" class="spark" role="img" aria-label="`)
	w.esc(label)
	w.s(`" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round">`)
	if last < 0 {
		w.s(`<path stroke-dasharray="2 3" stroke-width="1" d="M2 18H78"/></svg>`)
		return w.Bytes()
	}
	x := func(i int) float64 {
		if len(values) == 1 {
			return sw / 2
		}
		return pad + float64(i)*(sw-2*pad)/float64(len(values)-1)
	}
	y := func(v float64) float64 {
		if hi == lo {
			return sh / 2
		}
		return sh - pad - (v-lo)/(hi-lo)*(sh-2*pad)
	}
	path, pen := false, false
	var lone []int // values between gaps: small dots
	for i, v := range values {
		if !finite(v) {
			pen = false
			continue
		}
		if !pen && (i+1 >= len(values) || !finite(values[i+1])) {
			if i != last {
				lone = append(lone, i)
			}
			continue
		}
		if !path {
			w.s(`<path d="`)
			path = true
		}
		if pen {
			w.s("L")
		} else {
			w.s("M")
		}
		pen = true
		w.n(x(i))
		w.s(" ")
		w.n(y(v))
	}
	if path {
		w.s(`"/>`)
	}
	for _, i := range lone {
		w.s(`<circle r="1" fill="currentColor" stroke="none" cx="`)
		w.n(x(i))
		w.s(`" cy="`)
		w.n(y(values[i]))
		w.s(`"/>`)
	}
	w.s(`<circle r="1.5" fill="currentColor" stroke="none" cx="`)
	w.n(x(last))
	w.s(`" cy="`)
	w.n(y(values[last]))
	w.s(`"/></svg>`)
	return w.Bytes()
}
