package contentdir

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

const experimentsYAML = `experiments:
  - id: warm-greeting
    goal: add_to_cart
    start: 2026-12-01
    stop: 2027-01-01T09:00:00+09:00
    variants:
      - { name: control, weight: 1 }
      - { name: warm, weight: 3, greeting: "Welcome back, wizard!", badge: "Staff pick", recommendations: popular, sort: price-asc }
  - id: revenue-test
    goal: revenue
    start: 2027-01-02
    variants:
      - { name: control, weight: 1 }
      - { name: semantic, weight: 1, recommendations: semantic }
`

func TestExperimentsBlock(t *testing.T) {
	fsys := fstest.MapFS{"s/store.yaml": {Data: []byte("name: S\ncurrency: USD\n" + experimentsYAML)}}
	st, _, err := New(fsys).StoreFile("s")
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.Experiment{
		{ID: "warm-greeting", Goal: catalog.GoalAddToCart,
			Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Stop: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
			Variants: []catalog.ExperimentVariant{{Name: "control", Weight: 1},
				{Name: "warm", Weight: 3, Greeting: "Welcome back, wizard!", Badge: "Staff pick", Recommendations: "popular", Sort: catalog.SortPriceAsc}}},
		{ID: "revenue-test", Goal: catalog.GoalRevenue, Start: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC),
			Variants: []catalog.ExperimentVariant{{Name: "control", Weight: 1}, {Name: "semantic", Weight: 1, Recommendations: "semantic"}}},
	}
	if !reflect.DeepEqual(st.Experiments, want) {
		t.Fatalf("experiments =\n%+v\nwant\n%+v", st.Experiments, want)
	}
	if e := st.Experiment("warm-greeting"); e == nil || !e.Running(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)) ||
		e.Running(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || e.Variant("warm").Weight != 3 {
		t.Errorf("warm-greeting = %+v", e)
	}
}

func TestExperimentsBlockBad(t *testing.T) {
	fsys := fstest.MapFS{"s/store.yaml": {Data: []byte(`name: S
currency: USD
experiments:
  - id: Big Test
    goal: clicks
    start: tomorrow
    variants:
      - { name: control, weight: 0 }
  - id: dup
    goal: checkout
    start: 2026-12-02
    stop: 2026-12-01
    variants:
      - { name: a, weight: 1, recommendations: magic, sort: random, copy: maybe }
      - { name: a, weight: 1001, badge: "` + strings.Repeat("x", 41) + `" }
  - id: dup
    goal: revenue
    variants:
      - { name: a, weight: 1 }
      - { name: b, weight: 1, badge: "New" }
`)}}
	_, _, err := New(fsys).StoreFile("s")
	ve, ok := catalog.AsValidationErrors(err)
	if !ok {
		t.Fatalf("err = %v, want validation errors", err)
	}
	want := map[string]string{
		"experiments[0].id":                          "lower-case letters",
		"experiments[0].goal":                        `"clicks" is not a goal`,
		"experiments[0].start":                       "is not a date",
		"experiments[0].variants":                    "at least two variants",
		"experiments[0].variants[0].weight":          "from 1 to 1000",
		"experiments[1].stop":                        "must be after start",
		"experiments[1].variants[0].recommendations": `"magic" is not a strategy`,
		"experiments[1].variants[0].sort":            `"random" is not a sort`,
		"experiments[1].variants[0].copy":            `"maybe" is not a choice`,
		"experiments[1].variants[1].name":            "used by another variant",
		"experiments[1].variants[1].weight":          "from 1 to 1000",
		"experiments[1].variants[1].badge":           "41 characters",
		"experiments[2].id":                          "used by another experiment",
		"experiments[2]":                             `changes the badge, as experiment "dup" does`,
	}
	got := map[string]string{}
	for _, e := range ve {
		if e.File != "store.yaml" {
			t.Errorf("error in file %q: %v", e.File, e)
		}
		got[e.Field] += e.Message
	}
	for f, msg := range want {
		if !strings.Contains(got[f], msg) {
			t.Errorf("%s: got %q, want a message containing %q\nall: %v", f, got[f], msg, err)
		}
	}
	if len(ve) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(ve), len(want), err)
	}
	for _, e := range ve {
		if e.Field == "experiments[0].goal" && e.Line != 5 {
			t.Errorf("experiments[0].goal on line %d, want 5", e.Line)
		}
	}
}

// The parse cache keeps products and collections; store.yaml is read on
// every load, so its experiments are there with a cold and a warm cache.
func TestExperimentsSurviveParseCache(t *testing.T) {
	fsys := goodStore(t)
	f := fsys["magic-wands/store.yaml"]
	f.Data = append(append([]byte{}, f.Data...), "\n"+experimentsYAML...)
	dir := t.TempDir()
	for i := range 2 {
		st, n := loadBoth(t, fsys, dir)
		if len(st.Experiments) != 2 || st.Experiments[0].Variants[1].Greeting != "Welcome back, wizard!" {
			t.Fatalf("load %d (parsed %d files): experiments = %+v", i, n, st.Experiments)
		}
		if i == 1 && n != 0 {
			t.Errorf("second load parsed %d files, want none (a warm cache)", n)
		}
	}
}
