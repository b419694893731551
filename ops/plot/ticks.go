package plot

import (
	"math"
	"time"
)

// maxYIntervals bounds the y axis to at most maxYIntervals+1 labels.
const maxYIntervals = 5

// yTicks returns the top of the y scale and the tick values, starting at 0,
// spaced by the smallest 1-2-5 step that needs at most maxYIntervals
// intervals. With ymax > 0 the scale ends at ymax exactly (ticks stop at the
// last multiple of the step not above it); otherwise it ends at the first
// tick at or above dataMax. A dataMax of 0 (all zero, or no data) gives 0..1.
func yTicks(dataMax, ymax float64) (top float64, ticks []float64) {
	top = ymax
	if top <= 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		top = dataMax
		if top <= 0 {
			top = 1
		}
	}
	step := niceStep(top)
	if ymax <= 0 || math.IsNaN(ymax) || math.IsInf(ymax, 0) {
		top = math.Ceil(top/step-1e-9) * step
	}
	for k := 0; ; k++ {
		v := float64(k) * step
		if v > top*(1+1e-9) {
			break
		}
		ticks = append(ticks, v)
	}
	return top, ticks
}

// niceStep is the smallest step of the form {1,2,5}×10^k that covers top in
// at most maxYIntervals intervals.
func niceStep(top float64) float64 {
	if !(top > 0) || math.IsInf(top, 0) {
		return 1
	}
	e := math.Floor(math.Log10(top / maxYIntervals))
	for {
		p := math.Pow10(int(e))
		for _, m := range []float64{1, 2, 5} {
			s := m * p
			if math.Ceil(top/s-1e-9) <= maxYIntervals {
				return s
			}
		}
		e++
	}
}

// xIntervals are the round spacings of x ticks, smallest first.
var xIntervals = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour,
}

// maxXIntervals: the span holds at most this many tick intervals, so at most
// 7 ticks and usually 6.
const maxXIntervals = 6

// xTicks returns the ticks between start and end (both included) at the
// smallest round interval that fits the span in maxXIntervals intervals,
// aligned to the wall clock of loc (10:00, 10:10 in a +05:30 zone too), and
// the interval chosen.
func xTicks(start, end time.Time, loc *time.Location) ([]time.Time, time.Duration) {
	span := end.Sub(start)
	every := time.Duration(0)
	for _, d := range xIntervals {
		limit := time.Duration(maxXIntervals)
		if d < time.Minute {
			limit = 4 // "15:04:05" is wider
		}
		if span <= limit*d {
			every = d
			break
		}
	}
	const day = 24 * time.Hour
	if every == 0 {
		days := (span + maxXIntervals*day - 1) / (maxXIntervals * day)
		every = days * day
	}
	var ticks []time.Time
	add := func(t time.Time) {
		if t.Before(start) || t.After(end) {
			return
		}
		if n := len(ticks); n > 0 && !t.After(ticks[n-1]) {
			return // a repeated or skipped wall time around a DST change
		}
		ticks = append(ticks, t)
	}
	s := start.In(loc)
	for d := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc); !d.After(end); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		if every >= day {
			// Whole days, aligned to a fixed calendar so that the ticks
			// do not move as the window slides; weeks start on Monday.
			idx := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
			if every%(7*day) == 0 {
				idx += 3 // 1970-01-01 was a Thursday
			}
			if idx%int64(every/day) == 0 {
				add(d)
			}
			continue
		}
		// Skip to just before start (a DST change moves wall time by
		// at most a few hours against elapsed time).
		first := time.Duration(0)
		if k := (start.Sub(d) - 3*time.Hour) / every; k > 0 {
			first = k * every
		}
		for off := first; off < day; off += every {
			// time.Date normalizes the nanoseconds on the wall clock,
			// then resolves the zone.
			t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, int(off), loc)
			if t.After(end) {
				break
			}
			add(t)
		}
	}
	return ticks, every
}

// xLabel formats a tick: a date at local midnight for hour and longer
// intervals, otherwise the wall time.
func xLabel(t time.Time, every time.Duration, loc *time.Location) string {
	t = t.In(loc)
	switch {
	case every < time.Minute:
		return t.Format("15:04:05")
	case every >= time.Hour && t.Hour() == 0 && t.Minute() == 0:
		return t.Format("Jan 2")
	case every >= 24*time.Hour:
		return t.Format("Jan 2")
	}
	return t.Format("15:04")
}
