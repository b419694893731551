package admin

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/experiments"
	"github.com/wandstore/wandstore/ops"
	"github.com/wandstore/wandstore/ops/plot"
)

// view is what the dashboard page shows.
type view struct {
	Self      string // this member
	Range     string // "hour" or "day"
	Store     string // "" all
	Member    string // "" all
	Stores    []Store
	Members   []string
	Generated time.Time
	Tiles     []tile
	Charts    []chart
	Routes    []routeRow
	Cluster   clusterView
	Events    []eventRow
	Queue     []tile
	Tests     []experimentView
	AI        []aiRow
	AIOn      bool
	Problems  []string // what could not be read
}

// experimentView is one experiment's results.
type experimentView struct {
	Store, ID, Goal, State, SRM, Winner string
	Mismatch                            bool
	Metric                              string // the mean's heading
	Rows                                []experimentRow
}

type aiRow struct {
	At, Store, Kind, Segment, Model, Tokens, Latency, Hits, Outcome string
}

type experimentRow struct {
	Name, Weight, Visitors, Converted, Mean, Diff, Lift, Verdict string
}

type tile struct{ Label, Value, Note string }

type chart struct {
	ID, Title, Note string
	SVG             string
}

type routeRow struct {
	Route, Requests, Errors, P50, P99 string
	Spark                             string
	n                                 int64
}

type clusterView struct {
	HasCache    bool
	Seen        []string
	Coordinator string
	Expected    int
	Split       bool
	Leader      string
	Reporting   []memberRow
}

type memberRow struct {
	Name, LastSeen, Leads string
	Up                    bool
}

type eventRow struct {
	At, Kind, Store, Member, Rendered, Written, Deleted, Took, Detail string
	Failed                                                            bool
}

// silentAfter is how long a member may go without writing its figures
// (every 10 s) before it is shown as silent: three flushes missed.
const silentAfter = 30 * time.Second

// abandonAfter is how long a cart with lines sits without a write from its
// shopper before it counts as abandoned.
const abandonAfter = time.Hour

