package catalog

import (
	"strings"
	"testing"
	"time"
)

// Two experiments changing the same thing may run one after the other,
// not at the same time.
func TestCheckExperimentsOverlap(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	arms := []ExperimentVariant{{Name: "control", Weight: 1}, {Name: "b", Weight: 1, Greeting: "Hi"}}
	first := Experiment{ID: "first", Goal: GoalCheckout, Start: day(1), Stop: day(10), Variants: arms}
	for _, c := range []struct {
		name        string
		start, stop time.Time
		overlaps    bool
	}{
		{"after", day(10), day(20), false},
		{"before", time.Time{}, day(1), false},
		{"inside", day(2), day(3), true},
		{"open-ended", day(9), time.Time{}, true},
		{"from-the-start", time.Time{}, day(2), true},
	} {
		second := Experiment{ID: "second", Goal: GoalCheckout, Start: c.start, Stop: c.stop, Variants: arms}
		ps := CheckExperiments([]Experiment{first, second})
		if got := len(ps) == 1 && strings.Contains(ps[0].Message, "changes the greeting"); got != c.overlaps {
			t.Errorf("%s: problems %+v, want an overlap: %v", c.name, ps, c.overlaps)
		}
		// Changing different things, they may overlap.
		other := second
		other.Variants = []ExperimentVariant{{Name: "control", Weight: 1}, {Name: "b", Weight: 1, Badge: "New"}}
		if ps := CheckExperiments([]Experiment{first, other}); len(ps) != 0 {
			t.Errorf("%s, another change: problems %+v", c.name, ps)
		}
	}
}
