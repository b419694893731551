package catalog

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Experiment is one A/B test of a store (store.yaml's experiments block):
// shoppers are split between its variants by weight, each variant changing
// something the islands render (never the static pages, which stay the
// same for everyone and cacheable), and the variants are compared on Goal.
// Package experiments assigns shoppers and analyses the results.
type Experiment struct {
	ID       string // handle-shaped, unique in the store; part of the assignment's hash
	Goal     Goal
	Start    time.Time // zero: from the start
	Stop     time.Time // zero: until removed
	Variants []ExperimentVariant
}

// ExperimentVariant is one arm of an experiment. The first variant of an
// experiment is its control: every other is compared with it. An empty
// field changes nothing (the island renders as without the experiment).
type ExperimentVariant struct {
	Name   string // handle-shaped, unique in the experiment
	Weight int    // its share: Weight / the sum of the experiment's weights
	// Greeting replaces the greeting island's text (plain text, escaped).
	Greeting string
	// Badge is a short text shown on recommendation cards (plain text).
	Badge string
	// Recommendations names the recommendations island's strategy (one of
	// RecommendStrategies).
	Recommendations string
	// Sort orders the shopper's lists (recently viewed, wishlist) when the
	// shopper has not chosen a sort.
	Sort SortOrder
	// Copy says whether the recommendations island shows the AI adapter's
	// line of copy: "ai" (as without the experiment) or "none".
	Copy string
}

// CopyChoices are the values of a variant's Copy.
var CopyChoices = []string{"ai", "none"}

// Goal is what an experiment's variants are compared on.
type Goal string

// Goals.
const (
	GoalAddToCart Goal = "add_to_cart" // the share of exposed shoppers who add to the cart
	GoalCheckout  Goal = "checkout"    // the share of exposed shoppers who place an order
	GoalRevenue   Goal = "revenue"     // revenue per exposed shopper (orders' totals)
)

// Goals lists every goal.
var Goals = []Goal{GoalAddToCart, GoalCheckout, GoalRevenue}

// RecommendStrategies are the strategies a variant's recommendations may
// name: "default" is the recommendations island as it is (behavioural:
// what the shopper viewed, carted and wished, and popularity); "popular"
// ranks by popularity alone; "semantic" blends text similarity in (the AI
// adapter's, or its offline stand-in's).
var RecommendStrategies = []string{"default", "popular", "semantic"}

// Limits of an experiment's configuration.
const (
	MaxVariants       = 10
	MaxVariantWeight  = 1000
	MaxGreetingLength = 200 // characters
	MaxBadgeLength    = 40  // characters
)

// Running reports whether e is running at t: from Start (inclusive) to
// Stop (exclusive).
func (e *Experiment) Running(t time.Time) bool {
	return (e.Start.IsZero() || !t.Before(e.Start)) && (e.Stop.IsZero() || t.Before(e.Stop))
}

// Variant returns the variant named name, or nil.
func (e *Experiment) Variant(name string) *ExperimentVariant {
	for i := range e.Variants {
		if e.Variants[i].Name == name {
			return &e.Variants[i]
		}
	}
	return nil
}

// Changes lists what v changes: "greeting", "badge", "recommendations",
// "sort".
func (v *ExperimentVariant) Changes() []string {
	var out []string
	if v.Greeting != "" {
		out = append(out, "greeting")
	}
	if v.Badge != "" {
		out = append(out, "badge")
	}
	if v.Recommendations != "" {
		out = append(out, "recommendations")
	}
	if v.Sort != "" {
		out = append(out, "sort")
	}
	if v.Copy != "" {
		out = append(out, "copy")
	}
	return out
}

// Experiment returns the store's experiment id, or nil.
func (s *Store) Experiment(id string) *Experiment {
	for i := range s.Experiments {
		if s.Experiments[i].ID == id {
			return &s.Experiments[i]
		}
	}
	return nil
}

// ExperimentProblem is one problem of an experiments block: the field
// ("experiments[0].variants[1].weight") and what is wrong.
type ExperimentProblem struct {
	Field   string
	Message string
}

// CheckExperiments returns every problem of exps (store.yaml's
// experiments block, already parsed), in order. Two experiments that run
// at the same time may not change the same thing: a shopper would be in
// both, and neither's result would be its own.
func CheckExperiments(exps []Experiment) []ExperimentProblem {
	var out []ExperimentProblem
	fail := func(field, format string, args ...any) {
		out = append(out, ExperimentProblem{field, fmt.Sprintf(format, args...)})
	}
	ids := map[string]bool{}
	for i, e := range exps {
		f := fmt.Sprintf("experiments[%d]", i)
		switch {
		case e.ID == "":
			fail(f+".id", "is required: a name such as new-greeting (lower-case letters, digits and dashes)")
		case !ValidHandle(e.ID):
			fail(f+".id", "%q must be lower-case letters, digits and dashes, such as new-greeting", e.ID)
		case ids[e.ID]:
			fail(f+".id", "%q is used by another experiment", e.ID)
		}
		ids[e.ID] = true
		if !slices.Contains(Goals, e.Goal) {
			if e.Goal == "" {
				fail(f+".goal", "is required: add_to_cart, checkout or revenue")
			} else {
				fail(f+".goal", "%q is not a goal: use add_to_cart, checkout or revenue", e.Goal)
			}
		}
		if !e.Start.IsZero() && !e.Stop.IsZero() && !e.Stop.After(e.Start) {
			fail(f+".stop", "%s must be after start (%s)", e.Stop.Format(time.RFC3339), e.Start.Format(time.RFC3339))
		}
		switch {
		case len(e.Variants) < 2:
			fail(f+".variants", "needs at least two variants: the first is the control, the others are compared with it")
		case len(e.Variants) > MaxVariants:
			fail(f+".variants", "has %d variants: at most %d (each more needs more shoppers for an answer)", len(e.Variants), MaxVariants)
		}
		names := map[string]bool{}
		for j, v := range e.Variants {
			vf := fmt.Sprintf("%s.variants[%d]", f, j)
			switch {
			case v.Name == "":
				fail(vf+".name", "is required: a name such as control or warm-greeting")
			case !ValidHandle(v.Name):
				fail(vf+".name", "%q must be lower-case letters, digits and dashes, such as warm-greeting", v.Name)
			case names[v.Name]:
				fail(vf+".name", "%q is used by another variant of this experiment", v.Name)
			}
			names[v.Name] = true
			if v.Weight < 1 || v.Weight > MaxVariantWeight {
				fail(vf+".weight", "%d must be a whole number from 1 to %d (a variant's share is its weight over the sum of weights)", v.Weight, MaxVariantWeight)
			}
			if n := utf8.RuneCountInString(v.Greeting); n > MaxGreetingLength {
				fail(vf+".greeting", "is %d characters long: at most %d", n, MaxGreetingLength)
			}
			if n := utf8.RuneCountInString(v.Badge); n > MaxBadgeLength {
				fail(vf+".badge", "is %d characters long: at most %d", n, MaxBadgeLength)
			}
			if v.Recommendations != "" && !slices.Contains(RecommendStrategies, v.Recommendations) {
				fail(vf+".recommendations", "%q is not a strategy: use default, popular or semantic", v.Recommendations)
			}
			if v.Copy != "" && !slices.Contains(CopyChoices, v.Copy) {
				fail(vf+".copy", "%q is not a choice: use ai (the AI line of copy) or none", v.Copy)
			}
			if v.Sort != "" && !v.Sort.Valid() {
				fail(vf+".sort", "%q is not a sort: use manual, price-asc, price-desc, title-asc, title-desc or newest", v.Sort)
			}
		}
	}
	// Overlaps: two experiments at once changing the same thing.
	for i := range exps {
		for j := i + 1; j < len(exps); j++ {
			if !overlap(&exps[i], &exps[j]) {
				continue
			}
			for _, c := range changes(&exps[j]) {
				if slices.Contains(changes(&exps[i]), c) {
					fail(fmt.Sprintf("experiments[%d]", j), "changes the %s, as experiment %q does at the same time: give them start and stop times that do not overlap", c, exps[i].ID)
					break
				}
			}
		}
	}
	return out
}

// changes lists what any variant of e changes.
func changes(e *Experiment) []string {
	var out []string
	for i := range e.Variants {
		for _, c := range e.Variants[i].Changes() {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// overlap reports whether a and b run at some same time.
func overlap(a, b *Experiment) bool {
	// a ends before b starts, or b before a.
	if !a.Stop.IsZero() && !b.Start.IsZero() && !a.Stop.After(b.Start) {
		return false
	}
	if !b.Stop.IsZero() && !a.Start.IsZero() && !b.Stop.After(a.Start) {
		return false
	}
	return true
}
