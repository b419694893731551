package experiments

import (
	"strconv"
	"testing"

	"github.com/wandstore/wandstore/catalog"
)

// What an island pays per render to learn a shopper's treatment: three
// running experiments.
func BenchmarkTreat(b *testing.B) {
	arms := func(c catalog.ExperimentVariant) []catalog.ExperimentVariant {
		return []catalog.ExperimentVariant{{Name: "control", Weight: 1}, c}
	}
	st := &catalog.Store{Experiments: []catalog.Experiment{
		{ID: "a", Variants: arms(catalog.ExperimentVariant{Name: "b", Weight: 1, Greeting: "Hi"})},
		{ID: "b", Variants: arms(catalog.ExperimentVariant{Name: "b", Weight: 1, Badge: "New"})},
		{ID: "c", Variants: arms(catalog.ExperimentVariant{Name: "b", Weight: 1, Sort: catalog.SortNewest})},
	}}
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = "shopper-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Treat(st, ids[i%len(ids)], simNow)
	}
}
