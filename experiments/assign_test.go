package experiments

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

func experiment(id string, weights ...int) *catalog.Experiment {
	e := &catalog.Experiment{ID: id, Goal: catalog.GoalAddToCart}
	for i, w := range weights {
		name := "control"
		if i > 0 {
			name = fmt.Sprintf("v%d", i)
		}
		e.Variants = append(e.Variants, catalog.ExperimentVariant{Name: name, Weight: w})
	}
	return e
}

// Shares follow the weights: each within 4 standard errors of its share,
// and the split passes the SRM test.
func TestAssignDistribution(t *testing.T) {
	for _, weights := range [][]int{{1, 1}, {1, 3}, {5, 3, 2}, {1, 1, 1, 1}} {
		e := experiment("dist", weights...)
		const n = 40_000
		got := map[string]int64{}
		for i := range n {
			got[Assign(e, fmt.Sprintf("shopper-%d", i)).Name]++
		}
		total := 0
		for _, w := range weights {
			total += w
		}
		arms := make([]Counts, len(weights))
		for i, v := range e.Variants {
			p := float64(v.Weight) / float64(total)
			share := float64(got[v.Name]) / n
			if se := math.Sqrt(p * (1 - p) / n); math.Abs(share-p) > 4*se {
				t.Errorf("weights %v: %s has %.4f of the shoppers, want %.4f ± %.4f", weights, v.Name, share, p, 4*se)
			}
			arms[i] = Counts{Variant: v.Name, Visitors: got[v.Name]}
		}
		if p := SampleRatioP(e, arms); p < SRMThreshold {
			t.Errorf("weights %v: the split %v fails the SRM test (p = %g)", weights, got, p)
		}
	}
}

// The same shopper gets the same variant every time, from another copy of
// the experiment (another member), and the pinned assignments never move:
// a change of the hash would move every running experiment's shoppers.
func TestAssignSticky(t *testing.T) {
	a, b := experiment("sticky", 1, 1, 1), experiment("sticky", 1, 1, 1)
	for i := range 1000 {
		id := fmt.Sprintf("s%d", i)
		if x, y := Assign(a, id).Name, Assign(b, id).Name; x != y || Assign(a, id).Name != x {
			t.Fatalf("shopper %s: %s, then %s", id, x, y)
		}
	}
	pins := map[string]string{}
	for _, id := range []string{"alice", "bob", "carol", "dave", "eve", "frank"} {
		pins[id] = Assign(a, id).Name
	}
	want := map[string]string{"alice": "v2", "bob": "v1", "carol": "control", "dave": "v2", "eve": "v2", "frank": "v1"}
	if fmt.Sprint(pins) != fmt.Sprint(want) {
		t.Errorf("assignments %v, pinned %v", pins, want)
	}
}

// Two experiments split shoppers independently: a shopper's variant in
// one says nothing of the other.
func TestAssignIndependent(t *testing.T) {
	a, b := experiment("first", 1, 1), experiment("second", 1, 1)
	var both [2][2]int
	const n = 20_000
	for i := range n {
		id := fmt.Sprintf("s%d", i)
		x, y := 0, 0
		if Assign(a, id).Name != "control" {
			x = 1
		}
		if Assign(b, id).Name != "control" {
			y = 1
		}
		both[x][y]++
	}
	// Chi-square of independence, one degree of freedom.
	chi := 0.0
	for x := range 2 {
		for y := range 2 {
			want := float64(both[x][0]+both[x][1]) * float64(both[0][y]+both[1][y]) / n
			chi += (float64(both[x][y]) - want) * (float64(both[x][y]) - want) / want
		}
	}
	if p := ChiSquareP(chi, 1); p < 0.001 {
		t.Errorf("the two experiments' splits are related: %v, p = %g", both, p)
	}
}

func TestTreat(t *testing.T) {
	day := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	st := &catalog.Store{Experiments: []catalog.Experiment{
		{ID: "greet", Goal: catalog.GoalAddToCart, Variants: []catalog.ExperimentVariant{
			{Name: "control", Weight: 1}, {Name: "warm", Weight: 1, Greeting: "Welcome back!"}}},
		{ID: "recs", Goal: catalog.GoalRevenue, Variants: []catalog.ExperimentVariant{
			{Name: "control", Weight: 1, Recommendations: "default"}, {Name: "pop", Weight: 1, Recommendations: "popular", Badge: "Hot"}}},
		{ID: "later", Goal: catalog.GoalCheckout, Start: day.Add(24 * time.Hour), Variants: []catalog.ExperimentVariant{
			{Name: "control", Weight: 1}, {Name: "cheap", Weight: 1, Sort: catalog.SortPriceAsc}}},
	}}
	seen := map[string]bool{}
	for i := range 200 {
		id := fmt.Sprintf("s%d", i)
		tr := Treat(st, id, day)
		g := Assign(&st.Experiments[0], id)
		if tr.Greeting.Experiment != "greet" || tr.Greeting.Variant != g.Name || tr.Greeting.Value != g.Greeting {
			t.Fatalf("%s: greeting %+v, assigned %+v", id, tr.Greeting, g)
		}
		r := Assign(&st.Experiments[1], id)
		if tr.Recommendations != (Change{r.Recommendations, "recs", r.Name}) || tr.Badge != (Change{r.Badge, "recs", r.Name}) {
			t.Fatalf("%s: recommendations %+v, badge %+v, assigned %+v", id, tr.Recommendations, tr.Badge, r)
		}
		if tr.Sort != (Change{}) {
			t.Fatalf("%s: sort %+v from an experiment not started", id, tr.Sort)
		}
		seen[tr.Greeting.Variant+"/"+tr.Badge.Variant] = true
		if !tr.Any() {
			t.Fatal("Any = false")
		}
	}
	if len(seen) != 4 {
		t.Errorf("combinations seen: %v", seen)
	}
	if tr := Treat(st, "s1", day.Add(48*time.Hour)); tr.Sort.Experiment != "later" {
		t.Errorf("after its start: sort %+v", tr.Sort)
	}
	if !Running(st, day) || Running(&catalog.Store{Experiments: st.Experiments[2:]}, day) || Running(&catalog.Store{}, day) {
		t.Error("Running is wrong")
	}
	if tr := Treat(&catalog.Store{}, "s1", day); tr.Any() {
		t.Errorf("no experiments: %+v", tr)
	}
}
