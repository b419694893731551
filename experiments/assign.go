// Package experiments runs a store's A/B tests (catalog.Experiment, from
// store.yaml's experiments block): it assigns shoppers to variants by a
// hash, with no storage, so every member of a cluster agrees (Assign,
// Treat); and it analyses what was recorded (Analyze): per variant the
// visitors, conversions and rate with a 95% interval, a verdict against
// the control from an always-valid sequential test (an asymptotic
// confidence sequence), and a sample-ratio-mismatch check. Package
// experiments/record writes exposures and conversions to the database in
// batches and reads them back. See docs/EXPERIMENTS.md.
package experiments

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// Assign returns the variant of e that shopper is in: the first 64 bits of
// SHA-256(experiment id, 0, shopper id), modulo the sum of the weights,
// fall in one variant's share. The same inputs give the same variant on
// every member and after every restart; different experiments split
// shoppers independently. Changing a running experiment's weights or
// variants moves shoppers between variants: start a new experiment (a new
// id) instead. Nil when e has no variant with a positive weight.
func Assign(e *catalog.Experiment, shopper string) *catalog.ExperimentVariant {
	total := 0
	for _, v := range e.Variants {
		total += max(v.Weight, 0)
	}
	if total == 0 {
		return nil
	}
	h := sha256.New()
	h.Write([]byte(e.ID))
	h.Write([]byte{0})
	h.Write([]byte(shopper))
	var sum [sha256.Size]byte
	x := binary.BigEndian.Uint64(h.Sum(sum[:0])) % uint64(total)
	for i := range e.Variants {
		w := uint64(max(e.Variants[i].Weight, 0))
		if x < w {
			return &e.Variants[i]
		}
		x -= w
	}
	return nil // not reached
}

// Running reports whether some experiment of st runs at now: whether the
// islands need to record conversions (Recorder.Convert) at all.
func Running(st *catalog.Store, now time.Time) bool {
	for i := range st.Experiments {
		if st.Experiments[i].Running(now) {
			return true
		}
	}
	return false
}

// Change is one thing an island renders differently for a shopper: the
// value to render ("" for the island's own, as the control usually has)
// and the experiment and variant it comes from, to record the exposure
// with when the island renders it. Experiment is "" when no running
// experiment is about this thing.
type Change struct {
	Value      string
	Experiment string
	Variant    string
}

// Treatment is what the running experiments of a store change for one
// shopper, one Change per thing a variant may change. Two experiments
// running at once never change the same thing (catalog.CheckExperiments).
type Treatment struct {
	Greeting        Change // the greeting island's text
	Badge           Change // the badge on recommendation cards
	Recommendations Change // the recommendations island's strategy
	Sort            Change // the sort of the shopper's lists
	Copy            Change // the recommendations' AI line of copy: "ai" or "none"
}

// Any reports whether some running experiment is about something t
// changes.
func (t Treatment) Any() bool {
	return t.Greeting.Experiment != "" || t.Badge.Experiment != "" || t.Recommendations.Experiment != "" || t.Sort.Experiment != "" ||
		t.Copy.Experiment != ""
}

// Treat works out the Treatment of shopper in st at now: for every
// experiment running at now, the shopper's variant (Assign) and, for each
// thing any of its variants changes, the variant's value, so a shopper in
// the control is exposed (and counted) too.
func Treat(st *catalog.Store, shopper string, now time.Time) Treatment {
	var t Treatment
	for i := range st.Experiments {
		e := &st.Experiments[i]
		if !e.Running(now) {
			continue
		}
		v := Assign(e, shopper)
		if v == nil {
			continue
		}
		for j := range e.Variants {
			for _, what := range e.Variants[j].Changes() {
				c := Change{Experiment: e.ID, Variant: v.Name}
				switch what {
				case "greeting":
					c.Value = v.Greeting
					t.Greeting = c
				case "badge":
					c.Value = v.Badge
					t.Badge = c
				case "recommendations":
					c.Value = v.Recommendations
					t.Recommendations = c
				case "sort":
					c.Value = string(v.Sort)
					t.Sort = c
				case "copy":
					c.Value = v.Copy
					t.Copy = c
				}
			}
		}
	}
	return t
}
