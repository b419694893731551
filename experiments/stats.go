package experiments

import "math"

// z95 is the standard normal's 97.5th percentile: a two-sided 95%
// interval at one look.
const z95 = 1.959963984540054

// Wilson is the Wilson score interval of a proportion (x successes in n)
// at one look, with the normal quantile z. It stays inside [0, 1] and
// holds its coverage for small counts and rates near 0, where the plain
// normal interval does not.
func Wilson(x, n int64, z float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	p := float64(x) / float64(n)
	nf := float64(n)
	d := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / d
	h := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / d
	return max(0, c-h), min(1, c+h)
}

// Moments are a sample's count, sum and sum of squares: what a mean and
// its variance need, added up as rows are read.
type Moments struct {
	N          int64
	Sum, SumSq float64
}

// Mean is the sample mean (0 for no sample).
func (m Moments) Mean() float64 {
	if m.N == 0 {
		return 0
	}
	return m.Sum / float64(m.N)
}

// Var is the sample variance (n-1 in the denominator; 0 below two
// observations).
func (m Moments) Var() float64 {
	if m.N < 2 {
		return 0
	}
	n := float64(m.N)
	v := (m.SumSq - m.Sum*m.Sum/n) / (n - 1)
	return max(v, 0)
}

// SequenceTuning is the sample size (both arms together) at which the
// confidence sequence is narrowest for its guarantee (GrowthBook's
// default): near it the sequence is about 1.6 times as wide as a one-look
// interval, and it widens only slowly past it.
const SequenceTuning = 5000

// SequenceZ is the multiplier that replaces the one-look normal quantile
// in an asymptotic confidence sequence (Waudby-Smith, Arbour, Sinha,
// Kennedy and Ramdas, "Time-uniform central limit theory and asymptotic
// confidence sequences", 2023; the normal-mixture boundary of Robbins):
// estimate ± SequenceZ(n, alpha) x its standard error holds the truth at
// every n at once with probability 1-alpha (asymptotically), so it may be
// looked at after every visitor. tuning is the n where it is tightest.
func SequenceZ(n int64, alpha float64, tuning float64) float64 {
	if n <= 0 {
		return math.Inf(1)
	}
	la := -2 * math.Log(alpha)
	rho2 := (la + math.Log(la+1)) / tuning
	t := float64(n) * rho2
	return math.Sqrt(2 * (t + 1) / t * math.Log(math.Sqrt(t+1)/alpha))
}

// ChiSquareP is the p-value of a chi-square statistic x with dof degrees
// of freedom: the upper regularized incomplete gamma Q(dof/2, x/2).
func ChiSquareP(x float64, dof int) float64 {
	if dof <= 0 || x <= 0 {
		return 1
	}
	return gammaQ(float64(dof)/2, x/2)
}

// gammaQ is the upper regularized incomplete gamma function Q(a, x), by
// its series below a+1 and its continued fraction above (Numerical
// Recipes, 6.2).
func gammaQ(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	if x < a+1 {
		// P(a, x) by the series, Q = 1 - P.
		sum, del, ap := 1/a, 1/a, a
		for range 1000 {
			ap++
			del *= x / ap
			sum += del
			if math.Abs(del) < math.Abs(sum)*1e-15 {
				break
			}
		}
		return max(0, 1-sum*math.Exp(-x+a*math.Log(x)-lg))
	}
	// Q(a, x) by Lentz's continued fraction.
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return math.Exp(-x+a*math.Log(x)-lg) * h
}
