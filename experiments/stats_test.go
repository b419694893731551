package experiments

import (
	"math"
	"testing"
)

// Chi-square critical values from any table: the p-value at each is its
// level.
func TestChiSquareP(t *testing.T) {
	for _, c := range []struct {
		x    float64
		dof  int
		want float64
	}{
		{3.841459, 1, 0.05}, {6.634897, 1, 0.01}, {10.82757, 1, 0.001},
		{5.991465, 2, 0.05}, {13.81551, 2, 0.001}, {16.91898, 9, 0.05}, {1.145476, 5, 0.95},
	} {
		if got := ChiSquareP(c.x, c.dof); math.Abs(got-c.want) > 1e-5 {
			t.Errorf("ChiSquareP(%g, %d) = %g, want %g", c.x, c.dof, got, c.want)
		}
	}
	if ChiSquareP(0, 1) != 1 || ChiSquareP(5, 0) != 1 {
		t.Error("no statistic or no degrees of freedom must give 1")
	}
}

func TestWilson(t *testing.T) {
	// 0 of 10: the interval starts at 0 and is not empty.
	if lo, hi := Wilson(0, 10, z95); lo != 0 || hi < 0.25 || hi > 0.35 {
		t.Errorf("Wilson(0, 10) = [%g, %g]", lo, hi)
	}
	// Large n: close to the normal interval.
	lo, hi := Wilson(5000, 10000, z95)
	if h := z95 * math.Sqrt(0.25/10000); math.Abs(lo-(0.5-h)) > 1e-4 || math.Abs(hi-(0.5+h)) > 1e-4 {
		t.Errorf("Wilson(5000, 10000) = [%g, %g], want 0.5 ± %g", lo, hi, h)
	}
	if lo, hi := Wilson(0, 0, z95); lo != 0 || hi != 1 {
		t.Errorf("no visitors: [%g, %g]", lo, hi)
	}
}

// The sequence is wider than a one-look interval everywhere (the price of
// looking at will), and at its tuning size not more than about twice.
func TestSequenceZ(t *testing.T) {
	for _, n := range []int64{10, 100, 1000, SequenceTuning, 100_000, 10_000_000} {
		z := SequenceZ(n, Alpha, SequenceTuning)
		if z <= z95 {
			t.Errorf("SequenceZ(%d) = %g, not above %g", n, z, z95)
		}
		if n == SequenceTuning && z > 2*z95 {
			t.Errorf("SequenceZ at the tuning size = %g", z)
		}
	}
	if SequenceZ(1000, 0.01, SequenceTuning) <= SequenceZ(1000, 0.05, SequenceTuning) {
		t.Error("a smaller alpha must widen the sequence")
	}
}

func TestMoments(t *testing.T) {
	var m Moments
	for _, v := range []float64{2, 4, 4, 4, 5, 5, 7, 9} {
		m.N++
		m.Sum += v
		m.SumSq += v * v
	}
	if m.Mean() != 5 || math.Abs(m.Var()-32.0/7) > 1e-12 {
		t.Errorf("mean %g, variance %g", m.Mean(), m.Var())
	}
}
