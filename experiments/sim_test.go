package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wandstore/wandstore/catalog"
)

// The simulations: shoppers with known true rates (and order values) are
// split between variants and convert at random; the verdicts and intervals
// are checked against the truth. Every run is seeded, so the figures are
// the same on every machine. go test ./experiments -run Simulation -v
// prints them (docs/EXPERIMENTS.md quotes them).

var simNow = time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)

// sim accumulates one experiment's counts as shoppers arrive.
type sim struct {
	e       *catalog.Experiment
	rng     *rand.Rand
	rates   []float64 // the true conversion rate of each variant
	orders  []float64 // the mean order value (minor units) of each; nil for a rate goal
	arms    []Counts
	n       int
	useHash bool // assign with Assign (else at random by weight: faster)
	seed    uint64
}

func newSim(e *catalog.Experiment, seed uint64, rates, orders []float64) *sim {
	s := &sim{e: e, rng: rand.New(rand.NewPCG(seed, 0x5eed)), rates: rates, orders: orders, seed: seed,
		arms: make([]Counts, len(e.Variants))}
	for i, v := range e.Variants {
		s.arms[i].Variant = v.Name
	}
	return s
}

// visit simulates n more shoppers.
func (s *sim) visit(n int) {
	total := 0
	for _, v := range s.e.Variants {
		total += v.Weight
	}
	for range n {
		s.n++
		i := 0
		if s.useHash {
			name := Assign(s.e, fmt.Sprintf("shopper-%d-%d", s.seed, s.n)).Name
			for s.e.Variants[i].Name != name {
				i++
			}
		} else {
			x := s.rng.IntN(total)
			for x >= s.e.Variants[i].Weight {
				x -= s.e.Variants[i].Weight
				i++
			}
		}
		a := &s.arms[i]
		a.Visitors++
		if s.rng.Float64() < s.rates[i] {
			a.Converted++
			if s.orders != nil {
				v := math.Round(s.rng.ExpFloat64() * s.orders[i])
				a.Value.Sum += v
				a.Value.SumSq += v * v
			}
		}
	}
}

func (s *sim) result() Result { return Analyze(s.e, s.arms, "USD", simNow) }

func goalExperiment(goal catalog.Goal, weights ...int) *catalog.Experiment {
	e := experiment("sim", weights...)
	e.Goal = goal
	return e
}

// Three variants: one truly better, one truly worse. With 20,000 shoppers
// an arm every seed finds both, and names the better the winner.
func TestSimulationFindsTheBetterVariant(t *testing.T) {
	const seeds = 20
	found := 0
	for seed := range uint64(seeds) {
		s := newSim(goalExperiment(catalog.GoalAddToCart, 1, 1, 1), seed, []float64{0.10, 0.12, 0.08}, nil)
		s.useHash = true
		s.visit(60_000)
		r := s.result()
		if r.Variants[1].Verdict == Better && r.Variants[2].Verdict == Worse && r.Winner() == "v1" && !r.Mismatch {
			found++
		} else {
			t.Errorf("seed %d: %+v", seed, r)
		}
	}
	t.Logf("rates 10%% vs 12%% vs 8%%, 20,000 shoppers an arm: both differences found in %d of %d seeds", found, seeds)
}

// Revenue per visitor: 5% buy at a mean of $50 against 6% at $50 (heavy
// tailed: exponential order values); with 80,000 shoppers an arm the
// variant is found better in nearly every seed and never worse.
func TestSimulationRevenueFindsTheBetterVariant(t *testing.T) {
	const seeds = 10
	found := 0
	for seed := range uint64(seeds) {
		s := newSim(goalExperiment(catalog.GoalRevenue, 1, 1), 100+seed, []float64{0.05, 0.06}, []float64{5000, 5000})
		s.visit(160_000)
		r := s.result()
		v := r.Variants[1]
		switch v.Verdict {
		case Better:
			found++
		case Worse:
			t.Errorf("seed %d: the better variant called worse: %+v", seed, v)
		}
		if truth := 0.06*50 - 0.05*50; v.DiffLow > truth || v.DiffHigh < truth {
			t.Errorf("seed %d: the difference's interval [%.3f, %.3f] misses the truth %.2f", seed, v.DiffLow, v.DiffHigh, truth)
		}
	}
	if found < seeds-2 {
		t.Errorf("found better in %d of %d seeds", found, seeds)
	}
	t.Logf("revenue per visitor $2.50 vs $3.00, 80,000 shoppers an arm: better in %d of %d seeds", found, seeds)
}

