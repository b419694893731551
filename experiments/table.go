package experiments

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/wandstore/wandstore/catalog"
)

// WriteTable writes rs as the results table (wandgen experiments): per
// experiment a heading (goal, running or stopped, the SRM check), then one
// line per variant.
func WriteTable(w io.Writer, store string, rs []Result) error {
	var b strings.Builder
	if len(rs) == 0 {
		fmt.Fprintf(&b, "%s: no experiments in store.yaml\n", store)
	}
	for i, r := range rs {
		if i > 0 {
			b.WriteString("\n")
		}
		state := "running"
		if !r.Running {
			state = "not running"
		}
		fmt.Fprintf(&b, "%s / %s: goal %s, %s, sample ratio p = %s\n", store, r.Experiment, r.Goal, state, FormatP(r.SRM))
		if r.Mismatch {
			fmt.Fprintf(&b, "WARNING: sample-ratio mismatch (p < %g): the visitors are not split as the weights say; the counting is broken, trust no verdict\n", SRMThreshold)
		}
		metric := "rate [95%]"
		if r.Goal == catalog.GoalRevenue {
			metric = "revenue/visitor [95%] " + r.Currency
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "variant\tweight\tvisitors\tconversions\t%s\tvs control [always-valid 95%%]\tlift\tverdict\n", metric)
		for _, v := range r.Variants {
			diff, lift := "", ""
			if v.Verdict != Control {
				diff = fmt.Sprintf("%s [%s, %s]", r.Format(v.Diff, true), r.Format(v.DiffLow, true), r.Format(v.DiffHigh, true))
				if !math.IsNaN(v.Lift) {
					lift = fmt.Sprintf("%+.1f%%", 100*v.Lift)
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s [%s, %s]\t%s\t%s\t%s\n", v.Name, v.Weight, v.Visitors, v.Converted,
				r.Format(v.Mean, false), r.Format(v.Low, false), r.Format(v.High, false), diff, lift, v.Verdict)
		}
		tw.Flush()
	}
	b.WriteString(winners(rs))
	_, err := io.WriteString(w, b.String())
	return err
}

// Format writes a rate in percent (a difference in percentage points,
// "pp") or revenue with two decimals.
func (r *Result) Format(x float64, diff bool) string {
	switch {
	case r.Goal == catalog.GoalRevenue && diff:
		return fmt.Sprintf("%+.2f", x)
	case r.Goal == catalog.GoalRevenue:
		return fmt.Sprintf("%.2f", x)
	case diff:
		return fmt.Sprintf("%+.2fpp", 100*x)
	}
	return fmt.Sprintf("%.2f%%", 100*x)
}

// FormatP writes a p-value with four decimals, or "< 0.0001".
func FormatP(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return fmt.Sprintf("%.4f", p)
}

// winners lists each experiment's winner, if any, as a closing line.
func winners(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		if w := r.Winner(); w != "" {
			fmt.Fprintf(&b, "%s: %s beats the control (always-valid test, alpha %g)\n", r.Experiment, w, Alpha)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\n" + b.String()
}
