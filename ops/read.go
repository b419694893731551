package ops

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Range is a span of time cut into N steps of Step from From (all whole
// minutes).
type Range struct {
	From time.Time
	Step time.Duration
	N    int
}

// LastHour and LastDay are the dashboard's two ranges ending at now's
// minute (included): 60 steps of a minute, 96 of 15 minutes.
func LastHour(now time.Time) Range { return ending(now, time.Minute, 60) }
func LastDay(now time.Time) Range  { return ending(now, 15*time.Minute, 96) }

func ending(now time.Time, step time.Duration, n int) Range {
	end := now.Truncate(step).Add(step)
	return Range{From: end.Add(-time.Duration(n) * step), Step: step, N: n}
}

// To is the end of r (excluded).
func (r Range) To() time.Time { return r.From.Add(time.Duration(r.N) * r.Step) }

// At is the start of step i.
func (r Range) At(i int) time.Time { return r.From.Add(time.Duration(i) * r.Step) }

// Filter narrows a read to one store and one member; "" is all.
type Filter struct {
	Store, Member string
}

// Point is a step's figures: for a counter its Count; for Requests also
// Sum and Max of the latencies (µs) and their Hist; for a gauge the number
// of values, their Sum and Max.
type Point struct {
	Count, Sum, Max int64
	Hist            *Hist
}

func (p *Point) add(rw *row) {
	p.Count += rw.Count
	p.Sum += rw.Sum
	p.Max = max(p.Max, rw.Max)
	if rw.Hist != "" {
		h := decodeHist(rw.Hist)
		if p.Hist == nil {
			p.Hist = h
		} else {
			p.Hist.Merge(h)
		}
	}
}

func (p *Point) merge(o *Point) {
	p.Count += o.Count
	p.Sum += o.Sum
	p.Max = max(p.Max, o.Max)
	if o.Hist != nil {
		if p.Hist == nil {
			p.Hist = new(Hist)
		}
		p.Hist.Merge(o.Hist)
	}
}

// Quantile is a latency quantile of the point's requests, capped at the
// largest seen; 0 when there were none.
func (p *Point) Quantile(q float64) time.Duration {
	if p.Hist == nil {
		return 0
	}
	return min(p.Hist.Quantile(q), time.Duration(p.Max)*time.Microsecond)
}

// Data is what Read found: per series and label, one Point per step.
type Data struct {
	Range
	series map[string]map[string][]Point
}

// Labels are the labels series has in the range, sorted.
func (d *Data) Labels(series string) []string {
	var out []string
	for l := range d.series[series] {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Points are series' points for label, one per step (zero where nothing
// was recorded).
func (d *Data) Points(series, label string) []Point {
	if ps, ok := d.series[series][label]; ok {
		return ps
	}
	return make([]Point, d.N)
}

// Total is series' points over every label.
func (d *Data) Total(series string) []Point {
	out := make([]Point, d.N)
	for _, ps := range d.series[series] {
		for i := range ps {
			out[i].merge(&ps[i])
		}
	}
	return out
}

// Sum merges points into one.
func Sum(ps []Point) Point {
	var p Point
	for i := range ps {
		p.merge(&ps[i])
	}
	return p
}

// Read returns the figures of rg, of every member or f's, of every store
// or f's: from the quarter-hour rows when rg's steps are whole quarters,
// else from the minutes.
func (r *Recorder) Read(ctx context.Context, rg Range, f Filter) (*Data, error) {
	var rows []row
	table := tableMinutes
	if rg.Step%(quarter*time.Minute) == 0 && minuteOf(rg.From)%quarter == 0 {
		table = tableQuarters
	}
	q := r.rdb.NewSelect().Model(&rows).ModelTableExpr(table+" AS m").
		Where("minute >= ?", minuteOf(rg.From)).Where("minute < ?", minuteOf(rg.To()))
	if f.Store != "" {
		q.Where("store = ?", f.Store)
	}
	if f.Member != "" {
		q.Where("member = ?", f.Member)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("ops: read: %w", err)
	}
	d := &Data{Range: rg, series: map[string]map[string][]Point{}}
	stepMin := int64(rg.Step / time.Minute)
	first := minuteOf(rg.From)
	for i := range rows {
		rw := &rows[i]
		byLabel := d.series[rw.Series]
		if byLabel == nil {
			byLabel = map[string][]Point{}
			d.series[rw.Series] = byLabel
		}
		ps := byLabel[rw.Label]
		if ps == nil {
			ps = make([]Point, rg.N)
			byLabel[rw.Label] = ps
		}
		ps[(rw.Minute-first)/stepMin].add(rw)
	}
	return d, nil
}

// MemberSeen is a member that wrote figures, and when it last did (to the
// second: its last flush).
type MemberSeen struct {
	Name     string
	LastSeen time.Time
	Leads    []string // roles it held in its last minute written
}

// Members lists the members that wrote since since, most recent first.
func (r *Recorder) Members(ctx context.Context, since time.Time) ([]MemberSeen, error) {
	var rows []struct {
		Member string `bun:"member"`
		Minute int64  `bun:"minute"`
		Seen   int64  `bun:"seen"`
	}
	err := r.rdb.NewSelect().Model((*row)(nil)).Column("member").ColumnExpr("MAX(minute) AS minute").ColumnExpr("MAX(max) AS seen").
		Where("series = ?", Up).Where("minute >= ?", minuteOf(since)).Group("member").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("ops: members: %w", err)
	}
	out := make([]MemberSeen, 0, len(rows))
	for _, rw := range rows {
		var roles []string
		err := r.rdb.NewSelect().Model((*row)(nil)).Column("label").
			Where("series = ?", Lead).Where("member = ?", rw.Member).Where("minute = ?", rw.Minute).
			Order("label").Scan(ctx, &roles)
		if err != nil {
			return nil, fmt.Errorf("ops: members: %w", err)
		}
		out = append(out, MemberSeen{Name: rw.Member, LastSeen: time.Unix(max(rw.Seen, rw.Minute*60), 0).UTC(), Leads: roles})
	}
	slices.SortFunc(out, func(a, b MemberSeen) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// Events lists up to limit events since since, newest first, of f's store
// and member ("" all).
func (r *Recorder) Events(ctx context.Context, since time.Time, f Filter, limit int) ([]Event, error) {
	var out []Event
	q := r.rdb.NewSelect().Model(&out).Where("at >= ?", since.UTC()).OrderExpr("at DESC, id DESC").Limit(int64(limit))
	if f.Store != "" {
		q.Where("store = ?", f.Store)
	}
	if f.Member != "" {
		q.Where("member = ?", f.Member)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("ops: events: %w", err)
	}
	return out, nil
}
