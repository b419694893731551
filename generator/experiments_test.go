package generator

import (
	"reflect"
	"testing"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/internal/testkit"
)

// An experiment is rendered by the islands, not the pages: a change of
// one changes the catalog version (the islands switch, their fragments'
// cache keys move) and not what every page shows.
func TestCatalogVersionCoversExperiments(t *testing.T) {
	st := testkit.DemoStore(t, "magic-wands")
	base := CatalogVersion(st)
	if again := CatalogVersion(st); again != base {
		t.Fatalf("CatalogVersion is not stable: %s, then %s", base, again)
	}
	withExp := *st
	withExp.Experiments = []catalog.Experiment{{ID: "greet", Goal: catalog.GoalAddToCart, Variants: []catalog.ExperimentVariant{
		{Name: "control", Weight: 1}, {Name: "warm", Weight: 1, Greeting: "Hello"}}}}
	v1 := CatalogVersion(&withExp)
	withExp.Experiments[0].Variants[1].Greeting = "Hello again"
	v2 := CatalogVersion(&withExp)
	if v1 == base || v2 == v1 {
		t.Errorf("versions: none %s, one %s, its greeting changed %s: want three", base, v1, v2)
	}
	if !reflect.DeepEqual(storeInputs(st), storeInputs(&withExp)) {
		t.Error("an experiment changed what every page shows")
	}
}
