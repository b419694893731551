package experiments

import (
	"strings"
	"testing"

	"github.com/wandstore/wandstore/catalog"
)

// A revenue experiment whose split is broken: the table warns, shows
// revenue in the currency's units, and names no winner even though the
// variant's interval is above the control's.
func TestWriteTableMismatch(t *testing.T) {
	e := goalExperiment(catalog.GoalRevenue, 1, 1)
	counts := []Counts{
		{Variant: "control", Visitors: 10_000, Converted: 500, Value: Moments{Sum: 500 * 5000, SumSq: 500 * 5000 * 5000 * 2}},
		{Variant: "v1", Visitors: 8_000, Converted: 800, Value: Moments{Sum: 800 * 5000, SumSq: 800 * 5000 * 5000 * 2}},
	}
	r := Analyze(e, counts, "JPY", simNow)
	if !r.Mismatch || r.Variants[1].Verdict != Better || r.Winner() != "" {
		t.Fatalf("result %+v", r)
	}
	var b strings.Builder
	if err := WriteTable(&b, "wands", []Result{r}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// JPY has no minor units: 500 buyers of ¥5,000 among 10,000 visitors is ¥250 a visitor.
	for _, want := range []string{"WARNING: sample-ratio mismatch", "revenue/visitor [95%] JPY", "250.00 [", "better"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "beats the control") {
		t.Errorf("a winner named despite the mismatch:\n%s", out)
	}
}