// dashboard reads the figures and renders the page.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	v := &view{Self: h.opts.Ops.Member(), Range: "hour", Generated: h.opts.Now().UTC(), Stores: h.opts.Stores()}
	if q.Get("range") == "day" {
		v.Range = "day"
	}
	if s := q.Get("store"); s != "" {
		for _, st := range v.Stores {
			if st.Handle == s {
				v.Store = s
			}
		}
	}
	// This member's latest figures first, so the page is current for it.
	if err := h.opts.Ops.Flush(ctx); err != nil {
		v.Problems = append(v.Problems, "this member's latest figures: "+err.Error())
	}
	now := v.Generated
	members, err := h.opts.Ops.Members(ctx, now.Add(-48*time.Hour))
	if err != nil {
		v.Problems = append(v.Problems, err.Error())
	}
	for _, m := range members {
		v.Members = append(v.Members, m.Name)
		if m.Name == q.Get("member") {
			v.Member = m.Name
		}
	}
	slices.Sort(v.Members)
	rg := ops.LastHour(now)
	if v.Range == "day" {
		rg = ops.LastDay(now)
	}
	f := ops.Filter{Store: v.Store, Member: v.Member}
	d, err := h.opts.Ops.Read(ctx, rg, f)
	if err != nil {
		h.opts.Log.Error("admin: read", "err", err)
		http.Error(w, "could not read the figures: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	v.traffic(d)
	v.shoppers(ctx, h, d, rg)
	v.webhooks(ctx, h, d)
	v.cluster(h, members, now)
	v.experiments(ctx, h)
	v.aiCalls(ctx, h)
	evs, err := h.opts.Ops.Events(ctx, rg.From, f, 25)
	if err != nil {
		v.Problems = append(v.Problems, err.Error())
	}
	for _, e := range evs {
		v.Events = append(v.Events, eventRow{
			At: e.At.UTC().Format("Jan 2 15:04:05"), Kind: e.Kind, Store: e.Store, Member: e.Member,
			Rendered: count(int64(e.Rendered)), Written: count(int64(e.Written)), Deleted: count(int64(e.Deleted)),
			Took: duration(e.Duration), Detail: e.Detail, Failed: e.Failed,
		})
	}
	h.write(w, r, http.StatusOK, dashboardPage(v))
}

// traffic fills the request, latency, cache and rate-limit parts.
func (v *view) traffic(d *ops.Data) {
	reqs, errs := d.Total(ops.Requests), d.Total(ops.Errors)
	all := ops.Sum(reqs)
	v.Tiles = append(v.Tiles,
		tile{"Requests", count(all.Count), perMinute(all.Count, d)},
		tile{"Server errors (5xx)", count(ops.Sum(errs).Count), percentOf(ops.Sum(errs).Count, all.Count)},
		tile{"Latency p50", duration(all.Quantile(0.5)), "all routes"},
		tile{"Latency p99", duration(all.Quantile(0.99)), "all routes"},
	)
	v.Charts = append(v.Charts,
		v.chart("requests", "Requests", "per "+stepName(d), plot.Lines, "", 0, d,
			series("requests", counts(reqs)), series("5xx", counts(errs))),
		v.chart("latency", "Latency, all routes", "p50 and p99 per "+stepName(d), plot.Lines, "ms", 0, d,
			series("p50", quantiles(reqs, 0.5)), series("p99", quantiles(reqs, 0.99))),
	)
	hits, misses := d.Points(ops.Fragments, "hit"), d.Points(ops.Fragments, "miss")
	ratio := make([]float64, d.N)
	for i := range ratio {
		n := hits[i].Count + misses[i].Count
		ratio[i] = math.NaN()
		if n > 0 {
			ratio[i] = 100 * float64(hits[i].Count) / float64(n)
		}
	}
	h, m := ops.Sum(hits).Count, ops.Sum(misses).Count
	v.Tiles = append(v.Tiles, tile{"Fragment cache hits", percentOf(h, h+m), count(h+m) + " lookups"})
	limited := d.Total(ops.Limited)
	v.Tiles = append(v.Tiles, tile{"Rate-limit refusals", count(ops.Sum(limited).Count), byLabel(d, ops.Limited)})
	v.Charts = append(v.Charts,
		v.chart("cache", "Fragment cache hit ratio", "hits / lookups", plot.Lines, "%", 100, d, series("hit ratio", ratio)),
		v.chart("limited", "Rate-limit refusals", "per "+stepName(d), plot.Bars, "", 0, d, series("refused", counts(limited))),
	)
	for _, route := range d.Labels(ops.Requests) {
		ps := d.Points(ops.Requests, route)
		s := ops.Sum(ps)
		v.Routes = append(v.Routes, routeRow{
			Route: route, Requests: count(s.Count), Errors: count(ops.Sum(d.Points(ops.Errors, route)).Count),
			P50: duration(s.Quantile(0.5)), P99: duration(s.Quantile(0.99)),
			Spark: string(plot.Sparkline(counts(ps), route+": requests per "+stepName(d))),
			n:     s.Count,
		})
	}
	slices.SortStableFunc(v.Routes, func(a, b routeRow) int { return cmp.Compare(b.n, a.n) })
}

// shoppers fills the orders, revenue and carts parts.
func (v *view) shoppers(ctx context.Context, h *Handler, d *ops.Data, rg ops.Range) {
	created := counts(d.Points(ops.Carts, "created"))
	abandoned := make([]float64, d.N)
	var nAbandoned int64
	if h.opts.Reports != nil {
		at, err := h.opts.Reports.IdleCarts(ctx, v.Store, rg.From.Add(-abandonAfter), rg.To().Add(-abandonAfter))
		if err != nil {
			v.Problems = append(v.Problems, err.Error())
		}
		for _, t := range at {
			if i := int(t.Add(abandonAfter).Sub(rg.From) / rg.Step); i >= 0 && i < d.N {
				abandoned[i]++
				nAbandoned++
			}
		}
	}
	v.Tiles = append(v.Tiles,
		tile{"Carts created", count(int64(sum(created))), ""},
		tile{"Carts abandoned", count(nAbandoned), "idle " + duration(abandonAfter) + ", not ordered"},
	)
	v.Charts = append(v.Charts, v.chart("carts", "Carts", "created and abandoned per "+stepName(d), plot.Lines, "", 0, d,
		series("created", created), series("abandoned", abandoned)))

	// Orders and revenue: per hour over the last day, whatever the range.
	hours := ops.Range{From: v.Generated.Truncate(time.Hour).Add(-23 * time.Hour), Step: time.Hour, N: 24}
	orders := make([]float64, hours.N)
	revenue := map[string][]float64{}
	totals := map[string]int64{}
	var nOrders int64
	if h.opts.Reports != nil {
		os, err := h.opts.Reports.OrderTotals(ctx, v.Store, hours.From, hours.To())
		if err != nil {
			v.Problems = append(v.Problems, err.Error())
		}
		for _, o := range os {
			i := int(o.At.Sub(hours.From) / time.Hour)
			if i < 0 || i >= hours.N {
				continue
			}
			orders[i]++
			nOrders++
			if revenue[o.Currency] == nil {
				revenue[o.Currency] = make([]float64, hours.N)
			}
			revenue[o.Currency][i] += float64(o.Total)
			totals[o.Currency] += o.Total
		}
	}
	var rev []plot.Series
	var revText string
	for _, cur := range sortedKeys(revenue) {
		vals := revenue[cur]
		exp := math.Pow10(catalog.CurrencyDigits(cur))
		for i := range vals {
			vals[i] /= exp
		}
		rev = append(rev, series(cur, vals))
		if revText != "" {
			revText += " · "
		}
		revText += catalog.Money{Amount: totals[cur], Currency: cur}.Format("en")
	}
	if revText == "" {
		revText = "0"
	}
	v.Tiles = append(v.Tiles, tile{"Orders, 24 h", count(nOrders), "every member"}, tile{"Revenue, 24 h", revText, "shipping and tax included"})
	oc := chart{ID: "orders", Title: "Orders per hour", Note: "last 24 hours, every member"}
	oc.SVG = string(plot.Chart{ID: "orders", Title: oc.Title, Start: hours.From, Step: hours.Step, Kind: plot.Bars,
		Series: []plot.Series{series("orders", orders)}}.SVG())
	v.Charts = append(v.Charts, oc)
	if len(rev) == 0 {
		rev = []plot.Series{series("revenue", make([]float64, hours.N))}
	}
	rc := chart{ID: "revenue", Title: "Revenue per hour", Note: "last 24 hours, by currency"}
	rc.SVG = string(plot.Chart{ID: "revenue", Title: rc.Title, Start: hours.From, Step: hours.Step, Kind: plot.Lines, Series: rev}.SVG())
	v.Charts = append(v.Charts, rc)
}

// webhooks fills the webhook, publish and reconcile parts.
func (v *view) webhooks(ctx context.Context, h *Handler, d *ops.Data) {
	rec, app, fail := d.Points(ops.Webhooks, "received"), d.Points(ops.Webhooks, "applied"), d.Points(ops.Webhooks, "failed")
	lag := make([]float64, d.N)
	for i, p := range d.Points(ops.WebhookLag, "") {
		lag[i] = math.NaN()
		if p.Count > 0 {
			lag[i] = float64(p.Max)
		}
	}
	v.Tiles = append(v.Tiles, tile{"Webhooks", count(ops.Sum(rec).Count) + " received",
		count(ops.Sum(app).Count) + " applied · " + count(ops.Sum(fail).Count) + " failed"})
	v.Charts = append(v.Charts,
		v.chart("webhooks", "Webhook deliveries", "per "+stepName(d), plot.Lines, "", 0, d,
			series("received", counts(rec)), series("applied", counts(app)), series("failed", counts(fail))),
		v.chart("lag", "Webhook queue lag", "received to applied, longest per "+stepName(d), plot.Lines, "ms", 0, d, series("lag", lag)),
	)
	pubs, written := d.Points(ops.Published, "publishes"), d.Points(ops.Published, "written")
	runs, repaired := d.Points(ops.Reconciles, "runs"), d.Points(ops.Reconciles, "repaired")
	v.Tiles = append(v.Tiles,
		tile{"Publishes", count(ops.Sum(pubs).Count), count(ops.Sum(written).Count) + " files written"},
		tile{"Reconciles", count(ops.Sum(runs).Count), count(ops.Sum(repaired).Count) + " files repaired"},
	)
	v.Charts = append(v.Charts, v.chart("published", "Files published", "written by publishes and reconciles per "+stepName(d), plot.Bars, "", 0, d,
		series("written", counts(written)), series("repaired", counts(repaired))))
	if h.opts.Queue != nil {
		c, err := h.opts.Queue(ctx)
		if err != nil {
			v.Problems = append(v.Problems, err.Error())
		}
		for _, k := range sortedKeys(c) {
			v.Queue = append(v.Queue, tile{Label: k, Value: count(int64(c[k]))})
		}
	}
}

// cluster fills the members' part.
func (v *view) cluster(h *Handler, members []ops.MemberSeen, now time.Time) {
	c := &v.Cluster
	if h.opts.Membership != nil {
		m := h.opts.Membership()
		c.HasCache, c.Seen, c.Coordinator, c.Expected, c.Split = true, m.Members, m.Coordinator, m.Expected, m.Split
	}
	up := 0
	for _, m := range members {
		row := memberRow{Name: m.Name, LastSeen: m.LastSeen.Format("Jan 2 15:04:05"), Up: now.Sub(m.LastSeen) < silentAfter}
		for i, l := range m.Leads {
			if i > 0 {
				row.Leads += ", "
			}
			row.Leads += l
		}
		if row.Up {
			up++
			if c.Leader == "" && row.Leads != "" {
				c.Leader = m.Name
			}
		}
		c.Reporting = append(c.Reporting, row)
	}
	note := "reported in the last " + duration(silentAfter)
	if c.Split {
		note = "split: fewer cache members seen than expected"
	}
	v.Tiles = append(v.Tiles, tile{"Members up", strconv.Itoa(up), note})
}

// chart makes a chart of d's range.
func (v *view) chart(id, title, note string, kind plot.Kind, unit string, ymax float64, d *ops.Data, ss ...plot.Series) chart {
	c := chart{ID: id, Title: title, Note: note}
	c.SVG = string(plot.Chart{ID: id, Title: title, Start: d.From, Step: d.Step, Kind: kind, Unit: unit, YMax: ymax, Series: ss}.SVG())
	return c
}

func series(name string, vals []float64) plot.Series { return plot.Series{Name: name, Values: vals} }

func counts(ps []ops.Point) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = float64(p.Count)
	}
	return out
}