// Coverage: each variant's 95% interval (one look, at the end) holds its
// true rate about 95% of the time; the difference's confidence sequence
// holds the true difference at every one of 20 looks at once at least 95%
// of the time.
func TestSimulationCoverage(t *testing.T) {
	const runs = 400
	rates := []float64{0.10, 0.12}
	covered, intervals, seqCovered := 0, 0, 0
	for seed := range uint64(runs) {
		s := newSim(goalExperiment(catalog.GoalAddToCart, 1, 1), 1000+seed, rates, nil)
		always := true
		for range 20 {
			s.visit(200)
			v := s.result().Variants[1]
			if truth := rates[1] - rates[0]; v.DiffLow > truth || v.DiffHigh < truth {
				always = false
			}
		}
		if always {
			seqCovered++
		}
		for i, v := range s.result().Variants {
			intervals++
			if v.Low <= rates[i] && rates[i] <= v.High {
				covered++
			}
		}
	}
	rate := float64(covered) / float64(intervals)
	if rate < 0.93 || rate > 0.97 {
		t.Errorf("the 95%% intervals held the true rate %.1f%% of the time", 100*rate)
	}
	seq := float64(seqCovered) / runs
	if seq < 0.95 {
		t.Errorf("the confidence sequence held the true difference at every look in %.1f%% of runs", 100*seq)
	}
	t.Logf("coverage over %d runs of 4,000 shoppers: rate intervals %.1f%% (nominal 95%%), confidence sequence at all 20 looks %.1f%% (at least 95%%)",
		runs, 100*rate, 100*seq)
}

// A/A: both variants the same. Looking after every batch of shoppers (a
// merchant reading the dashboard all day), the sequential test declares
// a winner in at most Alpha of the seeds; a one-look z-test read the same
// way would, in far more (the reason for the sequential test).
func TestSimulationAA(t *testing.T) {
	for _, c := range []struct {
		name         string
		goal         catalog.Goal
		weights      []int
		seeds, looks int
		batch        int
		rates        []float64
		orders       []float64
	}{
		{"rate", catalog.GoalAddToCart, []int{1, 1}, 200, 100, 200, []float64{0.05, 0.05}, nil},
		{"rate 1:3", catalog.GoalAddToCart, []int{1, 3}, 200, 100, 200, []float64{0.05, 0.05}, nil},
		{"revenue", catalog.GoalRevenue, []int{1, 1}, 100, 40, 500, []float64{0.05, 0.05}, []float64{5000, 5000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sequential, naive := 0, 0
			for seed := range uint64(c.seeds) {
				s := newSim(goalExperiment(c.goal, c.weights...), 5000+seed, c.rates, c.orders)
				seqWon, naiveWon := false, false
				for range c.looks {
					s.visit(c.batch)
					r := s.result()
					v := r.Variants[1]
					if v.Verdict == Better || v.Verdict == Worse {
						seqWon = true
					}
					// The one-look test: |diff| > 1.96 standard errors.
					if v.Verdict != TooEarly {
						se := (v.DiffHigh - v.DiffLow) / 2 / SequenceZ(r.Variants[0].Visitors+v.Visitors, Alpha, SequenceTuning)
						if math.Abs(v.Diff) > z95*se {
							naiveWon = true
						}
					}
				}
				if seqWon {
					sequential++
				}
				if naiveWon {
					naive++
				}
			}
			rate, naiveRate := float64(sequential)/float64(c.seeds), float64(naive)/float64(c.seeds)
			if rate > Alpha {
				t.Errorf("A/A: a winner declared in %d of %d seeds (%.1f%%), more than alpha", sequential, c.seeds, 100*rate)
			}
			if naiveRate <= 2*Alpha {
				t.Errorf("the peeking z-test erred in only %.1f%% of seeds: the simulation does not show what peeking does", 100*naiveRate)
			}
			t.Logf("A/A %s, %d seeds, %d looks of %d shoppers: sequential test declared a winner in %.1f%% of seeds (alpha 5%%); a z-test read at every look in %.1f%%",
				c.name, c.seeds, c.looks, c.batch, 100*rate, 100*naiveRate)
		})
	}
}

// A sample-ratio mismatch: the variant's exposures are lost for a tenth of its
// shoppers (an island that fails to record). The check flags it, and
// names no winner; with nothing lost it stays quiet.
func TestSimulationSRM(t *testing.T) {
	const seeds = 50
	flagged, quiet := 0, 0
	for seed := range uint64(seeds) {
		s := newSim(goalExperiment(catalog.GoalCheckout, 1, 1), 9000+seed, []float64{0.03, 0.03}, nil)
		s.visit(20_000)
		if !s.result().Mismatch {
			quiet++
		}
		s.arms[1].Visitors -= s.arms[1].Visitors / 10
		r := s.result()
		if r.Mismatch {
			flagged++
		}
		if r.Mismatch && r.Winner() != "" {
			t.Errorf("seed %d: a winner named despite the mismatch", seed)
		}
	}
	if flagged < seeds-2 || quiet < seeds-1 {
		t.Errorf("SRM flagged %d of %d broken splits and stayed quiet on %d of %d good ones", flagged, seeds, quiet, seeds)
	}
	t.Logf("SRM (p < %g): flagged %d of %d splits losing 10%% of a variant's exposures (20,000 shoppers); quiet on %d of %d honest ones", SRMThreshold, flagged, seeds, quiet, seeds)
}
