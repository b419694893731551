package contentdir

import (
	"fmt"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// store.yaml's experiments block (see docs/EXPERIMENTS.md):
//
//	experiments:
//	  - id: warm-greeting
//	    goal: add_to_cart            # add_to_cart, checkout or revenue
//	    start: 2026-12-01            # optional: a date (UTC) or an RFC 3339 time
//	    stop: 2027-01-01T00:00:00Z   # optional
//	    variants:                    # the first is the control
//	      - name: control
//	        weight: 1
//	      - name: warm
//	        weight: 1
//	        greeting: "Welcome back, wizard!"
//	        badge: "Staff pick"
//	        recommendations: popular   # default, popular or semantic
//	        sort: price-asc
type experimentFile struct {
	ID       string    `yaml:"id"`
	Goal     string    `yaml:"goal"`
	Start    string    `yaml:"start"`
	Stop     string    `yaml:"stop"`
	Variants []armFile `yaml:"variants"`
}

type armFile struct {
	Name            string `yaml:"name"`
	Weight          int    `yaml:"weight"`
	Greeting        string `yaml:"greeting"`
	Badge           string `yaml:"badge"`
	Recommendations string `yaml:"recommendations"`
	Sort            string `yaml:"sort"`
	Copy            string `yaml:"copy"`
}

// readExperiments checks store.yaml's experiments block into the store's
// Experiments, recording each problem on its field.
func (l *loader) readExperiments(fs []experimentFile) {
	const file = "store.yaml"
	if len(fs) == 0 {
		return
	}
	exps := make([]catalog.Experiment, len(fs))
	for i, f := range fs {
		e := catalog.Experiment{ID: f.ID, Goal: catalog.Goal(f.Goal)}
		e.Start = l.experimentTime(file, fmt.Sprintf("experiments[%d].start", i), f.Start)
		e.Stop = l.experimentTime(file, fmt.Sprintf("experiments[%d].stop", i), f.Stop)
		for _, v := range f.Variants {
			e.Variants = append(e.Variants, catalog.ExperimentVariant{
				Name: v.Name, Weight: v.Weight, Greeting: v.Greeting, Badge: v.Badge,
				Recommendations: v.Recommendations, Sort: catalog.SortOrder(v.Sort), Copy: v.Copy,
			})
		}
		exps[i] = e
	}
	for _, p := range catalog.CheckExperiments(exps) {
		l.fail(file, 0, p.Field, p.Message)
	}
	l.store.Experiments = exps
}

// experimentTime parses a start or stop: a date (midnight UTC) or an RFC
// 3339 time; zero when s is empty.
func (l *loader) experimentTime(file, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		l.fail(file, 0, field, fmt.Sprintf("%q is not a date (2026-12-01) or a time (2026-12-01T09:00:00Z)", s))
		return time.Time{}
	}
	return t.UTC()
}
