package experiments

import (
	"math"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// Counts is what was recorded for one variant of an experiment: the
// shoppers exposed to it (Visitors), those of them who reached the goal
// after their first exposure (Converted), and the goal's value per
// visitor: for a rate goal each visitor's 0 or 1, for revenue each
// visitor's revenue in minor units (0 for those who bought nothing).
type Counts struct {
	Variant   string
	Visitors  int64
	Converted int64
	Value     Moments // N is Visitors
}

// Verdict is how a variant compares with the control.
type Verdict string

// Verdicts.
const (
	Control      Verdict = "control"      // the variant every other is compared with
	TooEarly     Verdict = "too early"    // fewer than MinVisitors or MinConverted in an arm
	Better       Verdict = "better"       // the always-valid interval of the difference is above 0
	Worse        Verdict = "worse"        // ... below 0
	Inconclusive Verdict = "inconclusive" // ... holds 0: no difference shown (yet)
)

// The smallest arms a verdict is given for: the confidence sequence's
// guarantee is asymptotic (a central limit), so it is not trusted on a
// handful of visitors or conversions.
const (
	MinVisitors  = 100
	MinConverted = 10
)

// Alpha is the error rate of a verdict (for all of an experiment's
// comparisons together: each of k-1 comparisons with the control is
// tested at Alpha/(k-1)), and 1-Alpha the level of the intervals.
const Alpha = 0.05

// SRMThreshold is the p-value under which the split of visitors between
// variants is called a sample-ratio mismatch: strict, because with honest
// assignment a smaller p-value is very rare, and a mismatch means the
// counting (not the shoppers) is broken.
const SRMThreshold = 0.001

// VariantResult is one row of the results table.
type VariantResult struct {
	Name      string
	Weight    int
	Visitors  int64
	Converted int64
	// Mean is the rate (a rate goal, 0 to 1) or the revenue per visitor
	// (revenue, in the currency's major units); Low and High its 95%
	// interval at this look (Wilson's for a rate, the normal one for a
	// mean).
	Mean, Low, High float64
	// Against the control (zero for the control): the difference of the
	// means, its always-valid interval (a confidence sequence: valid
	// however often it is looked at) and the relative lift (NaN when the
	// control's mean is 0).
	Diff, DiffLow, DiffHigh float64
	Lift                    float64
	Verdict                 Verdict
}

// Result is an experiment's results.
type Result struct {
	Experiment string
	Goal       catalog.Goal
	Running    bool
	Currency   string // the revenue's (a revenue goal)
	Variants   []VariantResult
	// SRM is the p-value of the visitors' split against the weights
	// (chi-square); Mismatch is set when it is below SRMThreshold, and
	// then no verdict should be trusted.
	SRM      float64
	Mismatch bool
}

// Winner names the variant that is Better than the control while no
// other is, or "" (none, or several: read the rows).
func (r *Result) Winner() string {
	w := ""
	for _, v := range r.Variants {
		if v.Verdict == Better {
			if w != "" {
				return ""
			}
			w = v.Name
		}
	}
	if r.Mismatch {
		return ""
	}
	return w
}

// Analyze computes e's results from counts (one per variant; a variant
// missing from counts had no visitors). currency is the store's, to give
// revenue in major units; now says whether e is running.
func Analyze(e *catalog.Experiment, counts []Counts, currency string, now time.Time) Result {
	res := Result{Experiment: e.ID, Goal: e.Goal, Running: e.Running(now), SRM: 1}
	scale := 1.0
	if e.Goal == catalog.GoalRevenue {
		res.Currency = currency
		scale = math.Pow10(catalog.CurrencyDigits(currency))
	}
	by := map[string]Counts{}
	for _, c := range counts {
		by[c.Variant] = c
	}
	arms := make([]Counts, len(e.Variants))
	for i, v := range e.Variants {
		c := by[v.Name]
		c.Variant = v.Name
		if e.Goal != catalog.GoalRevenue {
			// A rate: each visitor's 0 or 1.
			c.Value = Moments{N: c.Visitors, Sum: float64(c.Converted), SumSq: float64(c.Converted)}
		}
		c.Value.N = c.Visitors
		c.Value.Sum /= scale
		c.Value.SumSq /= scale * scale
		arms[i] = c
	}
	comparisons := max(len(arms)-1, 1)
	alpha := Alpha / float64(comparisons)
	for i, c := range arms {
		vr := VariantResult{Name: c.Variant, Weight: e.Variants[i].Weight, Visitors: c.Visitors, Converted: c.Converted,
			Mean: c.Value.Mean()}
		if e.Goal == catalog.GoalRevenue {
			h := z95 * math.Sqrt(c.Value.Var()/float64(max(c.Visitors, 1)))
			vr.Low, vr.High = max(0, vr.Mean-h), vr.Mean+h
		} else {
			vr.Low, vr.High = Wilson(c.Converted, c.Visitors, z95)
		}
		if i == 0 {
			vr.Verdict = Control
			res.Variants = append(res.Variants, vr)
			continue
		}
		ctl := arms[0]
		vr.Diff = vr.Mean - ctl.Value.Mean()
		vr.Lift = math.NaN()
		if m := ctl.Value.Mean(); m > 0 {
			vr.Lift = vr.Diff / m
		}
		se := math.Sqrt(c.Value.Var()/float64(max(c.Visitors, 1)) + ctl.Value.Var()/float64(max(ctl.Visitors, 1)))
		h := SequenceZ(c.Visitors+ctl.Visitors, alpha, SequenceTuning) * se
		vr.DiffLow, vr.DiffHigh = vr.Diff-h, vr.Diff+h
		switch {
		case c.Visitors < MinVisitors || ctl.Visitors < MinVisitors ||
			c.Converted < MinConverted || ctl.Converted < MinConverted:
			vr.Verdict = TooEarly
		case vr.DiffLow > 0:
			vr.Verdict = Better
		case vr.DiffHigh < 0:
			vr.Verdict = Worse
		default:
			vr.Verdict = Inconclusive
		}
		res.Variants = append(res.Variants, vr)
	}
	res.SRM = SampleRatioP(e, arms)
	res.Mismatch = res.SRM < SRMThreshold
	return res
}

// SampleRatioP is the p-value of the chi-square test of the visitors'
// split between e's variants against their weights (1 when there are too
// few visitors for the test: an expected count below 5).
func SampleRatioP(e *catalog.Experiment, arms []Counts) float64 {
	total, weights := int64(0), 0
	for i, c := range arms {
		total += c.Visitors
		weights += e.Variants[i].Weight
	}
	if total == 0 || weights == 0 || len(arms) < 2 {
		return 1
	}
	x := 0.0
	for i, c := range arms {
		want := float64(total) * float64(e.Variants[i].Weight) / float64(weights)
		if want < 5 {
			return 1
		}
		d := float64(c.Visitors) - want
		x += d * d / want
	}
	return ChiSquareP(x, len(arms)-1)
}