// quantiles are ps' latency quantile q in ms, NaN where no request was.
func quantiles(ps []ops.Point, q float64) []float64 {
	out := make([]float64, len(ps))
	for i := range ps {
		out[i] = math.NaN()
		if ps[i].Count > 0 {
			out[i] = float64(ps[i].Quantile(q)) / float64(time.Millisecond)
		}
	}
	return out
}

func sum(vs []float64) float64 {
	var s float64
	for _, v := range vs {
		s += v
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func stepName(d *ops.Data) string {
	if d.Step == time.Minute {
		return "minute"
	}
	return duration(d.Step)
}

// byLabel lists a counter's labels with their totals ("ip 3 · shopper 1").
func byLabel(d *ops.Data, series string) string {
	var s string
	for _, l := range d.Labels(series) {
		if s != "" {
			s += " · "
		}
		s += l + " " + count(ops.Sum(d.Points(series, l)).Count)
	}
	return s
}

// perMinute is n's rate over d's range: a minute, or an hour when that
// reads better.
func perMinute(n int64, d *ops.Data) string {
	mins := float64(d.N) * d.Step.Minutes()
	if r := float64(n) / mins; r >= 1 || n == 0 {
		return fmt.Sprintf("%.1f a minute", r)
	}
	return fmt.Sprintf("%.1f an hour", 60*float64(n)/mins)
}

func percentOf(n, of int64) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// count prints n with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// duration prints d briefly: "850 µs", "12.4 ms", "1.3 s", "15 min", "1 h".
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%d h", int(d.Hours()))
}

// experiments fills the experiments' results (all of their time, not the
// range's: a verdict is about every visitor so far).
func (v *view) experiments(ctx context.Context, h *Handler) {
	if h.opts.Experiments == nil {
		return
	}
	byStore, err := h.opts.Experiments(ctx, v.Store)
	if err != nil {
		v.Problems = append(v.Problems, err.Error())
	}
	for _, st := range sortedKeys(byStore) {
		for _, r := range byStore[st] {
			e := experimentView{Store: st, ID: r.Experiment, Goal: string(r.Goal), State: "running",
				SRM: experiments.FormatP(r.SRM), Mismatch: r.Mismatch, Winner: r.Winner(), Metric: "Rate [95%]"}
			if !r.Running {
				e.State = "not running"
			}
			if r.Goal == catalog.GoalRevenue {
				e.Metric = "Revenue per visitor [95%], " + r.Currency
			}
			for _, x := range r.Variants {
				row := experimentRow{Name: x.Name, Weight: strconv.Itoa(x.Weight), Visitors: count(x.Visitors),
					Converted: count(x.Converted), Verdict: string(x.Verdict),
					Mean: fmt.Sprintf("%s [%s, %s]", r.Format(x.Mean, false), r.Format(x.Low, false), r.Format(x.High, false))}
				if x.Verdict != experiments.Control {
					row.Diff = fmt.Sprintf("%s [%s, %s]", r.Format(x.Diff, true), r.Format(x.DiffLow, true), r.Format(x.DiffHigh, true))
					if !math.IsNaN(x.Lift) {
						row.Lift = fmt.Sprintf("%+.1f%%", 100*x.Lift)
					}
				}
				e.Rows = append(e.Rows, row)
			}
			v.Tests = append(v.Tests, e)
		}
	}
}

// aiCalls fills the AI gateway's newest calls.
func (v *view) aiCalls(ctx context.Context, h *Handler) {
	if h.opts.AICalls == nil {
		return
	}
	v.AIOn = true
	// The newest calls of every store, then those of the store picked:
	// enough that a quiet store's are among them.
	calls, err := h.opts.AICalls(ctx, 200)
	if err != nil {
		v.Problems = append(v.Problems, err.Error())
	}
	for _, c := range calls {
		if (v.Store != "" && c.Store != v.Store) || len(v.AI) == 15 {
			continue
		}
		v.AI = append(v.AI, aiRow{At: c.At.UTC().Format("Jan 2 15:04:05"), Store: c.Store, Kind: c.Kind, Segment: c.Segment,
			Model: c.Model, Tokens: fmt.Sprintf("%d + %d", c.PromptTokens, c.CompletionTokens), Latency: duration(c.Latency),
			Hits: count(int64(c.Hits)), Outcome: c.Outcome})
	}
}
